/**
 * Losing Redis for a moment: two processes on a private redis-server that is killed and started again.
 * While it is down, events fail with a clear, retryable error (POST: 503 `backend_unavailable`; WebSocket:
 * an `error` patch with that code, then the socket closes so the client reconnects and sends again), and
 * `/nasc/ready` says not ready. Once it is back, the same events succeed, once each, and streams resume from
 * the revisions they hold with nothing missing.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { postEvent } from '../support/post-event.js';
import { parseScrape } from '../support/prometheus-scrape.js';
import { acks, bindUpdatesOf, errorsOf, findAck, isSnapshotOf, snapshotMarkerOf, type ServerMessage } from '../support/server-message.js';
import { SseClient } from '../support/sse-client.js';
import { WsClient } from '../support/ws-client.js';
import { Cluster, clusterCookie, type NodeProcess } from './support/cluster.js';
import { RedisServerProcess, redisServerOrSkip } from './support/redis-server-process.js';

const WAIT_MS = 20_000;

function countOf(message: ServerMessage): number | undefined {
  const update = bindUpdatesOf(message).find((patch) => patch.prop === 'count');
  return typeof update?.value === 'number' ? update.value : undefined;
}

async function readiness(node: NodeProcess): Promise<number> {
  const response = await fetch(`${node.baseUrl}/nasc/ready`);
  await response.body?.cancel();
  return response.status;
}

async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('Redis down for a moment', () => {
  let redis: RedisServerProcess | undefined;
  let cluster: Cluster | undefined;
  const clients: { close(): Promise<unknown> }[] = [];

  after(async () => {
    for (const client of clients.reverse()) await client.close().catch(() => undefined);
    await cluster?.close();
    await redis?.close();
  });

  test('events fail with backend_unavailable while Redis is down, and succeed once each when it is back', { timeout: 90_000 }, async (t) => {
    if (!redisServerOrSkip(t)) return;
    redis = await RedisServerProcess.start();
    cluster = new Cluster('outage', { redisUrl: redis.url });
    const [a, b] = await cluster.start(2);
    const cookie = await clusterCookie(a!);
    const event = (eventId: string): Record<string, unknown> => ({ clientId: 'watcher', event: 'inc', type: 'Counter', instance: 'outage', payload: {}, eventId });

    const stream = await SseClient.connect(`${a!.baseUrl}/nasc/events?clientId=watcher`, { cookie });
    clients.push(stream);
    await stream.messages.next(undefined, WAIT_MS, 'the opening []');
    assert.equal((await postEvent(b!.baseUrl, { clientId: 'watcher', event: 'mount', type: 'Counter', instance: 'outage', payload: {} }, { cookie })).status, 202);
    await stream.messages.next(isSnapshotOf('Counter', 'outage'), WAIT_MS, 'the snapshot');
    assert.equal((await postEvent(b!.baseUrl, event('before'), { cookie })).status, 202);
    const before = await stream.messages.next(acks('before'), WAIT_MS, 'the ack of the first event');
    const held = findAck(before, 'before')?.rev;
    assert.equal(held, 2, 'the watcher holds revision 2');
    const socket = await WsClient.connect(`${b!.wsBaseUrl}/nasc/ws?clientId=ws-client`, { cookie });
    clients.push(socket);
    await socket.messages.next(undefined, WAIT_MS, 'the opening []');

    await redis.stop('SIGKILL');

    // POST: a 503 with a JSON body the client understands, and a Retry-After.
    const refused = await postEvent(b!.baseUrl, event('during'), { cookie });
    assert.equal(refused.status, 503);
    assert.equal(refused.body.code, 'backend_unavailable');
    assert.equal(typeof refused.body.error, 'string');
    // WebSocket: an error patch with the same code that tells the client to send the event again later, then a close.
    await socket.send(JSON.stringify({ event: 'inc', type: 'Counter', instance: 'outage', payload: {}, eventId: 'ws-during' }));
    const failure = await socket.messages.next((m) => errorsOf(m).length > 0, WAIT_MS, 'the error patch');
    const [patch] = errorsOf(failure);
    assert.equal(patch?.code, 'backend_unavailable');
    assert.equal(patch?.eventId, 'ws-during');
    assert.equal(patch?.retryAfterMs, 1_000);
    const closed = await socket.closed;
    assert.equal(closed.code, 1013, 'closed with "try again later"');
    for (const node of [a!, b!]) assert.equal(await readiness(node), 503, `process ${node.name} reports not ready`);
    // What an operator's alert sees: both events answered 503, counted as store failures, and Redis's own errors.
    const scraped = parseScrape(await (await fetch(`${b!.baseUrl}/nasc/metrics`)).text());
    assert.equal(scraped.value('nasc_events_total', { transport: 'sse', outcome: 'error', code: 'backend_unavailable' }), 1);
    assert.equal(scraped.value('nasc_events_total', { transport: 'ws', outcome: 'error', code: 'backend_unavailable' }), 1);
    assert.equal(scraped.value('nasc_backend_errors_total', { source: 'store', kind: 'backend_unavailable' }), 2);
    assert.ok(scraped.value('nasc_backend_errors_total', { source: 'redis' }) >= 2, 'the failed commands are counted as Redis errors');

    await redis.restart();
    await until(async () => (await readiness(a!)) === 200 && (await readiness(b!)) === 200, WAIT_MS, 'both processes ready again');

    // The bus was down, so messages may have been missed: the streams are closed, and clients resume.
    await stream.finished;
    assert.ok(stream.raw.includes('mount again'), 'the stream was closed for a resume');

    // The client sends the refused events again (same ids): each is applied once.
    assert.equal((await postEvent(b!.baseUrl, event('during'), { cookie })).status, 202);
    const again = await WsClient.connect(`${b!.wsBaseUrl}/nasc/ws?clientId=ws-client`, { cookie });
    clients.push(again);
    await again.send(JSON.stringify({ event: 'inc', type: 'Counter', instance: 'outage', payload: {}, eventId: 'ws-during' }));
    await again.messages.next(acks('ws-during'), WAIT_MS, 'the ack of the resent WebSocket event');
    assert.equal((await postEvent(a!.baseUrl, event('during'), { cookie })).status, 202, 'a second retry is answered, not applied');

    // The watcher reopens on the other process, mounts with the revision it holds, and gets exactly what it missed.
    const resumed = await SseClient.connect(`${b!.baseUrl}/nasc/events?clientId=watcher`, { cookie });
    clients.push(resumed);
    await resumed.messages.next(undefined, WAIT_MS, 'the opening []');
    const remount = { clientId: 'watcher', event: 'mount', type: 'Counter', instance: 'outage', payload: {}, rev: held };
    assert.equal((await postEvent(b!.baseUrl, remount, { cookie })).status, 202);
    const counts: number[] = [];
    while (counts.at(-1) !== 3) {
      const message = await resumed.messages.next((m) => countOf(m) !== undefined, WAIT_MS, `count 3 after the resume (got ${counts.join(', ')})`);
      counts.push(countOf(message)!);
    }
    assert.deepEqual(counts, [2, 3], 'the two changes made after revision 2, replayed in order');
    assert.ok(resumed.messages.received.every((m) => snapshotMarkerOf(m) === undefined), 'a replay, not a snapshot');
    assert.equal((await postEvent(b!.baseUrl, event('after'), { cookie })).status, 202);
    const last = await resumed.messages.next(acks('after'), WAIT_MS, 'the ack of the last event');
    assert.equal(findAck(last, 'after')?.rev, 5, 'mount + 4 increments: nothing lost, nothing doubled');
  });
});
