/**
 * Losing a process: three processes on one Redis behind a round-robin TCP load balancer (no stickiness),
 * real PageConnections in Chromium over SSE and WebSocket, each sending numbered events. Mid-run the process
 * holding the most streams is killed with SIGKILL. Its clients reconnect through the balancer to another
 * process and resume; events that were in flight are sent again. Every event must be applied exactly once,
 * in each client's order, and every client must end up showing exactly the stored state.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { Cluster, type NodeProcess } from './support/cluster.js';
import { redisOrSkip } from './support/redis-env.js';
import { TcpBalancer } from './support/tcp-balancer.js';

const CLIENTS_PER_TRANSPORT = 2;
const RUN_MS = 5_000;
/** When the kill happens, into the run. */
const KILL_AFTER_MS = 1_800;
const WAIT_MS = 30_000;

interface ClientRun {
  sent: number;
  failed: number;
  transport: string;
}

interface Timeline {
  /** performance.now() of each client's disconnects and (re)connects, in the page. */
  disconnects: number[][];
  connects: number[][];
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Settles like `promise`, or fails after `ms` with `what` and whatever `explain` can tell about the stall. */
async function within<T>(promise: Promise<T>, ms: number, what: string, explain: () => Promise<string>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<'stalled'>((resolve) => {
    timer = setTimeout(() => resolve('stalled'), ms);
  });
  try {
    const winner = await Promise.race([promise, stalled]);
    if (winner === 'stalled') throw new Error(`timed out after ${ms} ms waiting for ${what}\n${await explain().catch((error: unknown) => String(error))}`);
    return winner as T;
  } finally {
    clearTimeout(timer);
  }
}

async function streamsOn(node: NodeProcess): Promise<number> {
  const response = await fetch(`${node.baseUrl}/control/streams`, { signal: AbortSignal.timeout(10_000) });
  return ((await response.json()) as { streams: number }).streams;
}

describe('a process killed during a load run', () => {
  let cluster: Cluster | undefined;
  let balancer: TcpBalancer | undefined;
  let browser: Browser | undefined;

  after(async () => {
    await browser?.close();
    await balancer?.close();
    await cluster?.close();
  });

  test('kill -9 one of three processes: nothing lost, duplicated or stale; its clients are live again elsewhere', { timeout: 120_000 }, async (t) => {
    if (!(await redisOrSkip(t))) return;
    cluster = new Cluster('kill');
    const nodes = await cluster.start(3);
    balancer = await TcpBalancer.start(nodes.map((node) => node.port));
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${balancer.url}/`);
    const instance = `kill-${Date.now()}`;

    await page.evaluate(
      async ({ instance, perTransport, runMs }) => {
        const nasc = (await import('/nasc/nasc.dev.js' as string)) as typeof import('../../elements/index.js');
        const runs: Promise<{ sent: number; failed: number; transport: string }>[] = [];
        const views: Record<string, unknown>[] = [];
        const disconnects: number[][] = [];
        const connects: number[][] = [];
        const transports = [...Array.from({ length: perTransport }, () => 'sse' as const), ...Array.from({ length: perTransport }, () => 'ws' as const)];
        const live: Promise<void>[] = [];
        const unsettled: Set<number>[] = [];
        const connections: InstanceType<typeof nasc.PageConnection>[] = [];
        transports.forEach((transport, i) => {
          const connection = new nasc.PageConnection({ transport, clientId: crypto.randomUUID() });
          connections.push(connection);
          const view: Record<string, unknown> = {};
          views.push(view);
          unsettled.push(new Set());
          disconnects.push([]);
          connects.push([]);
          connection.addEventListener('nasc-disconnected', () => disconnects[i]!.push(performance.now()));
          live.push(new Promise((resolve) => connection.addEventListener('nasc-connected', () => resolve(), { once: true })));
          connection.addEventListener('nasc-connected', () => connects[i]!.push(performance.now()));
          connection.subscribe('Tally', instance, {}, (change) => {
            if (change.kind !== 'prop') return;
            if (change.value === null) delete view[change.prop];
            else view[change.prop] = change.value;
          });
          runs.push(
            (async () => {
              await live[i];
              const pending: Promise<{ ok: boolean }>[] = [];
              let seq = 0;
              const stopAt = performance.now() + runMs;
              while (performance.now() < stopAt) {
                seq += 1;
                const sent = seq;
                unsettled[i]!.add(sent);
                pending.push(
                  connection.send('Tally', instance, 'record', { client: String(i), seq }).then((result) => {
                    unsettled[i]!.delete(sent);
                    return result;
                  }),
                );
                await new Promise((resolve) => setTimeout(resolve, 15 + Math.random() * 30));
              }
              const results = await Promise.all(pending);
              return { sent: seq, failed: results.filter((result) => !result.ok).length, transport };
            })(),
          );
        });
        await Promise.all(live);
        // What each client still waits for, for a failure message if the run stalls.
        const explain = () =>
          connections
            .map((connection, i) => `client ${i} (${transports[i]}): ${connection.state} on ${connection.transport}, attempt ${connection.attempt}; ` +
              `unsettled ${unsettled[i]!.size ? [...unsettled[i]!].slice(0, 20).join(',') : 'none'}; ${disconnects[i]!.length} disconnects, ${connects[i]!.length} connects`)
            .join('\n');
        (window as unknown as { scaleRun: unknown }).scaleRun = { done: Promise.all(runs), views, timeline: { disconnects, connects }, explain };
      },
      { instance, perTransport: CLIENTS_PER_TRANSPORT, runMs: RUN_MS },
    );

    // Mid-run, kill the process that holds the most streams (it holds at least one).
    await new Promise((resolve) => setTimeout(resolve, KILL_AFTER_MS));
    const counts = await within(Promise.all(nodes.map(streamsOn)), 15_000, 'the stream counts', async () => nodes.map((node) => `${node.name}: running ${node.running}\n${node.log.slice(-2_000)}`).join('\n'));
    const victimIndex = counts.indexOf(Math.max(...counts));
    const victim = nodes[victimIndex]!;
    assert.ok(counts[victimIndex]! > 0, `some process holds a stream (${counts.join(', ')})`);
    const killedAt = (await page.evaluate(() => performance.now())) as number;
    await within(victim.stop('SIGKILL'), 10_000, `${victim.name} to exit`, async () => '');

    const explainStall = async (): Promise<string> => {
      const clients = (await page.evaluate(() => (window as unknown as { scaleRun: { explain: () => string } }).scaleRun.explain())) as string;
      const streams = await Promise.all(nodes.filter((node) => node.running).map(async (node) => `${node.name}: ${await streamsOn(node).catch(String)} streams`));
      const logs = nodes.map((node) => `--- ${node.name} log tail ---\n${node.log.slice(-2_000)}`);
      return [clients, streams.join(', '), ...logs].join('\n');
    };
    const runs = (await within(
      page.evaluate(() => (window as unknown as { scaleRun: { done: Promise<unknown> } }).scaleRun.done),
      RUN_MS + WAIT_MS,
      'every event to be acknowledged',
      explainStall,
    )) as ClientRun[];
    const survivor = nodes.find((node) => node !== victim)!;
    const stored = await until(
      async () => {
        const response = await fetch(`${survivor.baseUrl}/control/state?type=Tally&instance=${instance}`);
        const body = (await response.json()) as { record: { state: Record<string, number[]>; rev: number } | null };
        return body.record ?? undefined;
      },
      WAIT_MS,
      'the stored state',
    );

    let sent = 0;
    runs.forEach((run, client) => {
      sent += run.sent;
      assert.equal(run.failed, 0, `client ${client} (${run.transport}): ${run.failed} events failed`);
      const applied = stored.state[`c_${client}`] ?? [];
      assert.deepEqual(applied, Array.from({ length: run.sent }, (_, k) => k + 1), `client ${client} (${run.transport}): every event applied once, in order`);
    });
    assert.equal(stored.rev, sent + 1, 'one revision per event, after the mount');

    // Every client, including those that were on the killed process, shows exactly the stored state.
    const expected = JSON.stringify(sortKeys(stored.state));
    await until(
      async () => {
        const views = (await page.evaluate(() => (window as unknown as { scaleRun: { views: Record<string, unknown>[] } }).scaleRun.views)) as Record<string, unknown>[];
        return views.every((view) => JSON.stringify(sortKeys(view)) === expected) ? true : undefined;
      },
      WAIT_MS,
      'every client to show the stored state',
    );

    // The victim's clients were disconnected by the kill and were live again on another process.
    const timeline = (await page.evaluate(() => (window as unknown as { scaleRun: { timeline: Timeline } }).scaleRun.timeline)) as Timeline;
    const recoveries: number[] = [];
    timeline.disconnects.forEach((times, client) => {
      const cut = times.find((time) => time >= killedAt);
      if (cut === undefined) return;
      const back = timeline.connects[client]!.find((time) => time > cut);
      assert.ok(back !== undefined, `client ${client} reconnected after the kill`);
      recoveries.push(back - killedAt);
    });
    assert.ok(recoveries.length > 0, 'at least one client was on the killed process');
    assert.deepEqual(pageErrors, [], 'no page errors');
    t.diagnostic(
      `killed ${victim.name} holding ${counts[victimIndex]} of ${counts.reduce((x, y) => x + y, 0)} streams; ` +
        `${runs.length} clients sent ${sent} events, all applied once; final rev ${stored.rev}; ` +
        `clients of the killed process live again after ${recoveries.map((ms) => `${Math.round(ms)} ms`).join(', ')} (browser backoff included)`,
    );
    await page.close();
  });
});

function sortKeys(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)));
}
