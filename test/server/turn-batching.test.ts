/**
 * SSE frames of one event-loop turn are held (corked) until the turn ends and then leave together, one write
 * per stream; `flushed()` lets an event's 202 wait for them. Checked on real responses over real sockets.
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

test('the frames of a turn are held and leave together at its end, one write per stream', async (t) => {
  const [a, b] = await openStreams(t, 2);
  const turn = new TurnBatching();
  const sinkA = new NodeSseSink(a!.response, 1 << 20, turn);
  const sinkB = new NodeSseSink(b!.response, 1 << 20, turn);
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

test('each turn ends on its own: a lone frame leaves at the end of its turn, before the next one starts', async (t) => {
  const [a] = await openStreams(t, 1);
  const turn = new TurnBatching();
  const sink = new NodeSseSink(a!.response, 1 << 20, turn);
  for (let i = 0; i < 3; i++) {
    // In an object: a promise returned as it is would be adopted (awaited) by inNewTurn's own.
    const { flushed } = await inNewTurn(() => {
      sink.write(`data: ${i}\n\n`);
      return { flushed: turn.flushed() };
    });
    assert.ok(flushed instanceof Promise, `turn ${i}: the frame is held`);
    await flushed;
    assert.deepEqual({ corked: a!.response.socket!.writableCorked, waiting: a!.response.socket!.writableLength }, { corked: 0, waiting: 0 }, `turn ${i}: gone`);
    await a!.receivedAll(Array.from({ length: i + 1 }, (_unused, n) => `data: ${n}\n\n`).join(''));
  }
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
