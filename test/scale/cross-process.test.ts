/**
 * Two Nasc processes on one Redis, no sticky sessions: a stream on one process and events on the other work
 * together; a change made on either reaches streams on both, over SSE and WebSocket; a client that reconnects
 * to the other process and mounts with its revision catches up exactly as on one process; a retried event
 * that lands on the other process is answered with its first outcome, not applied again.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { BindUpdatePatch } from '../../protocol/index.js';
import { postEvent } from '../support/post-event.js';
import { acks, bindUpdatesOf, findAck, isSnapshotOf, snapshotMarkerOf, type ServerMessage } from '../support/server-message.js';
import { SseClient } from '../support/sse-client.js';
import { WsClient } from '../support/ws-client.js';
import { Cluster, clusterCookie, type NodeProcess } from './support/cluster.js';
import { redisOrSkip } from './support/redis-env.js';

const WAIT_MS = 15_000;

describe('two processes on one Redis', () => {
  let cluster: Cluster | undefined;
  let a: NodeProcess;
  let b: NodeProcess;
  let cookie: string;
  const clients: { close(): Promise<unknown> }[] = [];

  /** Starts the processes once, for every test of the file (skipped tests start nothing). */
  async function processes(): Promise<void> {
    if (cluster) return;
    cluster = new Cluster('cross');
    [a, b] = await cluster.start(2);
    cookie = await clusterCookie(a);
  }

  async function sse(node: NodeProcess, clientId: string): Promise<SseClient> {
    const client = await SseClient.connect(`${node.baseUrl}/nasc/events?clientId=${clientId}`, { cookie });
    clients.push(client);
    const greeting = await client.messages.next(undefined, WAIT_MS, 'the opening []');
    assert.equal(greeting.text, '[]');
    return client;
  }

  async function ws(node: NodeProcess, clientId: string): Promise<WsClient> {
    const client = await WsClient.connect(`${node.wsBaseUrl}/nasc/ws?clientId=${clientId}`, { cookie });
    clients.push(client);
    const greeting = await client.messages.next(undefined, WAIT_MS, 'the opening []');
    assert.equal(greeting.text, '[]');
    return client;
  }

  async function post(node: NodeProcess, body: Record<string, unknown>): Promise<{ status: number; eventId?: string }> {
    const reply = await postEvent(node.baseUrl, body, { cookie });
    return reply.body.eventId === undefined ? { status: reply.status } : { status: reply.status, eventId: reply.body.eventId };
  }

  function countOf(message: ServerMessage): number | undefined {
    const update = bindUpdatesOf(message).find((patch: BindUpdatePatch) => patch.prop === 'count');
    return typeof update?.value === 'number' ? update.value : undefined;
  }

  after(async () => {
    for (const client of clients.reverse()) await client.close().catch(() => undefined);
    await cluster?.close();
  });

  test('a stream on A with its events posted to B: snapshot, changes and acks all arrive on A', { timeout: 60_000 }, async (t) => {
    if (!(await redisOrSkip(t))) return;
    await processes();
    const stream = await sse(a, 'split-client');
    const mount = await post(b, { clientId: 'split-client', event: 'mount', type: 'Counter', instance: 'split', payload: {}, eventId: 'm1' });
    assert.equal(mount.status, 202);
    const snapshot = await stream.messages.next(isSnapshotOf('Counter', 'split'), WAIT_MS, 'the snapshot, on A');
    assert.equal(snapshotMarkerOf(snapshot)?.rev, 1);
    for (let i = 1; i <= 3; i++) {
      const reply = await post(b, { clientId: 'split-client', event: 'inc', type: 'Counter', instance: 'split', payload: {}, eventId: `e${i}` });
      assert.equal(reply.status, 202);
      const change = await stream.messages.next((m) => countOf(m) === i, WAIT_MS, `count ${i} on A`);
      assert.equal(bindUpdatesOf(change)[0]?.rev, i + 1);
      const ack = await stream.messages.next(acks(`e${i}`), WAIT_MS, `the ack of e${i} on A`);
      assert.equal(findAck(ack, `e${i}`)?.rev, i + 1);
    }
  });

  test('fan-out across processes, over SSE and WebSocket both ways', { timeout: 60_000 }, async (t) => {
    if (!(await redisOrSkip(t))) return;
    await processes();
    const onA = await sse(a, 'fan-sse-a');
    const onB = await ws(b, 'fan-ws-b');
    const wsOnA = await ws(a, 'fan-ws-a');
    await onB.send(JSON.stringify({ event: 'mount', type: 'Counter', instance: 'fan', payload: {}, eventId: 'mb' }));
    await onB.messages.next(isSnapshotOf('Counter', 'fan'), WAIT_MS, 'the snapshot on B (WS)');
    await wsOnA.send(JSON.stringify({ event: 'mount', type: 'Counter', instance: 'fan', payload: {}, eventId: 'mwa' }));
    await wsOnA.messages.next(isSnapshotOf('Counter', 'fan'), WAIT_MS, 'the snapshot on A (WS)');
    assert.equal((await post(b, { clientId: 'fan-sse-a', event: 'mount', type: 'Counter', instance: 'fan', payload: {} })).status, 202);
    await onA.messages.next(isSnapshotOf('Counter', 'fan'), WAIT_MS, 'the snapshot on A (SSE)');

    // A change sent over WebSocket to B reaches the SSE and WS streams on A, with the same batch text.
    await onB.send(JSON.stringify({ event: 'inc', type: 'Counter', instance: 'fan', payload: { by: 5 }, eventId: 'w1' }));
    const viaSse = await onA.messages.next((m) => countOf(m) === 5, WAIT_MS, 'count 5 on A over SSE');
    const viaWs = await wsOnA.messages.next((m) => countOf(m) === 5, WAIT_MS, 'count 5 on A over WS');
    assert.equal(viaSse.text, viaWs.text);
    await onB.messages.next(acks('w1'), WAIT_MS, 'the ack on B');

    // And back: a change posted to A reaches the WebSocket on B.
    assert.equal((await post(a, { clientId: 'fan-sse-a', event: 'inc', type: 'Counter', instance: 'fan', payload: { by: 2 }, eventId: 's1' })).status, 202);
    await onB.messages.next((m) => countOf(m) === 7, WAIT_MS, 'count 7 on B over WS');
    await onA.messages.next(acks('s1'), WAIT_MS, 'the ack on A');
  });

  test('a client that reconnects to the other process and mounts with its revision gets the missed batches, no snapshot', { timeout: 60_000 }, async (t) => {
    if (!(await redisOrSkip(t))) return;
    await processes();
    const first = await sse(a, 'mover');
    assert.equal((await post(a, { clientId: 'mover', event: 'mount', type: 'Counter', instance: 'resume', payload: {} })).status, 202);
    await first.messages.next(isSnapshotOf('Counter', 'resume'), WAIT_MS, 'the snapshot');
    assert.equal((await post(a, { clientId: 'mover', event: 'inc', type: 'Counter', instance: 'resume', payload: {}, eventId: 'r1' })).status, 202);
    const last = await first.messages.next(acks('r1'), WAIT_MS, 'the ack of r1');
    const held = findAck(last, 'r1')?.rev;
    assert.equal(held, 2, 'the client holds revision 2');
    await first.close();

    // Meanwhile, on the other process, three more changes.
    for (let i = 2; i <= 4; i++) {
      assert.equal((await post(b, { clientId: 'someone-else', event: 'inc', type: 'Counter', instance: 'resume', payload: {}, eventId: `r${i}` })).status, 202);
    }
    const resumed = await sse(b, 'mover');
    assert.equal((await post(b, { clientId: 'mover', event: 'mount', type: 'Counter', instance: 'resume', payload: {}, rev: held })).status, 202);
    const replayed: ServerMessage[] = [];
    for (let count = 2; count <= 4; count++) {
      replayed.push(await resumed.messages.next((m) => countOf(m) !== undefined, WAIT_MS, `the replay of count ${count}`));
    }
    assert.deepEqual(replayed.map(countOf), [2, 3, 4], 'exactly the missed changes, in order');
    assert.deepEqual(
      replayed.map((m) => bindUpdatesOf(m)[0]?.rev),
      [3, 4, 5],
    );
    assert.ok(
      resumed.messages.received.every((m) => snapshotMarkerOf(m) === undefined),
      'a replay, not a snapshot',
    );
  });

  test('an event retried on the other process is answered with its first outcome, not applied twice', { timeout: 60_000 }, async (t) => {
    if (!(await redisOrSkip(t))) return;
    await processes();
    const stream = await sse(a, 'retrier');
    assert.equal((await post(a, { clientId: 'retrier', event: 'mount', type: 'Counter', instance: 'dedupe', payload: {} })).status, 202);
    await stream.messages.next(isSnapshotOf('Counter', 'dedupe'), WAIT_MS, 'the snapshot');
    const event = { clientId: 'retrier', event: 'inc', type: 'Counter', instance: 'dedupe', payload: {}, eventId: 'once' };
    assert.equal((await post(a, event)).status, 202);
    const applied = await stream.messages.next(acks('once'), WAIT_MS, 'the first ack');
    assert.equal(findAck(applied, 'once')?.rev, 2);
    // The same event again, on B (as after a lost answer): acknowledged with the same revision, no change.
    assert.equal((await post(b, event)).status, 202);
    const again = await stream.messages.next(acks('once'), WAIT_MS, 'the ack of the retry');
    assert.equal(findAck(again, 'once')?.rev, 2);
    assert.equal(bindUpdatesOf(again).length, 0, 'the retry changes nothing');
    assert.equal((await post(b, { ...event, eventId: 'next' })).status, 202);
    const next = await stream.messages.next((m) => countOf(m) !== undefined, WAIT_MS, 'the next change');
    assert.equal(countOf(next), 2, 'the count went 1 → 2: the retry was not counted');
  });

  test('health and readiness answer on every process', { timeout: 60_000 }, async (t) => {
    if (!(await redisOrSkip(t))) return;
    await processes();
    for (const node of [a, b]) {
      const health = await fetch(`${node.baseUrl}/nasc/health`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { ok: true });
      const ready = await fetch(`${node.baseUrl}/nasc/ready`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { ok: true });
    }
  });
});
