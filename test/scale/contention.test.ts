/**
 * Two processes handling events for ONE instance at the same time: every commit is a compare-and-set on the
 * revision in Redis, so when both run the handler on revision N, one wins and the other runs it again on
 * N+1. 500 increments split across A (POSTs) and B (WebSocket frames) must end at exactly 500.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { postEvent } from '../support/post-event.js';
import { acks, bindUpdatesOf, errorsOf, isSnapshotOf, snapshotMarkerOf, type ServerMessage } from '../support/server-message.js';
import { SseClient } from '../support/sse-client.js';
import { WsClient } from '../support/ws-client.js';
import { Cluster, clusterCookie } from './support/cluster.js';
import { redisOrSkip } from './support/redis-env.js';

const INCREMENTS = 500;
/** POSTs in flight at once on A, as many tabs would have. */
const POST_CONCURRENCY = 16;
const WAIT_MS = 30_000;

function countOf(message: ServerMessage): number | undefined {
  const update = bindUpdatesOf(message).find((patch) => patch.prop === 'count');
  return typeof update?.value === 'number' ? update.value : undefined;
}

describe('concurrent events on one instance from two processes', () => {
  let cluster: Cluster | undefined;
  const clients: { close(): Promise<unknown> }[] = [];

  after(async () => {
    for (const client of clients.reverse()) await client.close().catch(() => undefined);
    await cluster?.close();
  });

  test(`${INCREMENTS} increments split across A and B end at exactly ${INCREMENTS}`, { timeout: 90_000 }, async (t) => {
    if (!(await redisOrSkip(t))) return;
    cluster = new Cluster('contention');
    const [a, b] = await cluster.start(2);
    const cookie = await clusterCookie(a!);

    // A watcher streaming from A, and a WebSocket client on B that sends half the increments.
    const watcher = await SseClient.connect(`${a!.baseUrl}/nasc/events?clientId=watcher`, { cookie });
    clients.push(watcher);
    await watcher.messages.next(undefined, WAIT_MS, 'the opening []');
    assert.equal((await postEvent(a!.baseUrl, { clientId: 'watcher', event: 'mount', type: 'Counter', instance: 'hot', payload: {} }, { cookie })).status, 202);
    await watcher.messages.next(isSnapshotOf('Counter', 'hot'), WAIT_MS, 'the snapshot');
    const sender = await WsClient.connect(`${b!.wsBaseUrl}/nasc/ws?clientId=ws-sender`, { cookie });
    clients.push(sender);
    await sender.messages.next(undefined, WAIT_MS, 'the opening []');

    const viaWs = INCREMENTS / 2;
    const viaPost = INCREMENTS - viaWs;
    const started = performance.now();
    const wsDone = (async () => {
      for (let i = 0; i < viaWs; i++) await sender.send(JSON.stringify({ event: 'inc', type: 'Counter', instance: 'hot', payload: {}, eventId: `ws-${i}` }));
      // Every one of them is answered (ack or error) on the socket; the last ack is not enough, answers may interleave.
      const answered = new Set<string>();
      const errors: string[] = [];
      while (answered.size < viaWs) {
        const message = await sender.messages.next(
          (m) => m.patches.some((p) => (p.action === 'ack' || p.action === 'error') && typeof p.eventId === 'string'),
          WAIT_MS,
          `answers to the WebSocket increments (${answered.size}/${viaWs} so far)`,
        );
        for (const patch of message.patches) if ((patch.action === 'ack' || patch.action === 'error') && patch.eventId) answered.add(patch.eventId);
        errors.push(...errorsOf(message).map((e) => `${e.code}: ${e.message}`));
      }
      return errors;
    })();
    const statuses: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: POST_CONCURRENCY }, async () => {
        while (next < viaPost) {
          const i = next++;
          const reply = await postEvent(a!.baseUrl, { clientId: 'watcher', event: 'inc', type: 'Counter', instance: 'hot', payload: {}, eventId: `post-${i}` }, { cookie });
          statuses.push(reply.status);
        }
      }),
    );
    const wsErrors = await wsDone;
    const seconds = (performance.now() - started) / 1000;
    assert.deepEqual(wsErrors, [], 'no WebSocket increment failed');
    const serverErrors = [a!, b!].flatMap((node) => node.log.split('\n').filter((line) => line.includes('"level":"error"')));
    assert.deepEqual(
      statuses.filter((status) => status !== 202),
      [],
      `every POSTed increment was accepted; server errors: ${serverErrors.join(' | ')}`,
    );

    // The watcher on A sees the count reach exactly 500, and a fresh mount on B reads 500 at revision 501.
    await watcher.messages.next((m) => countOf(m) === INCREMENTS, WAIT_MS, `count ${INCREMENTS} on A`);
    await sender.send(JSON.stringify({ event: 'mount', type: 'Counter', instance: 'hot', payload: {}, eventId: 'check' }));
    const snapshot = await sender.messages.next(isSnapshotOf('Counter', 'hot'), WAIT_MS, 'a fresh snapshot on B');
    await sender.messages.next(acks('check'), WAIT_MS, 'the mount ack');
    assert.equal(countOf(snapshot), INCREMENTS);
    assert.equal(snapshotMarkerOf(snapshot)?.rev, INCREMENTS + 1, 'one revision per increment, none skipped or doubled');
    t.diagnostic(`${INCREMENTS} increments on one instance from 2 processes in ${seconds.toFixed(2)} s (${Math.round(INCREMENTS / seconds)}/s)`);
  });
});
