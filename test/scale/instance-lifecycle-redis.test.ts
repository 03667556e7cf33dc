/**
 * Instance lifetimes on Redis, with two processes: an idle instance expires in Redis itself (its keys carry
 * the idle lifetime), while one a stream on either process shows is kept alive by that process; a deletion
 * on one process reaches the streams on the other (`instance_deleted`); a mount with a revision that creates
 * the instance anew gets a `reset` snapshot. And a full Redis (`maxmemory` reached) is logged as an error
 * with what to do, while events answer 503 `backend_unavailable`: on a private redis-server, never the shared one.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { postEvent } from '../support/post-event.js';
import { acks, errorsOf, isSnapshotOf, snapshotMarkerOf } from '../support/server-message.js';
import { SseClient } from '../support/sse-client.js';
import { WsClient } from '../support/ws-client.js';
import { Cluster, clusterCookie, type NodeProcess } from './support/cluster.js';
import { directClient, redisOrSkip } from './support/redis-env.js';
import { RedisServerProcess, redisServerOrSkip } from './support/redis-server-process.js';

const WAIT_MS = 20_000;
const UNCHANGED_TTL_MS = 600;

async function stateOf(node: NodeProcess, instance: string): Promise<unknown> {
  const answer = (await (await fetch(`${node.baseUrl}/control/state?type=Counter&instance=${encodeURIComponent(instance)}`)).json()) as { record: unknown };
  return answer.record;
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('instance lifetimes on Redis, two processes', () => {
  let cluster: Cluster | undefined;
  const clients: { close(): Promise<unknown> }[] = [];

  after(async () => {
    for (const client of clients.reverse()) await client.close().catch(() => undefined);
    await cluster?.close();
  });

  test('idle instances expire in Redis, shown ones stay; a deletion reaches streams on the other process; re-creation resets', { timeout: 90_000 }, async (t) => {
    if (!(await redisOrSkip(t))) return;
    cluster = new Cluster('lifecycle', { env: { NASC_UNCHANGED_TTL_MS: String(UNCHANGED_TTL_MS) } });
    const [a, b] = (await cluster.start(2)) as [NodeProcess, NodeProcess];
    const cookie = await clusterCookie(a);
    const mount = (clientId: string, instance: string, extra: Record<string, unknown> = {}) =>
      postEvent(b.baseUrl, { clientId, event: 'mount', type: 'Counter', instance, payload: {}, ...extra }, { cookie });

    // Shown on A (mounted through B) before the idle one is made: had A not kept it alive, it would go first.
    const watcher = await SseClient.connect(`${a.baseUrl}/nasc/events?clientId=watcher`, { cookie });
    clients.push(watcher);
    await watcher.messages.next(undefined, WAIT_MS, 'the opening []');
    assert.equal((await mount('watcher', 'shown')).status, 202);
    await watcher.messages.next(isSnapshotOf('Counter', 'shown'), WAIT_MS, 'the snapshot of the shown instance');
    const leaver = await WsClient.connect(`${b.wsBaseUrl}/nasc/ws?clientId=leaver`, { cookie });
    await leaver.messages.next(undefined, WAIT_MS, 'the opening []');
    await leaver.send(JSON.stringify({ event: 'mount', type: 'Counter', instance: 'idle', payload: {}, eventId: 'idle-mount' }));
    await leaver.messages.next(acks('idle-mount'), WAIT_MS, 'the idle instance mounted');
    await leaver.close();

    await until(async () => (await stateOf(a, 'idle')) === null, 'the idle instance to expire in Redis');
    assert.notEqual(await stateOf(b, 'shown'), null, 'the instance a stream shows is kept alive');

    // Deleted through B: the stream on A is told, under the name it uses, and is unsubscribed.
    const deleted = (await (await fetch(`${b.baseUrl}/control/delete?type=Counter&instance=shown`, { method: 'POST' })).json()) as { deleted: boolean };
    assert.equal(deleted.deleted, true);
    const told = await watcher.messages.next((message) => errorsOf(message).length > 0, WAIT_MS, 'the deletion notice on A');
    assert.deepEqual(errorsOf(told)[0], { action: 'error', message: 'This instance was deleted.', code: 'instance_deleted', type: 'Counter', instance: 'shown' });
    assert.equal(await stateOf(a, 'shown'), null);

    // The watcher held revision 1 of it: its mount creates it anew and starts it over.
    assert.equal((await mount('watcher', 'shown', { rev: 1 })).status, 202);
    const snapshot = await watcher.messages.next(isSnapshotOf('Counter', 'shown'), WAIT_MS, 'the snapshot of the new instance');
    assert.deepEqual(snapshotMarkerOf(snapshot), { action: 'snapshot', type: 'Counter', instance: 'shown', rev: 1, reset: true });
  });
});

describe('a full Redis', () => {
  let redis: RedisServerProcess | undefined;
  let cluster: Cluster | undefined;

  after(async () => {
    await cluster?.close();
    await redis?.close();
  });

  test('is logged as an error saying what to do, once per 10 s, while events answer 503 backend_unavailable', { timeout: 90_000 }, async (t) => {
    if (!redisServerOrSkip(t)) return;
    redis = await RedisServerProcess.start();
    cluster = new Cluster('full', { redisUrl: redis.url });
    const [node] = (await cluster.start(1)) as [NodeProcess];
    const cookie = await clusterCookie(node);
    const stream = await SseClient.connect(`${node.baseUrl}/nasc/events?clientId=writer`, { cookie });
    t.after(() => stream.close());
    await stream.messages.next(undefined, WAIT_MS, 'the opening []');
    const send = (body: Record<string, unknown>) => postEvent(node.baseUrl, { clientId: 'writer', type: 'Counter', instance: 'full', payload: {}, ...body }, { cookie });
    assert.equal((await send({ event: 'mount' })).status, 202);

    const admin = directClient(redis.url);
    admin.on('error', () => undefined);
    await admin.connect();
    t.after(() => admin.disconnect());
    // A limit below what Redis already uses: every write is refused from now on (OOM), reads still work.
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await admin.config('SET', 'maxmemory', '1');

    // The client sends a failed event again (the same id) until it goes through.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const refused = await send({ event: 'inc', eventId: 'full-1' });
      assert.deepEqual([refused.status, refused.body.code], [503, 'backend_unavailable'], `attempt ${attempt} while Redis is full`);
    }
    const lines = node.log.split('\n').filter((line) => line.includes('redis is full'));
    assert.equal(lines.length, 1, `logged once for three failures: ${node.log.slice(-2_000)}`);
    const entry = JSON.parse(lines[0]!) as { level: string; msg: string };
    assert.equal(entry.level, 'error');
    assert.match(entry.msg, /maxmemory/);
    assert.match(entry.msg, /noeviction/);

    await admin.config('SET', 'maxmemory', '0');
    assert.equal((await send({ event: 'inc', eventId: 'full-1' })).status, 202, 'once memory is there again, the same event goes through');
    await stream.messages.next(acks('full-1'), WAIT_MS, 'its ack');
  });
});
