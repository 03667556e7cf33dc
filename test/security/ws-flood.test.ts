/**
 * A WebSocket that never reads and keeps sending frames the server refuses (malformed JSON, binary frames,
 * events for an unknown type) must not grow the server's memory past the bound on what may wait for a slow
 * client, must be cut early, and must not stall anyone else: every answer goes through the one capped path,
 * and refused frames spend a per-socket budget. The server runs in a process of its own, so its memory is
 * measured apart from the attacker's.
 */
import assert from 'node:assert/strict';
import type net from 'node:net';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startChildServer, type ChildServer } from '../support/child-server.js';
import { maskedFrame, openNonReadingWebSocket } from '../support/raw-websocket.js';

const SERVER_SCRIPT = fileURLToPath(new URL('./support/hostile-server.js', import.meta.url));
/** How long the attacker may keep sending before the test stops it: the fixed server cuts it within a blink. */
const ATTACK_MS = 6_000;
/**
 * Memory the server may grow by, far above the 1 MiB cap plus the socket's own buffers: without the cap on
 * error answers, a flood of this length grows it by hundreds of megabytes.
 */
const RSS_BOUND_BYTES = 48 * 1024 * 1024;
/** Longest a concurrent request may take: a correctness bound (no stall), not a benchmark. */
const STALL_BOUND_MS = 1_000;

async function serverMemory(server: ChildServer): Promise<{ rss: number; heapUsed: number }> {
  await fetch(`http://127.0.0.1:${server.port}/control/gc`, { method: 'POST' });
  return (await (await fetch(`http://127.0.0.1:${server.port}/control/memory`)).json()) as { rss: number; heapUsed: number };
}

/** Requests the server's manifest back to back until stopped; resolves with the slowest answer's time. */
function probeLatency(port: number): { stop: () => Promise<number> } {
  let running = true;
  let slowest = 0;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const response = await fetch(`http://127.0.0.1:${port}/nasc/manifest`);
      await response.text();
      slowest = Math.max(slowest, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return slowest;
    },
  };
}

/** Writes `frames` over and over until the socket is cut or `ms` pass; resolves with whether it was cut. */
function flood(socket: net.Socket, frames: Buffer, ms: number): Promise<{ cut: boolean; sentBytes: number }> {
  return new Promise((resolve) => {
    let sentBytes = 0;
    let done = false;
    const finish = (cut: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ cut, sentBytes });
    };
    const timer = setTimeout(() => finish(false), ms);
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    const pump = () => {
      while (!done && !socket.destroyed) {
        sentBytes += frames.length;
        if (!socket.write(frames)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

const ATTACKS: readonly { name: string; wiring: 'attach' | 'route'; frame: Buffer }[] = [
  { name: 'malformed frames ("1")', wiring: 'attach', frame: maskedFrame(Buffer.from('1')) },
  { name: 'binary frames', wiring: 'route', frame: maskedFrame(Buffer.from([1, 2, 3]), 'binary') },
  {
    name: 'events the engine refuses (unknown type)',
    wiring: 'attach',
    frame: maskedFrame(Buffer.from(JSON.stringify({ event: 'x', type: 'Nope', instance: 'i', payload: {} }))),
  },
];

describe('a WebSocket that never reads and floods refused frames', () => {
  for (const attack of ATTACKS) {
    test(`${attack.name} (${attack.wiring}): cut early, memory bounded, nobody stalled`, async (t) => {
      const server = await startChildServer(SERVER_SCRIPT, { WIRING: attack.wiring }, ['--expose-gc']);
      t.after(() => server.stop());
      const before = await serverMemory(server);
      const probe = probeLatency(server.port);
      const socket = await openNonReadingWebSocket(server.port, '/nasc/ws?clientId=flooder');
      const frames = Buffer.concat(Array.from({ length: 1_000 }, () => attack.frame));
      const { cut, sentBytes } = await flood(socket, frames, ATTACK_MS);
      const during = (await (await fetch(`http://127.0.0.1:${server.port}/control/memory`)).json()) as { rss: number };
      // After the attack too: the cut socket's buffered answers are released without stalling anyone.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const slowest = await probe.stop();
      const after = await serverMemory(server);
      const grown = Math.max(during.rss, after.rss) - before.rss;
      t.diagnostic(`sent ${(sentBytes / 1e6).toFixed(1)} MB; cut: ${cut}; RSS +${(grown / 1e6).toFixed(1)} MB; slowest concurrent request ${slowest.toFixed(1)} ms`);
      assert.ok(cut, `the server did not cut the flooding socket within ${ATTACK_MS} ms`);
      assert.ok(grown < RSS_BOUND_BYTES, `the server's RSS grew by ${(grown / 1e6).toFixed(1)} MB under one socket's flood`);
      assert.ok(slowest < STALL_BOUND_MS, `a concurrent request took ${slowest.toFixed(0)} ms`);
      assert.match(server.log(), /^$|./s);
    });
  }
});
