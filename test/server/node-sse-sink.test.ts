/**
 * A frame written to an SSE stream on Node leaves at once (on its own, and with `TurnBatching` while events come
 * one at a time, see turn-batching.test.ts). Node's own `write` corks the socket until the next tick, which
 * runs after every pending microtask: after the event's 202, which the route writes meanwhile. Checked on a
 * real response: right after `write`, nothing is held back in the socket.
 */
import assert from 'node:assert/strict';
import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { NodeSseSink } from '../../server/channels/node-sse-sink.js';

test('a frame is handed to the socket at once, not at the next tick', async (t) => {
  const seen: { corked: number; waiting: number }[] = [];
  const server = createServer((_request, response: ServerResponse) => {
    response.writeHead(200, { 'Content-Type': 'text/event-stream' });
    const sink = new NodeSseSink(response, 1024 * 1024);
    // As the engine writes: from a microtask, with more work queued behind it.
    void Promise.resolve().then(() => {
      sink.write('data: one\n\n');
      seen.push({ corked: response.socket!.writableCorked, waiting: response.socket!.writableLength });
      sink.end('data: two\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as AddressInfo;
  const body = await new Promise<string>((resolve, reject) => {
    request({ port, host: '127.0.0.1', path: '/' }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve(text));
    })
      .on('error', reject)
      .end();
  });
  assert.equal(body, 'data: one\n\ndata: two\n\n');
  assert.deepEqual(seen, [{ corked: 0, waiting: 0 }], 'not corked, nothing buffered: the frame went to the kernel');
});
