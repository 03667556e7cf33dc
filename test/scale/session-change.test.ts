/**
 * A tab's session cookie changes under its open SSE stream (tabs opened at once each get a session, and the
 * browser keeps the last one), behind a load balancer without stickiness: the stream is bound to the old
 * session on process A, and the events, posted with the new cookie, land on process B. B has never seen the
 * client id, so it applies them (202) and addresses their acks to the new session, which no stream has. The
 * page connection must notice the missing ack, reopen its stream (now under the new cookie) and have the
 * event answered, exactly once. Real processes on Redis, real Chromium.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { Cluster, type NodeProcess } from './support/cluster.js';
import { PathRouter } from './support/path-router.js';
import { redisOrSkip } from './support/redis-env.js';

describe('a session cookie that changes under an open stream', () => {
  let cluster: Cluster | undefined;
  let router: PathRouter | undefined;
  let browser: Browser | undefined;

  after(async () => {
    await browser?.close();
    await router?.close();
    await cluster?.close();
  });

  test('events posted to another process under the new cookie are acknowledged once the stream is reopened', { timeout: 120_000 }, async (t) => {
    if (!(await redisOrSkip(t))) return;
    cluster = new Cluster('session-change');
    const [a, b] = (await cluster.start(2)) as [NodeProcess, NodeProcess];
    router = await PathRouter.start((method, path) => (method === 'POST' && path.startsWith('/nasc/event') ? b.port : a.port));
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${router.url}/`);
    const instance = `session-change-${Date.now()}`;

    await page.evaluate(async (instance) => {
      const nasc = (await import('/nasc/nasc.dev.js' as string)) as typeof import('../../elements/index.js');
      const connection = new nasc.PageConnection({ transport: 'sse', clientId: crypto.randomUUID() });
      const reasons: string[] = [];
      connection.addEventListener('nasc-disconnected', (event) => reasons.push(event.reason));
      const counts: number[] = [];
      connection.subscribe('Counter', instance, {}, (change) => {
        if (change.kind === 'prop' && change.prop === 'count' && typeof change.value === 'number') counts.push(change.value);
      });
      await new Promise<void>((resolve) => connection.addEventListener('nasc-connected', () => resolve(), { once: true }));
      // Mounted: the count arrived.
      await new Promise<void>((resolve) => {
        const check = (): void => (counts.length > 0 ? resolve() : void setTimeout(check, 20));
        check();
      });
      Object.assign(window, { scaleRun: { connection, reasons, counts } });
    }, instance);

    // The browser drops its cookie and is given a new session by another request, as when a second tab's
    // stream opened at the same time answers last. The open stream stays bound to the first session.
    await context.clearCookies();
    await page.evaluate(async () => {
      const minting = new AbortController();
      const response = await fetch(`/nasc/events?clientId=${crypto.randomUUID()}`, { signal: minting.signal });
      minting.abort();
      if (!response.ok) throw new Error(`the minting request answered ${response.status}`);
    });
    assert.equal((await context.cookies()).length, 1, 'a new session cookie');

    const outcome = await page.evaluate(async (instance) => {
      const { connection, reasons, counts } = (window as unknown as { scaleRun: { connection: import('../../elements/index.js').PageConnection; reasons: string[]; counts: number[] } }).scaleRun;
      const sending = (async () => {
        const results = [];
        for (let i = 0; i < 2; i++) results.push(await connection.send('Counter', instance, 'inc', {}));
        return results;
      })();
      // Without a reopened stream the acks never come: fail with what happened, not on the test's timeout.
      const stalled = new Promise<'stalled'>((resolve) => setTimeout(() => resolve('stalled'), 45_000));
      const results = await Promise.race([sending, stalled]);
      return { results, reasons, counts, state: connection.snapshot('Counter', instance) };
    }, instance);

    assert.notEqual(outcome.results, 'stalled', `no acks within 45 s; disconnects: ${JSON.stringify(outcome.reasons)}, counts seen: ${JSON.stringify(outcome.counts)}`);
    assert.deepEqual(
      outcome.results === 'stalled' ? [] : outcome.results.map((result) => result.ok),
      [true, true],
      `both events acknowledged: ${JSON.stringify(outcome.results)}`,
    );
    assert.ok(outcome.reasons.includes('no ack for an accepted event'), `the stream was reopened: ${JSON.stringify(outcome.reasons)}`);
    const stored = (await (await fetch(`${a.baseUrl}/control/state?type=Counter&instance=${instance}`)).json()) as { record: { state: { count?: number } } | null };
    assert.equal(stored.record?.state.count, 2, 'each event applied once');
    assert.equal(outcome.state.count, 2, 'and the page shows it');
  });
});
