/**
 * The demo in many tabs of one browser, on the HTTP/1.1 server `npm start` runs: the tabs share one
 * connection (the server's presence count, which counts streams, says one per browser), so ten tabs over SSE
 * all load and go live (a connection each would leave the seventh waiting for one of the six per host).
 * Two browsers (contexts) never share; the page's opt-out and a browser without the APIs fall back to a
 * connection per tab.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { parseScrape } from '../support/prometheus-scrape.js';
import { launchBrowser, openDemo, until, waitForBadge, WAIT_MS } from './support/browser.js';
import { addTodo, waitForText } from './support/demo-page.js';
import { DemoServer } from './support/demo-server.js';

const TEST_TIMEOUT = 180_000;
const PRESENCE = 'na-scope[type="Presence"] na-bind[prop="online"]';

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Opens `count` tabs of `url` in `context`, one after another, each until its badge says live. */
async function openTabs(context: BrowserContext, url: string, count: number): Promise<Page[]> {
  const pages: Page[] = [];
  for (let i = 0; i < count; i++) {
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    await page.goto(url);
    await waitForBadge(page, 'live');
    pages.push(page);
  }
  return pages;
}

/** The server's own count of its streams (`/nasc/metrics`): open now, and opened since it started. */
async function streams(server: DemoServer, transport: 'sse' | 'ws'): Promise<{ open: number; opened: number }> {
  const scrape = parseScrape(await (await fetch(`${server.origin}/nasc/metrics`)).text());
  return { open: scrape.value('nasc_streams_open', { transport }), opened: scrape.value('nasc_streams_opened_total', { transport }) };
}

/** Whether each tab uses another tab's connection, as its badge says. */
function sharedFlags(pages: readonly Page[]): Promise<string[]> {
  return Promise.all(pages.map((page) => page.locator('#connection-badge').getAttribute('data-shared').then(String)));
}

/** Adds a todo in `from` and resolves with how long until every page showed it (from the page clocks). */
async function spread(from: Page, pages: readonly Page[], title: string): Promise<number> {
  const watching = pages.map((page) =>
    page.evaluate(
      (title) =>
        new Promise<number>((resolve) => {
          const shown = (): boolean => [...document.querySelectorAll('.todo-title')].some((element) => element.textContent === title);
          if (shown()) return resolve(Date.now());
          const observer = new MutationObserver(() => {
            if (!shown()) return;
            observer.disconnect();
            resolve(Date.now());
          });
          observer.observe(document.body, { subtree: true, childList: true, characterData: true });
        }),
      title,
    ),
  );
  // Watching in every page before the change is made.
  await Promise.all(pages.map((page) => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)))));
  const sentAt = await from.evaluate(() => Date.now());
  await addTodo(from, title);
  return Math.max(...(await Promise.all(watching))) - sentAt;
}

for (const transport of ['sse', 'ws'] as const) {
  test(`10 tabs over ${transport.toUpperCase()} on HTTP/1.1 share one stream, and a change in another browser shows in all within a second`, { timeout: TEST_TIMEOUT }, async (t) => {
    const server = await DemoServer.start({ memory: true });
    t.after(() => server.dispose());
    const context = await browser.newContext();
    t.after(() => context.close());
    const tabs = await openTabs(context, server.url(transport), 10);
    const flags = await sharedFlags(tabs);
    assert.equal(flags.filter((flag) => flag === 'false').length, 1, `one tab holds the connection, nine share it: ${flags}`);
    assert.match(await tabs[1]!.locator('#connection-badge').innerText(), /shared/);
    // The server saw one stream from the ten tabs, ever: none of them opened its own, even for a moment.
    assert.deepEqual(await streams(server, transport), { open: 1, opened: 1 }, 'one stream for the browser');

    const other = await openDemo(browser, server.url(transport));
    t.after(() => other.context.close());
    // One for the ten tabs, one for the other browser: the server's count, and the demo's (which shows it).
    for (const page of [...tabs, other.page]) await waitForText(page, PRESENCE, '2');
    assert.deepEqual(await streams(server, transport), { open: 2, opened: 2 });

    const ms = await spread(other.page, tabs, 'From the other browser');
    t.diagnostic(`${transport}: a change in another browser showed in all 10 tabs after ${ms} ms`);
    assert.ok(ms < 1_000, `shown in all 10 tabs within a second (took ${ms} ms)`);
    // And the other way round, from a tab that shares the connection.
    await addTodo(tabs[7]!, 'From tab 8');
    await until(other.page, () => [...document.querySelectorAll('.todo-title')].some((title) => title.textContent === 'From tab 8'), null, 'the other browser shows it');
    assert.deepEqual(other.problems, []);
  });
}

test('two browsers (contexts) never share: each has its own connection and sees only its own session', { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await DemoServer.start({ memory: true });
  t.after(() => server.dispose());
  const contexts = [await browser.newContext(), await browser.newContext()];
  t.after(() => Promise.all(contexts.map((context) => context.close())));
  const [a, b] = await Promise.all(contexts.map((context) => openTabs(context, server.url(), 2)));
  for (const pages of [a!, b!]) assert.deepEqual((await sharedFlags(pages)).sort(), ['false', 'true'], 'one holder per browser');
  for (const page of [...a!, ...b!]) await waitForText(page, PRESENCE, '2');
  assert.equal((await streams(server, 'sse')).open, 2, 'a stream per browser');
  // Profiles are per session: A's name reaches A's other tab only.
  await a![1]!.getByLabel('Name').fill('Browser A');
  await a![1]!.getByRole('button', { name: 'Save profile' }).click();
  await waitForText(a![0]!, '#profile-title', 'Hello, Browser A');
  for (const page of b!) assert.equal((await page.locator('#profile-title').innerText()).trim(), 'Hello, Ada Lovelace');
});

for (const transport of ['sse', 'ws'] as const) {
  test(`over ${transport.toUpperCase()}: <na-connection share="off"> and a browser without BroadcastChannel and Web Locks keep a connection per tab`, { timeout: TEST_TIMEOUT }, async (t) => {
    const server = await DemoServer.start({ memory: true });
    t.after(() => server.dispose());
    const optedOut = await browser.newContext();
    // The page as if its author had written `<na-connection share="off">` first in its body. (Not by
    // rewriting the response: Chromium then treats the page as public and blocks its WebSocket to 127.0.0.1.)
    await optedOut.addInitScript(() => {
      const observer = new MutationObserver(() => {
        if (!document.body) return;
        observer.disconnect();
        const settings = document.createElement('na-connection');
        settings.setAttribute('share', 'off');
        document.body.prepend(settings);
      });
      observer.observe(document, { childList: true, subtree: true });
    });
    const bare = await browser.newContext();
    await bare.addInitScript(() => {
      delete (window as { BroadcastChannel?: unknown }).BroadcastChannel;
      Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined });
    });
    t.after(() => Promise.all([optedOut.close(), bare.close()]));
    const tabs = [...(await openTabs(optedOut, server.url(transport), 2)), ...(await openTabs(bare, server.url(transport), 2))];
    assert.deepEqual(await sharedFlags(tabs), ['false', 'false', 'false', 'false'], 'no tab shares');
    for (const page of tabs) assert.equal(await page.locator('#connection-badge').getAttribute('data-transport'), transport);
    for (const page of tabs) await waitForText(page, PRESENCE, '4');
    assert.equal((await streams(server, transport)).open, 4, 'a stream per tab');
    await spread(tabs[3]!, tabs, 'Per tab');
  });
}
