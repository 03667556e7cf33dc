/**
 * A client process for the idle-connection benchmark: `node dist/bench/idle-clients-main.js <port> <sse|ws>`.
 * Reads commands on stdin: `open <n>` opens n more streams (64 at a time) and prints
 * `{"opened":…,"failed":…,"dropped":…}`; `close` or the end of stdin exits. Exits by itself after 10 minutes.
 */
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { benchId, type Transport } from './bench-session.js';
import { openRawStream, runBounded } from './raw-stream-socket.js';

const MAX_LIFETIME_MS = 10 * 60_000;
const PARALLEL_OPENS = 64;

const port = Number(process.argv[2]);
const transport = process.argv[3] as Transport;
const prefix = benchId('idle');
const sockets: Socket[] = [];
let failed = 0;
let dropped = 0;

async function open(count: number): Promise<void> {
  const start = sockets.length + failed;
  failed += await runBounded(count, PARALLEL_OPENS, async (i) => {
    const { socket } = await openRawStream(port, transport, `${prefix}-${start + i}`);
    socket.once('close', () => (dropped += 1));
    sockets.push(socket);
  });
  process.stdout.write(`${JSON.stringify({ opened: sockets.length, failed, dropped })}\n`);
}

function exit(): never {
  for (const socket of sockets) socket.destroy();
  process.exit(0);
}

setTimeout(exit, MAX_LIFETIME_MS).unref();
let queue = Promise.resolve();
createInterface({ input: process.stdin })
  .on('line', (line) => {
    const [command, argument] = line.trim().split(/\s+/);
    if (command === 'open') queue = queue.then(() => open(Number(argument)));
    else if (command === 'close') exit();
  })
  .on('close', exit);
