/**
 * The two store attacks of the hardening issue, measured on this build and, with `--base=<worktree>`, on
 * another build of the repository (its `npm run build` done), in the same run:
 *
 * 1. Growing the store: `--mounts` (default 100,000) mounts of distinct instances from fresh sessions (100
 *    per session, over WebSockets), then the server's heap and RSS after a garbage collection, the instances
 *    created, and for `--store=sqlite` the database's size.
 * 2. Flushing at-most-once: a victim sets a title twice (events e1, e2), `--events` (default 106,000) no-op
 *    events follow from other fresh sessions (100 each, within the default limits), and the victim sends e1
 *    again: is it answered from its outcome, or applied again (the newer title overwritten)?
 *
 * `node dist/bench/attack-store.js [--base=/tmp/nasc-base] [--mounts=100000] [--events=106000] [--store=memory|sqlite]`
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { floodEvents } from '../test/support/event-flood.js';
import { floodMounts } from '../test/support/mount-flood.js';
import { answers, type ServerMessage } from '../test/support/server-message.js';
import { WsClient } from '../test/support/ws-client.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const base = option('base', '');
const mounts = Number(option('mounts', '100000'));
const events = Number(option('events', '106000'));
const storeKind = option('store', 'memory');
const SERVER = fileURLToPath(new URL('./attack-store-server.js', import.meta.url));
const THIS_BUILD = fileURLToPath(new URL('../server/index.js', import.meta.url));
const PER_SESSION = 100;

interface Running {
  child: ChildProcess;
  port: number;
  dbPath: string | undefined;
  stop(): Promise<void>;
}

async function start(serverModule: string): Promise<Running> {
  const dir = storeKind === 'sqlite' ? mkdtempSync(join(tmpdir(), 'nasc-attack-')) : undefined;
  const dbPath = dir ? join(dir, 'attack.db') : undefined;
  const child = spawn(process.execPath, ['--expose-gc', SERVER], {
    env: { ...process.env, NASC_SERVER_MODULE: serverModule, STORE: storeKind, ...(dbPath ? { NASC_DB: dbPath } : {}), NASC_LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolvePort, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\d+)/.exec(output);
      if (match) resolvePort(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)));
  });
  return {
    child,
    port,
    dbPath,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await exited;
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function memory(port: number): Promise<string> {
  const usage = (await (await fetch(`http://127.0.0.1:${port}/control/heap`)).json()) as NodeJS.MemoryUsage;
  return `heap ${(usage.heapUsed / 2 ** 20).toFixed(1)} MB, RSS ${(usage.rss / 2 ** 20).toFixed(1)} MB`;
}

function dbSize(path: string | undefined): string {
  if (!path) return '';
  let bytes = 0;
  for (const file of [path, `${path}-wal`]) {
    try {
      bytes += statSync(file).size;
    } catch {
      // No WAL file yet.
    }
  }
  return `, database ${(bytes / 2 ** 20).toFixed(1)} MB`;
}

async function growTheStore(label: string, serverModule: string): Promise<void> {
  const server = await start(serverModule);
  try {
    const before = `${await memory(server.port)}${dbSize(server.dbPath)}`;
    const started = performance.now();
    const result = await floodMounts(`ws://127.0.0.1:${server.port}/nasc/ws`, {
      sessions: Math.ceil(mounts / PER_SESSION),
      perSession: PER_SESSION,
      concurrency: 20,
      type: 'Doc',
      prefix: 'attack',
      timeoutMs: 600_000,
    });
    const seconds = (performance.now() - started) / 1000;
    const after = `${await memory(server.port)}${dbSize(server.dbPath)}`;
    console.log(`[${label}] ${mounts} mounts of new instances from ${Math.ceil(mounts / PER_SESSION)} fresh sessions in ${seconds.toFixed(1)} s`);
    console.log(`[${label}]   created ${result.acked}, refused ${JSON.stringify(result.refused)}`);
    console.log(`[${label}]   before: ${before}`);
    console.log(`[${label}]   after:  ${after}`);
  } finally {
    await server.stop();
  }
}

async function flushAtMostOnce(label: string, serverModule: string): Promise<void> {
  const server = await start(serverModule);
  const victim = await WsClient.connect(`ws://127.0.0.1:${server.port}/nasc/ws?clientId=victim`);
  try {
    await victim.messages.next(undefined, undefined, 'the opening []');
    const send = async (event: string, eventId: string, title?: string): Promise<ServerMessage> => {
      await victim.send(JSON.stringify({ event, type: 'Doc', instance: 'shared', payload: title === undefined ? {} : { title }, eventId }));
      return victim.messages.next(answers(eventId), 60_000, `the answer to ${eventId}`);
    };
    await send('mount', 'victim-mount');
    await send('set', 'e1', 'first edit');
    await send('set', 'e2', 'newer edit');
    const started = performance.now();
    const flooded = await floodEvents(
      { wsBaseUrl: `ws://127.0.0.1:${server.port}` },
      { sessions: Math.ceil(events / PER_SESSION), perSession: PER_SESSION, concurrency: 20, type: 'Doc', instance: 'shared', event: 'same', timeoutMs: 600_000 },
    );
    const seconds = (performance.now() - started) / 1000;
    const resent = await send('set', 'e1', 'first edit');
    const state = (await (await fetch(`http://127.0.0.1:${server.port}/control/state?instance=shared`)).json()) as { record: { rev: number; state: { title: string } } };
    const reapplied = resent.patches.some((patch) => patch.action === 'bindUpdate');
    console.log(`[${label}] ${flooded} no-op events acknowledged from ${Math.ceil(events / PER_SESSION)} other fresh sessions in ${seconds.toFixed(1)} s`);
    console.log(`[${label}]   the victim's resent e1: ${reapplied ? 'APPLIED AGAIN' : 'answered from its outcome'}; title now "${state.record.state.title}" at rev ${state.record.rev}`);
  } finally {
    await victim.close();
    await server.stop();
  }
}

const builds: [string, string][] = [];
if (base) builds.push([`base ${base}`, resolve(base, 'dist/server/index.js')]);
builds.push(['this build', THIS_BUILD]);
console.log(`store: ${storeKind}`);
for (const [label, module] of builds) await growTheStore(label, module);
for (const [label, module] of builds) await flushAtMostOnce(label, module);
