/**
 * The tab holding a browser's shared connection goes away (closed, then another holder's renderer killed;
 * reloaded; hidden) while other tabs send events through it: another tab takes the connection over within a
 * second, the tabs keep updating, and every event is applied exactly once, in each tab's order, re-sent at
 * most once.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Tally } from '../reliability/tally-handler.js';
import { launchBrowser, until, WAIT_MS } from './support/browser.js';
import { startTallyPageServer, TALLY, type TallyPageServer } from './support/tally-page-server.js';

type Nasc = typeof import('../../elements/index.js');

/** What each tab records, in the page. */
interface TabRecord {
  /** Every `nasc-connected`: when (epoch ms) and whether through another tab. */
  connected: { at: number; shared: boolean }[];
  /** How often each of this tab's `record` events went out. */
  sends: Record<string, number>;
  /** The outcomes of its `record` events once all came back. */
  pending: Promise<{ ok: boolean }>[];
}

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Opens the page in a new tab of `context`, waits until it is live, and starts recording. */
async function openTab(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  await page.goto(url);
  await record(page);
  return page;
}

/** Starts recording in the page (again after a reload), and waits until it is live. */
async function record(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const nasc = (await import('/nasc/nasc.js' as string)) as Nasc;
    const connection = nasc.getPageConnection();
    const record: TabRecord = { connected: [], sends: {}, pending: [] };
    Object.assign(window, { tab: record, nasc });
    connection.addEventListener('nasc-connected', (event) => record.connected.push({ at: Date.now(), shared: event.shared }));
    connection.addEventListener('nasc-send', ({ event }) => {
      if (event.event === 'record' && event.eventId) record.sends[event.eventId] = (record.sends[event.eventId] ?? 0) + 1;
    });
  });
  await until(page, () => (window as unknown as { nasc: Nasc }).nasc.getPageConnection().state === 'live', null, 'the tab is live');
}

function holds(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const connection = (window as unknown as { nasc: Nasc }).nasc.getPageConnection();
    return connection.state === 'live' && !connection.shared;
  });
}

/** Each sender queues `count` events numbered from `from`, without waiting for them. */
async function send(senders: readonly Page[], from: number, count: number): Promise<void> {
  await Promise.all(
    senders.map((page, client) =>
      page.evaluate(
        ({ client, from, count, type, instance }) => {
          const { nasc, tab } = window as unknown as { nasc: Nasc; tab: TabRecord };
          const connection = nasc.getPageConnection();
          for (let seq = from; seq < from + count; seq++) tab.pending.push(connection.send(type, instance, 'record', { client, seq }));
        },
        { client, from, count, ...TALLY },
      ),
    ),
  );
}

/** When (epoch ms) a tab first held a live stream of its own after `since`. */
async function takenOverAt(pages: readonly Page[], since: number): Promise<number> {
  let at = Number.POSITIVE_INFINITY;
  const deadline = Date.now() + WAIT_MS;
  while (at === Number.POSITIVE_INFINITY && Date.now() < deadline) {
    for (const page of pages) {
      const times = await page.evaluate((since) => (window as unknown as { tab: TabRecord }).tab.connected.filter((c) => !c.shared && c.at >= since).map((c) => c.at), since);
      for (const time of times) at = Math.min(at, time);
    }
    if (at === Number.POSITIVE_INFINITY) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(at < Number.POSITIVE_INFINITY, 'no tab took the connection over');
  return at;
}

/** Waits until every page shows the tally `expected` (the server's). */
async function converge(pages: readonly Page[], expected: Tally): Promise<void> {
  for (const page of pages) {
    await until(
      page,
      ({ expected, type, instance }) => {
        const connection = (window as unknown as { nasc: Nasc }).nasc.getPageConnection();
        return JSON.stringify(connection.snapshot(type, instance)) === JSON.stringify(expected);
      },
      { expected, ...TALLY },
      `the tab shows the tally ${JSON.stringify(expected).slice(0, 120)}…`,
    );
  }
}

for (const transport of ['sse', 'ws'] as const) {
  test(`over ${transport.toUpperCase()}: the holder closes, then another holder's renderer is killed; 5 tabs' events are each applied once`, { timeout: 180_000 }, async (t) => {
    const server: TallyPageServer = await startTallyPageServer();
    t.after(() => server.close());
    const context = await browser.newContext();
    t.after(() => context.close());
    const url = `${server.url}?transport=${transport}`;
    // Two tabs that hold the connection in turn (the first opened holds it; the next in line for the lock
    // is the next opened), then five that send.
    const first = await openTab(context, url);
    const second = await openTab(context, url);
    const senders: Page[] = [];
    for (let i = 0; i < 5; i++) senders.push(await openTab(context, url));
    assert.equal(await holds(first), true, 'the first tab holds the connection');
    for (const page of [second, ...senders]) assert.equal(await holds(page), false, 'the others share it');

    // 1. The holder closes while every sender has events on the way.
    await send(senders, 0, 20);
    const closedAt = Date.now();
    await first.close();
    const closeFailoverMs = (await takenOverAt([second, ...senders], closedAt)) - closedAt;
    assert.equal(await holds(second), true, 'the tab next in line holds it');
    await server.nasc.engine.dispatch({ event: 'record', type: TALLY.type, instance: TALLY.instance, payload: { client: 'server', seq: 0 } });
    await Promise.all(senders.map((page) => page.evaluate(() => Promise.all((window as unknown as { tab: TabRecord }).tab.pending))));

    // 2. 200 events from the five tabs at once, and the new holder's renderer is killed in the middle.
    await send(senders, 20, 20);
    const cdp = await context.newCDPSession(second);
    const killedAt = Date.now();
    void cdp.send('Page.crash').catch(() => {});
    await send(senders, 40, 20);
    const killFailoverMs = (await takenOverAt(senders, killedAt)) - killedAt;
    await server.nasc.engine.dispatch({ event: 'record', type: TALLY.type, instance: TALLY.instance, payload: { client: 'server', seq: 1 } });
    const outcomes = await Promise.all(
      senders.map((page) => page.evaluate(async () => (await Promise.all((window as unknown as { tab: TabRecord }).tab.pending)).map((result) => result.ok))),
    );
    for (const results of outcomes) assert.deepEqual(results, Array(60).fill(true), 'every event acknowledged');

    // Applied exactly once each, in each tab's order, and every tab shows what the server holds.
    const tally = await server.tally();
    const all = Array.from({ length: 60 }, (_, seq) => seq);
    for (let client = 0; client < 5; client++) assert.deepEqual(tally[`c_${client}`], all, `tab ${client}'s events, once each, in order`);
    assert.deepEqual(tally.c_server, [0, 1], 'the server’s own changes too');
    await converge(senders, tally);
    let resent = 0;
    for (const page of senders) {
      const sends = await page.evaluate(() => Object.values((window as unknown as { tab: TabRecord }).tab.sends));
      assert.equal(sends.length, 60);
      assert.ok(Math.max(...sends) <= 2, `an event went out ${Math.max(...sends)} times: unanswered ones are re-sent once`);
      resent += sends.filter((count) => count === 2).length;
    }

    t.diagnostic(`${transport}: taken over ${closeFailoverMs} ms after the holder closed, ${killFailoverMs} ms after its renderer was killed; ${resent} of 300 events re-sent`);
    assert.ok(closeFailoverMs < 1_000, `taken over within a second of the close (${closeFailoverMs} ms)`);
    assert.ok(killFailoverMs < 1_000, `taken over within a second of the kill (${killFailoverMs} ms)`);
  });
}

for (const transport of ['sse', 'ws'] as const) {
  test(`over ${transport.toUpperCase()}: a holder that goes to the background hands the connection to a visible tab`, { timeout: 120_000 }, async (t) => {
    const server = await startTallyPageServer();
    t.after(() => server.close());
    const context = await browser.newContext();
    t.after(() => context.close());
    const url = `${server.url}?transport=${transport}`;
    const [background, visible] = [await openTab(context, url), await openTab(context, url)] as const;
    assert.equal(await holds(background), true);
    // Headless tabs are all visible: this one is told it is hidden, as a tab switched away from is.
    const hiddenAt = await background.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
      return Date.now();
    });
    const handOverMs = (await takenOverAt([visible], hiddenAt)) - hiddenAt;
    t.diagnostic(`${transport}: the visible tab held the connection ${handOverMs} ms after the holder went to the background`);
    assert.ok(handOverMs < 1_000, `within a second (${handOverMs} ms)`);
    assert.equal(await holds(background), false, 'the hidden tab uses the visible one’s connection now');
    await send([background], 0, 3);
    await background.evaluate(() => Promise.all((window as unknown as { tab: TabRecord }).tab.pending));
    assert.deepEqual((await server.tally()).c_0, [0, 1, 2]);
    await converge([visible, background], await server.tally());

    // And back: the tab that held it first holds it again, and the other, which it held for before, follows.
    const backAt = Date.now();
    await visible.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await background.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await takenOverAt([background], backAt);
    assert.equal(await holds(visible), false);
    await send([background, visible], 3, 3);
    await Promise.all([background, visible].map((page) => page.evaluate(() => Promise.all((window as unknown as { tab: TabRecord }).tab.pending))));
    const tally = await server.tally();
    assert.deepEqual([tally.c_0, tally.c_1], [[0, 1, 2, 3, 4, 5], [3, 4, 5]]);
    await converge([visible, background], tally);
  });
}

for (const transport of ['sse', 'ws'] as const) {
  test(`over ${transport.toUpperCase()}: the holder reloads with events on the way; another tab takes over within a second, and every tab's events are applied once`, { timeout: 120_000 }, async (t) => {
    const server = await startTallyPageServer();
    t.after(() => server.close());
    const context = await browser.newContext();
    t.after(() => context.close());
    const url = `${server.url}?transport=${transport}`;
    const holder = await openTab(context, url);
    const others = [await openTab(context, url), await openTab(context, url)];
    assert.equal(await holds(holder), true);
    // The holder's events wait in its outbox, which a reload keeps (sessionStorage) and sends again.
    await send([holder, ...others], 0, 20);
    const reloadedAt = Date.now();
    const reloading = holder.reload();
    const failoverMs = (await takenOverAt(others, reloadedAt)) - reloadedAt;
    await reloading;
    await record(holder);
    assert.equal(await holds(holder), false, 'back from its reload, the tab shares the connection another tab holds now');
    const outcomes = await Promise.all(others.map((page) => page.evaluate(async () => (await Promise.all((window as unknown as { tab: TabRecord }).tab.pending)).map((result) => result.ok))));
    for (const results of outcomes) assert.deepEqual(results, Array(20).fill(true), 'every event acknowledged');
    await until(
      others[0]!,
      ({ type, instance }) => ((window as unknown as { nasc: Nasc }).nasc.getPageConnection().snapshot(type, instance).c_0 as unknown[] | undefined)?.length === 20,
      TALLY,
      "the reloaded tab's events are all applied",
    );
    const tally = await server.tally();
    const all = Array.from({ length: 20 }, (_, seq) => seq);
    for (let client = 0; client < 3; client++) assert.deepEqual(tally[`c_${client}`], all, `tab ${client}'s events, once each, in order`);
    await converge([holder, ...others], tally);
    t.diagnostic(`${transport}: taken over ${failoverMs} ms after the holder started reloading`);
    assert.ok(failoverMs < 1_000, `within a second (${failoverMs} ms)`);
  });
}
