/**
 * The tabs sharing a browser's connection mount what they show each for itself, and the holder counts them:
 * the server keeps delivering an instance while any tab shows it, and is told to stop only when the last one
 * stops showing it, by leaving it or by going away (a closed tab says nothing: the holder learns it from the
 * tab's lock).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, until, WAIT_MS } from './support/browser.js';
import { startTallyPageServer, TALLY, type TallyPageServer } from './support/tally-page-server.js';

type Nasc = typeof import('../../elements/index.js');

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Unmounts the server applied, of any stream. */
function unmounts(server: TallyPageServer): number {
  return server.nasc.metrics!.value('nasc_events_total', { outcome: 'unmounted' });
}

/** Waits until the page's connection is live and counts the unmounts it sends. */
async function watch(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const nasc = (await import('/nasc/nasc.js' as string)) as Nasc;
    const connection = nasc.getPageConnection();
    const sent = { unmounts: 0 };
    Object.assign(window, { nasc, sent });
    connection.addEventListener('nasc-send', ({ event }) => {
      if (event.event === 'unmount') sent.unmounts += 1;
    });
  });
  await until(page, () => (window as unknown as { nasc: Nasc }).nasc.getPageConnection().state === 'live', null, 'the tab is live');
}

/** The tab stops showing the tally, and waits until its unmount went out (a second later: a moved element stays). */
async function leave(page: Page): Promise<void> {
  await page.evaluate(() => document.querySelector('na-scope')!.remove());
  await until(page, () => (window as unknown as { sent: { unmounts: number } }).sent.unmounts === 1, null, 'the tab sent its unmount');
}

/** A change made on the server reaches every page in `pages`. */
async function reaches(server: TallyPageServer, pages: readonly Page[], seq: number): Promise<void> {
  await server.nasc.engine.dispatch({ event: 'record', type: TALLY.type, instance: TALLY.instance, payload: { client: 'server', seq } });
  for (const page of pages) {
    await until(
      page,
      ({ type, instance, seq }) => ((window as unknown as { nasc: Nasc }).nasc.getPageConnection().value(type, instance, 'c_server') as number[] | undefined)?.includes(seq),
      { ...TALLY, seq },
      `the tab shows the server's change ${seq}`,
    );
  }
}

for (const transport of ['sse', 'ws'] as const) {
  test(`over ${transport.toUpperCase()}: an instance stays on the shared stream while any tab shows it, and is unmounted when the last leaves`, { timeout: 120_000 }, async (t) => {
    const server = await startTallyPageServer();
    t.after(() => server.close());
    const context = await browser.newContext();
    t.after(() => context.close());
    const tabs: Page[] = [];
    for (let i = 0; i < 3; i++) {
      const page = await context.newPage();
      page.setDefaultTimeout(WAIT_MS);
      await page.goto(`${server.url}?transport=${transport}`);
      await watch(page);
      tabs.push(page);
    }
    const [holder, first, second] = tabs as [Page, Page, Page];
    const holds = await holder.evaluate(() => !(window as unknown as { nasc: Nasc }).nasc.getPageConnection().shared);
    assert.equal(holds, true, 'the first tab holds the connection');

    // A following tab leaves: the others still show the instance, so the server is not told.
    await leave(first);
    await reaches(server, [holder, second], 1);
    // The holding tab leaves too: the last following tab still shows it.
    await leave(holder);
    await reaches(server, [second], 2);
    assert.equal(unmounts(server), 0, 'no unmount reached the server while a tab showed the instance');

    // The last tab showing it closes without a word: the holder learns it from the tab's lock, and unmounts.
    await second.close();
    const deadline = Date.now() + WAIT_MS;
    while (unmounts(server) === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(unmounts(server), 1, 'unmounted once, when no tab showed it any more');
    assert.equal(server.nasc.engine.connectionCount, 1, 'the stream itself stays, for the tabs left');
  });
}
