/**
 * Fault injection, over both transports: N browser clients send events concurrently for T seconds while the
 * server duplicates, delays and reorders deliveries, drops every stream now and then, and (with the SQLite
 * store) is killed and restarted. Every event must be applied exactly once, in each client's order, and every
 * client must end up showing exactly the server's state.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import * as nascServer from '../../server/index.js';

const CLIENTS = 4;
const SECONDS = 8;
const FAULTS = { duplicate: 0.15, delay: 0.15, maxDelayMs: 40, loseAck: 0.02 };
/** Short, so that events whose ack was lost are sent again within the run (the default is 20 s). */
const ACK_TIMEOUT_MS = 1_000;
const SERVER_SCRIPT = new URL('./fault-server.js', import.meta.url);
const durable = 'SqliteStore' in nascServer;

interface RunningServer {
  child: ChildProcess;
  port: number;
}

function startServer(port: number, db: string | undefined): Promise<RunningServer> {
  const child = spawn(process.execPath, [SERVER_SCRIPT.pathname], {
    env: { ...process.env, PORT: String(port), FAULTS: JSON.stringify(FAULTS), ...(db ? { NASC_DB: db } : {}) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\d+)/.exec(output);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once('exit', (code) => reject(new Error(`fault server exited early (${code})`)));
  });
}

function stopServer(server: RunningServer, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) return resolve();
    server.child.once('exit', () => resolve());
    server.child.kill(signal);
  });
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('fault injection', () => {
  let browser: Browser;
  const directory = mkdtempSync(join(tmpdir(), 'nasc-faults-'));

  before(async () => {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });

  after(async () => {
    await browser?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  for (const transport of ['sse', 'ws'] as const) {
    test(`${CLIENTS} clients for ${SECONDS}s over ${transport}: nothing lost, duplicated, reordered or stale`, { timeout: 180_000 }, async (t) => {
      const db = durable ? join(directory, `${transport}.db`) : undefined;
      let server = await startServer(0, db);
      const port = server.port;
      const base = `http://127.0.0.1:${port}`;
      const instance = `run-${transport}-${Date.now()}`;
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${base}/`);

      // Each client is a real PageConnection with its own client id, sending its own numbered events.
      await page.evaluate(
        async ({ transport, instance, clients, seconds, ackTimeoutMs }) => {
          const nasc = (await import('/nasc/nasc.dev.js' as string)) as typeof import('../../elements/index.js');
          const runs = [];
          const views: Record<string, Record<string, unknown>>[] = [];
          for (let i = 0; i < clients; i++) {
            const connection = new nasc.PageConnection({ transport, clientId: crypto.randomUUID(), ackTimeoutMs });
            const view: Record<string, unknown> = {};
            connection.subscribe('Tally', instance, {}, (change) => {
              if (change.kind !== 'prop') return;
              if (change.value === null) delete view[change.prop];
              else view[change.prop] = change.value;
            });
            views.push({ view });
            runs.push(
              (async () => {
                const pending: Promise<unknown>[] = [];
                let seq = 0;
                const stopAt = performance.now() + seconds * 1000;
                while (performance.now() < stopAt) {
                  seq += 1;
                  pending.push(connection.send('Tally', instance, 'record', { client: String(i), seq }));
                  await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40));
                }
                const results = await Promise.all(pending);
                return { sent: seq, failed: results.filter((result) => !(result as { ok: boolean }).ok).length };
              })(),
            );
          }
          const state = window as unknown as { faultRun: unknown };
          state.faultRun = { done: Promise.all(runs), views };
        },
        { transport, instance, clients: CLIENTS, seconds: SECONDS, ackTimeoutMs: ACK_TIMEOUT_MS },
      );

      // Chaos while the clients send: drop every stream a few times, and restart the process once.
      const chaosUntil = Date.now() + SECONDS * 1000;
      let drops = 0;
      let restarts = 0;
      while (Date.now() < chaosUntil) {
        await new Promise((resolve) => setTimeout(resolve, 600 + Math.random() * 400));
        if (durable && restarts === 0 && drops >= 2) {
          await stopServer(server, 'SIGKILL');
          server = await startServer(port, db);
          restarts += 1;
        } else {
          await fetch(`${base}/control/drop`, { method: 'POST' }).catch(() => undefined);
          drops += 1;
        }
      }

      const outcome = (await page.evaluate(
        () => (window as unknown as { faultRun: { done: Promise<unknown> } }).faultRun.done,
      )) as { sent: number; failed: number }[];
      let faults: Record<string, number> = {};
      const state = await until(
        async () => {
          const response = await fetch(`${base}/control/state?type=Tally&instance=${instance}`);
          const body = (await response.json()) as { record: { state: Record<string, number[]>; rev: number } | null; faults: Record<string, number> };
          faults = body.faults;
          return body.record ?? undefined;
        },
        30_000,
        'the server state',
      );
      const sent = outcome.reduce((sum, run) => sum + run.sent, 0);
      let lost = 0;
      let duplicated = 0;
      outcome.forEach((run, client) => {
        const applied = state.state[`c_${client}`] ?? [];
        const unique = new Set(applied);
        duplicated += applied.length - unique.size;
        lost += run.sent - unique.size;
        assert.equal(run.failed, 0, `client ${client}: ${run.failed} events failed`);
        assert.deepEqual(applied, Array.from({ length: run.sent }, (_, k) => k + 1), `client ${client}: applied exactly once, in order`);
      });

      // Every client converges on the server's state (after resyncs, nothing stale).
      await until(
        async () => {
          const views = (await page.evaluate(() => (window as unknown as { faultRun: { views: { view: unknown }[] } }).faultRun.views.map((v) => v.view))) as Record<string, unknown>[];
          return views.every((view) => JSON.stringify(sortKeys(view)) === JSON.stringify(sortKeys(state.state))) ? true : undefined;
        },
        30_000,
        'every client to show the server state',
      );
      assert.deepEqual(errors, [], 'no page errors');
      t.diagnostic(`${transport}: N=${CLIENTS} clients, T=${SECONDS}s, events sent=${sent}, applied=${sent - lost}, lost=${lost}, duplicated=${duplicated}, stream drops=${drops}, restarts=${restarts}, final rev=${state.rev}; faults since the last start: ${JSON.stringify(faults)}`);
      await page.close();
      await stopServer(server, 'SIGTERM');
    });
  }
});

function sortKeys(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)));
}
