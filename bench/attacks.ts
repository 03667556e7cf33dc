/**
 * `node dist/bench/attacks.js [--against=/other/checkout]`: the hardening attacks, measured. With
 * `--against`, each attack runs on that checkout's server (its `dist/server/index.js`, built) and on this
 * one, side by side in one run, and the table shows both.
 *
 * 1. One WebSocket that never reads and floods malformed frames for 15 s: the server's RSS growth, whether
 *    and when it cut the socket, and concurrent requests during the flood and 20 s after it (against the
 *    same requests without the attack, for the machine's own noise).
 * 2. A page showing 40 instances named by 60 CJK characters reopens its stream: the length of what it
 *    sends and the server's answer (this checkout's page sends the same request whatever it shows; an
 *    older one put its resume cursor in the URL).
 * 3. Eight idle sessions each showing 255 long-named instances plus a shared one: the bytes each receives
 *    per edit of the shared instance (against a stream showing only it), and another user's edit round
 *    trip, p50 over 200 edits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { canPin } from './machine.js';
import { SseReader, sessionCookie } from './sse-reader.js';
import { median, percentile } from './stats.js';

const SERVER_SCRIPT = fileURLToPath(new URL('./attack-server.js', import.meta.url));
const args = process.argv.slice(2);
const against = args.find((arg) => arg.startsWith('--against='))?.slice('--against='.length);
const FLOOD_MS = Number(args.find((arg) => arg.startsWith('--flood-ms='))?.slice('--flood-ms='.length) ?? 15_000);
const PROBE_AFTER_MS = 20_000;

interface AttackServer {
  port: number;
  child: ChildProcess;
  stop(): void;
}

async function startAttackServer(checkout: string | undefined, raisedRate: boolean): Promise<AttackServer> {
  const env = { ...process.env, RAISED_RATE: raisedRate ? '1' : '0', ...(checkout ? { NASC_MODULE: join(resolve(checkout), 'dist/server/index.js') } : {}) };
  const node = [process.execPath, '--expose-gc', SERVER_SCRIPT];
  const [command, ...rest] = canPin() ? ['taskset', '-c', '0', ...node] : node;
  const child = spawn(command!, rest, { env, stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((done, fail) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\d+)/.exec(out);
      if (match) done(Number(match[1]));
    });
    child.once('exit', (code) => fail(new Error(`attack server exited (${code})`)));
  });
  return { port, child, stop: () => child.stdin!.end() };
}

/** The server's RSS; with `collect`, after a full GC (which itself stalls the server: never while probing). */
async function memory(port: number, collect = false): Promise<number> {
  return ((await (await fetch(`http://127.0.0.1:${port}/control/memory?gc=${collect ? 1 : 0}`)).json()) as { rss: number }).rss;
}

function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const body = Buffer.from(payload.map((byte, index) => byte ^ mask[index % 4]!));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, body]);
}

/** Requests the manifest every 20 ms until stopped; resolves with every answer's time (ms), failures included. */
function probeLatency(port: number): { stop: () => Promise<number[]> } {
  let probing = true;
  const times: number[] = [];
  const loop = (async () => {
    while (probing) {
      const started = performance.now();
      try {
        await (await fetch(`http://127.0.0.1:${port}/nasc/manifest`)).text();
      } catch {
        // A connection the server dropped while stalled: the time it took still counts.
      }
      times.push(performance.now() - started);
      await new Promise((done) => setTimeout(done, 20));
    }
  })();
  return {
    async stop() {
      probing = false;
      await loop;
      return times;
    },
  };
}

function latencyFigures(times: number[]): string {
  return `p50 ${percentile(times, 50).toFixed(1)} / p99 ${percentile(times, 99).toFixed(1)} / max ${Math.max(...times).toFixed(0)} ms`;
}

/** 1: one socket that never reads, flooding `"1"` frames. */
async function wsFlood(port: number): Promise<Record<string, string>> {
  // Warm both ends first: the first requests pay for connections and compilation, not for the attack.
  for (let warm = 0; warm < 50; warm++) await (await fetch(`http://127.0.0.1:${port}/nasc/manifest`)).text();
  // The same probe without the attack, for what the machine's own noise looks like.
  const quiet = probeLatency(port);
  await new Promise((done) => setTimeout(done, 10_000));
  const quietTimes = await quiet.stop();
  const before = await memory(port, true);
  const probe = probeLatency(port);
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((done, fail) => {
    socket.once('error', fail);
    socket.write(
      `GET /nasc/ws?clientId=flooder HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`,
    );
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.pause();
      done();
    };
    socket.on('data', onData);
  });
  const started = performance.now();
  let cutAfter: number | undefined;
  let peak = before;
  const frames = Buffer.concat(Array.from({ length: 1_000 }, () => maskedTextFrame('1')));
  socket.on('close', () => (cutAfter ??= performance.now() - started));
  socket.on('error', () => (cutAfter ??= performance.now() - started));
  const flooding = new Promise<void>((done) => {
    const pump = () => {
      while (cutAfter === undefined && performance.now() - started < FLOOD_MS) {
        if (!socket.write(frames)) {
          socket.once('drain', pump);
          return;
        }
      }
      done();
    };
    pump();
    // A peer that stops reading never drains: the time limit ends the flood.
    setTimeout(done, FLOOD_MS + 100);
  });
  const sampler = setInterval(() => void memory(port).then((rss) => (peak = Math.max(peak, rss))), 1_000);
  await flooding;
  await new Promise((done) => setTimeout(done, PROBE_AFTER_MS));
  clearInterval(sampler);
  peak = Math.max(peak, await memory(port));
  socket.destroy();
  const times = await probe.stop();
  return {
    'RSS growth': `${((peak - before) / 1e6).toFixed(1)} MB`,
    'socket cut': cutAfter === undefined ? `no (within ${(FLOOD_MS + PROBE_AFTER_MS) / 1000} s)` : `after ${cutAfter.toFixed(0)} ms`,
    'concurrent requests during and after': latencyFigures(times),
    'the same requests without the attack': latencyFigures(quietTimes),
  };
}

/** 2: the request a page of 40 long-named instances sends to reopen its stream, and the answer. */
async function reconnectSize(port: number, checkout: string | undefined): Promise<Record<string, string>> {
  const names = Array.from({ length: 40 }, (_, index) => `${'語'.repeat(57)}${String(index).padStart(3, '0')}`);
  const url = new URL(`http://127.0.0.1:${port}/nasc/events`);
  url.searchParams.set('clientId', crypto.randomUUID());
  const cursorModule = checkout ? join(resolve(checkout), 'dist/protocol/cursor.js') : undefined;
  if (cursorModule) {
    // The older page put its resume cursor in the URL: formatCursor's output, encoded again as a parameter.
    const { formatCursor } = (await import(pathToFileURL(cursorModule).href)) as { formatCursor(entries: { type: string; instance: string; rev: number }[]): string };
    url.searchParams.set('lastEventId', formatCursor(names.map((instance) => ({ type: 'Doc', instance, rev: 1 }))));
  }
  const status = await new Promise<number>((done, fail) => {
    const req = request(url, { headers: { Accept: 'text/event-stream' } }, (response) => {
      done(response.statusCode ?? 0);
      response.destroy();
    });
    req.on('error', fail);
    req.end();
  });
  return { 'reopen request': `${url.href.length} characters`, answer: String(status) };
}

/** An SSE stream read through node:http with a cookie, counting the bytes it receives. */
function openCounted(port: number, clientId: string, cookie: string, onMessage: (data: string) => void): Promise<{ cookie: string; bytes: () => number; close: () => void }> {
  return new Promise((done, fail) => {
    const req = request(
      `http://127.0.0.1:${port}/nasc/events?clientId=${clientId}`,
      { agent: false, headers: { Accept: 'text/event-stream', ...(cookie ? { Cookie: cookie } : {}) } },
      (response) => {
        let bytes = 0;
        let opened = false;
        const reader = new SseReader();
        response.setEncoding('utf8');
        response.on('data', (text: string) => {
          bytes += Buffer.byteLength(text);
          for (const data of reader.push(text)) {
            if (!opened) {
              opened = true;
              done({ cookie: cookie || sessionCookie(response.headers['set-cookie']), bytes: () => bytes, close: () => response.destroy() });
            }
            onMessage(data);
          }
        });
      },
    );
    req.on('error', fail);
    req.end();
  });
}

async function post(port: number, cookie: string, body: object): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}/nasc/event`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: cookie },
    body: JSON.stringify(body),
  });
  await response.text();
  if (response.status !== 202) throw new Error(`POST answered ${response.status}`);
}

/** 3: frame bytes and an edit's round trip with eight sessions each showing 256 long-named instances. */
async function frameBytes(port: number): Promise<Record<string, string>> {
  const streams: { close: () => void; bytes: () => number }[] = [];
  const heavy: { bytes: () => number }[] = [];
  for (let session = 0; session < 8; session++) {
    const stream = await openCounted(port, `heavy-${session}`, '', () => undefined);
    streams.push(stream);
    heavy.push(stream);
    await post(port, stream.cookie, { clientId: `heavy-${session}`, event: 'mount', type: 'Doc', instance: 'shared', payload: {} });
    for (let index = 0; index < 255; index++) {
      const instance = `${String(index).padStart(3, '0')}${'名'.repeat(197)}`;
      await post(port, stream.cookie, { clientId: `heavy-${session}`, event: 'mount', type: 'Doc', instance, payload: {} });
    }
  }
  const light = await openCounted(port, 'light', '', () => undefined);
  streams.push(light);
  await post(port, light.cookie, { clientId: 'light', event: 'mount', type: 'Doc', instance: 'shared', payload: {} });
  const waiting = new Map<string, () => void>();
  const victim = await openCounted(port, 'victim', '', (data) => {
    for (const [eventId, done] of waiting) if (data.includes(`"eventId":"${eventId}"`)) done();
  });
  streams.push(victim);
  await post(port, victim.cookie, { clientId: 'victim', event: 'mount', type: 'Doc', instance: 'shared', payload: {} });
  await new Promise((done) => setTimeout(done, 500));
  const heavyBefore = heavy.map((stream) => stream.bytes());
  const lightBefore = light.bytes();
  const times: number[] = [];
  const EDITS = 200;
  for (let edit = 0; edit < EDITS; edit++) {
    const eventId = `edit-${edit}`;
    const acked = new Promise<void>((done) => waiting.set(eventId, done));
    const started = performance.now();
    await post(port, victim.cookie, { clientId: 'victim', event: 'increment', type: 'Doc', instance: 'shared', payload: {}, eventId });
    await acked;
    waiting.delete(eventId);
    times.push(performance.now() - started);
  }
  await new Promise((done) => setTimeout(done, 500));
  const perHeavy = median(heavy.map((stream, index) => (stream.bytes() - heavyBefore[index]!) / EDITS));
  const perLight = (light.bytes() - lightBefore) / EDITS;
  for (const stream of streams) stream.close();
  return {
    'bytes per edit, stream showing 256 instances': `${Math.round(perHeavy).toLocaleString('en')} B`,
    'bytes per edit, stream showing 1': `${Math.round(perLight).toLocaleString('en')} B`,
    'edit round trip p50 (8 such sessions idle)': `${median(times).toFixed(2)} ms`,
  };
}

async function runAll(checkout: string | undefined): Promise<Record<string, string>> {
  const results: Record<string, string> = {};
  const attacks: [(port: number) => Promise<Record<string, string>>, boolean][] = [
    [wsFlood, false],
    [(port) => reconnectSize(port, checkout), false],
    [frameBytes, true],
  ];
  for (const [attack, raisedRate] of attacks) {
    const server = await startAttackServer(checkout, raisedRate);
    try {
      Object.assign(results, await attack(server.port));
    } finally {
      server.stop();
    }
  }
  return results;
}

const runs: [string, Record<string, string>][] = [];
if (against) runs.push([`${against} (before)`, await runAll(against)]);
runs.push(['this checkout', await runAll(undefined)]);
const rows = Object.keys(runs[0]![1]);
process.stdout.write(`| | ${runs.map(([name]) => name).join(' | ')} |\n|---|${runs.map(() => '---').join('|')}|\n`);
for (const row of rows) process.stdout.write(`| ${row} | ${runs.map(([, results]) => results[row] ?? '').join(' | ')} |\n`);
process.exit(0);
