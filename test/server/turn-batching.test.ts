/**
 * SSE frames of one event-loop turn are held (corked) until the turn ends and then leave together, one write
 * per stream; `flushed()` lets an event's 202 wait for them. When events come one at a time (the last turn's
 * frames came from one tick at most), the first tick's frames are not held: they leave as written, ahead of
 * an answer sent after them. Checked on real responses over real sockets.
 */
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { NodeSseSink } from '../../server/channels/node-sse-sink.js';
import { MAX_HELD_BYTES, TurnBatching } from '../../server/channels/write-batching.js';

interface OpenStream {
  response: ServerResponse;
  /** Resolves once the client has received `text` in all. */
  receivedAll: (text: string) => Promise<void>;
}

/** Opens `count` SSE-like responses on a real server, each read by a real client. */
async function openStreams(t: TestContext, count: number): Promise<OpenStream[]> {
  const responses = new Map<number, ServerResponse>();
  const server = createServer((incoming, response) => {
    response.writeHead(200, { 'Content-Type': 'text/event-stream' });
    response.flushHeaders();
    responses.set(Number(incoming.url!.slice(1)), response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  return Promise.all(
    Array.from({ length: count }, async (_unused, i) => {
      const client = await new Promise<IncomingMessage>((resolve, reject) => {
        request({ port, host: '127.0.0.1', path: `/${i}` }, resolve).on('error', reject).end();
      });
      let text = '';
      const listeners = new Set<() => void>();
      client.setEncoding('utf8');
      client.on('data', (chunk: string) => {
        text += chunk;
        for (const listener of [...listeners]) listener();
      });
      client.on('error', () => undefined);
      return {
        response: responses.get(i)!,
        receivedAll: (expected: string) =>
          new Promise<void>((resolve) => {
            const check = () => {
              if (text !== expected) return;
              listeners.delete(check);
              resolve();
            };
            listeners.add(check);
            check();
          }),
      };
    }),
  );
}

/** Runs `work` from a fresh I/O-phase callback, the way a POSTed event reaches the route. */
function inNewTurn<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => setImmediate(() => resolve(work())));
}

/** Resolves after the ticks queued so far: what follows runs as another tick (another event's callback). */
function nextTick(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
}

/**
 * A turn in which two ticks write a frame to `sink`, as two events POSTed together do: the server is under
 * load, so the next turn holds every frame. Resolves once the turn has ended.
 */
async function loadedTurn(turn: TurnBatching, sink: NodeSseSink): Promise<void> {
  const { flushed } = await inNewTurn(async () => {
    sink.write('data: load 1\n\n');
    await nextTick();
    sink.write('data: load 2\n\n');
    return { flushed: turn.flushed() };
  });
  await flushed;
}

/** Records, in order, which of the named sockets hand data to the kernel (`_write`/`_writev`). */
function writeOrder(sockets: Record<string, object>): string[] {
  const order: string[] = [];
  for (const [name, socket] of Object.entries(sockets)) {
    const writable = socket as { _write: (...args: unknown[]) => unknown; _writev: (...args: unknown[]) => unknown };
    for (const method of ['_write', '_writev'] as const) {
      const original = writable[method];
      writable[method] = function (this: unknown, ...args: unknown[]) {
        order.push(name);
        return Reflect.apply(original, this, args);
      };
    }
  }
  return order;
}

test('under load, the frames of a turn are held and leave together at its end, one write per stream', async (t) => {
  const [a, b, other] = await openStreams(t, 3);
  const turn = new TurnBatching();
  const sinkA = new NodeSseSink(a!.response, 1 << 20, turn);
  const sinkB = new NodeSseSink(b!.response, 1 << 20, turn);
  await loadedTurn(turn, new NodeSseSink(other!.response, 1 << 20, turn));
  const observed = await inNewTurn(() => {
    assert.equal(turn.flushed(), undefined, 'nothing is held yet');
    sinkA.write('data: a1\n\n');
    const first = { corked: a!.response.socket!.writableCorked > 0, waiting: a!.response.socket!.writableLength > 0 };
    sinkB.write('data: b1\n\n');
    sinkA.write('data: a2\n\n');
    sinkB.write('data: b2\n\n');
    return {
      first,
      heldB: { corked: b!.response.socket!.writableCorked > 0, waiting: b!.response.socket!.writableLength > 0 },
      heldA: { corked: a!.response.socket!.writableCorked > 0, waiting: a!.response.socket!.writableLength > 0 },
      flushed: turn.flushed(),
    };
  });
  assert.deepEqual(observed.first, { corked: true, waiting: true }, 'the first frame is held');
  assert.deepEqual(observed.heldB, { corked: true, waiting: true }, 'a frame to another stream is held');
  assert.deepEqual(observed.heldA, { corked: true, waiting: true }, 'a later frame to the first stream is held too');
  assert.ok(observed.flushed instanceof Promise);
  await observed.flushed;
  for (const stream of [a!, b!]) {
    assert.equal(stream.response.socket!.writableCorked, 0);
    assert.equal(stream.response.socket!.writableLength, 0, 'flushed: handed to the kernel');
  }
  await a!.receivedAll('data: a1\n\ndata: a2\n\n');
  await b!.receivedAll('data: b1\n\ndata: b2\n\n');
  assert.equal(turn.flushed(), undefined, 'nothing is held after the turn');
});

test('events one at a time: each frame leaves as it is written, and nothing waits for the turn to end', async (t) => {
  const [a] = await openStreams(t, 1);
  const turn = new TurnBatching();
  const sink = new NodeSseSink(a!.response, 1 << 20, turn);
  for (let i = 0; i < 3; i++) {
    const observed = await inNewTurn(() => {
      sink.write(`data: ${i}\n\n`);
      return { corked: a!.response.socket!.writableCorked, waiting: a!.response.socket!.writableLength, held: turn.flushed() !== undefined };
    });
    assert.deepEqual(observed, { corked: 0, waiting: 0, held: false }, `turn ${i}: handed to the kernel at once`);
    await a!.receivedAll(Array.from({ length: i + 1 }, (_unused, n) => `data: ${n}\n\n`).join(''));
  }
});

test('after a turn with several events the next one holds its frames; after a lone turn they pass again', async (t) => {
  const [a, other] = await openStreams(t, 2);
  const turn = new TurnBatching();
  const sink = new NodeSseSink(a!.response, 1 << 20, turn);
  await loadedTurn(turn, new NodeSseSink(other!.response, 1 << 20, turn));
  // In an object: a promise returned as it is would be adopted (awaited) by inNewTurn's own.
  const { flushed } = await inNewTurn(() => {
    sink.write('data: held\n\n');
    return { flushed: turn.flushed() };
  });
  assert.ok(flushed instanceof Promise, 'the turn after a loaded one holds its frame');
  await flushed;
  assert.deepEqual({ corked: a!.response.socket!.writableCorked, waiting: a!.response.socket!.writableLength }, { corked: 0, waiting: 0 }, 'gone at the turn end');
  const after = await inNewTurn(() => {
    sink.write('data: passes\n\n');
    return { flushed: turn.flushed() };
  });
  assert.equal(after.flushed, undefined, 'that turn was lone: the next frame is not held');
  await a!.receivedAll('data: held\n\ndata: passes\n\n');
});

test('a frame reaches the kernel before an answer ended after it, held or not (Node alone would send the answer first)', async (t) => {
  const [stream, loneAnswer, heldAnswer, plain, plainAnswer, other] = await openStreams(t, 6);
  const order = writeOrder({ frame: stream!.response.socket!, lone: loneAnswer!.response.socket!, held: heldAnswer!.response.socket! });
  const turn = new TurnBatching();
  const sink = new NodeSseSink(stream!.response, 1 << 20, turn);
  // Events one at a time: the frame is not held, so the answer needs no wait.
  const lone = await inNewTurn(() => {
    sink.write('data: lone\n\n');
    const flushed = turn.flushed();
    loneAnswer!.response.end('202');
    return { flushed };
  });
  assert.equal(lone.flushed, undefined);
  assert.deepEqual(order.splice(0), ['frame', 'lone'], 'lone: the frame first');
  // Under load: the frame is held and the answer waits for flushed(), as the event route does.
  await loadedTurn(turn, new NodeSseSink(other!.response, 1 << 20, turn));
  const { flushed } = await inNewTurn(() => {
    sink.write('data: held\n\n');
    return { flushed: turn.flushed() };
  });
  assert.ok(flushed instanceof Promise);
  await flushed;
  heldAnswer!.response.end('202');
  assert.deepEqual(order.splice(0), ['frame', 'held'], 'held: the frame first');
  await stream!.receivedAll('data: lone\n\ndata: held\n\n');
  // Why a frame that is not held is uncorked: a response's write waits for the next tick, an end() does not.
  const control = writeOrder({ frame: plain!.response.socket!, answer: plainAnswer!.response.socket! });
  await inNewTurn(() => {
    plain!.response.write('data: plain\n\n');
    plainAnswer!.response.end('202');
  });
  await nextTick();
  assert.deepEqual(control, ['answer', 'frame'], 'Node on its own sends the answer ahead of the frame');
});

test('a stream closed while its frames are held does not stop the others from leaving', async (t) => {
  const [a, b, c] = await openStreams(t, 3);
  const turn = new TurnBatching();
  const sinks = [a!, b!, c!].map((stream) => new NodeSseSink(stream.response, 1 << 20, turn));
  const flushed = await inNewTurn(() => {
    sinks[0]!.write('data: first\n\n');
    sinks[1]!.write('data: doomed\n\n');
    sinks[2]!.write('data: kept\n\n');
    sinks[1]!.cut();
    return turn.flushed();
  });
  await flushed;
  await c!.receivedAll('data: kept\n\n');
  await a!.receivedAll('data: first\n\n');
});

test('a burst in one turn is not held past MAX_HELD_BYTES, so it never passes for a slow client', async (t) => {
  const [a, b] = await openStreams(t, 2);
  const turn = new TurnBatching();
  // A limit well under the burst: held bytes would count against it.
  const sinkA = new NodeSseSink(a!.response, 32 * 1024, turn);
  const sinkB = new NodeSseSink(b!.response, 32 * 1024, turn);
  const frame = `data: ${'x'.repeat(4 * 1024)}\n\n`;
  const kept = await inNewTurn(() => {
    sinkA.write('data: first\n\n');
    const answers: boolean[] = [];
    for (let i = 0; i < 20; i++) {
      answers.push(sinkB.write(frame));
      assert.ok(b!.response.socket!.writableLength < MAX_HELD_BYTES + frame.length, `held bytes bounded after frame ${i}`);
    }
    return answers;
  });
  assert.ok(kept.every(Boolean), 'a fast client is never cut');
  await b!.receivedAll(frame.repeat(20));
});
