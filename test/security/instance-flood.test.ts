/**
 * Growing the store from outside: mounting instances nobody named before, from fresh sessions (which cost
 * nothing), used to create each one for good: 100,000 of them took a default server from 9 MB of heap to
 * 174 MB, and a process with a smaller heap died. Now creation is limited per session and per process, so a
 * server with default settings, in a child process with a small heap, stays up and its heap stays small.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { floodMounts } from '../support/mount-flood.js';

const SERVER = fileURLToPath(new URL('./support/flood-server.js', import.meta.url));
/** Below what 50,000 created instances of half a kilobyte take (about 60 MB), far above an idle server's 10 MB. */
const HEAP_LIMIT_MB = 64;
const SESSIONS = 500;
const PER_SESSION = 100;
/** A generous bound on the heap after the flood: what is left of it is sessions' buckets, not instances. */
const HEAP_AFTER_MB = 32;

async function startServer(): Promise<{ child: ChildProcess; port: number; stderr: () => string }> {
  const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_LIMIT_MB}`, '--expose-gc', SERVER], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-20_000);
  });
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code, signal) => reject(new Error(`the flood server exited before listening (${code ?? signal}): ${stderr}`)));
  });
  return { child, port, stderr: () => stderr };
}

describe('a flood of mounts of new instances from fresh sessions', () => {
  test(`${SESSIONS * PER_SESSION} mounts of distinct instances: a default server with a ${HEAP_LIMIT_MB} MB heap stays up and small`, { timeout: 120_000 }, async (t) => {
    const { child, port, stderr } = await startServer();
    t.after(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(`exited (${code ?? signal})`)));
    const started = performance.now();
    const flood = floodMounts(`ws://127.0.0.1:${port}/nasc/ws`, { sessions: SESSIONS, perSession: PER_SESSION, concurrency: 20, type: 'Doc', prefix: 'flood', timeoutMs: 90_000 });
    const outcome = await Promise.race([
      flood.then(
        (result) => ({ result }),
        // A server that dies cuts the sockets: its exit, when it comes, says more than the client's error.
        async (error: unknown) => ({ exit: await Promise.race([exited, flood.catch(() => `cut the flood (${String(error)})`)]) }),
      ),
      exited.then((exit) => ({ exit })),
    ]);
    assert.ok('result' in outcome, `the server ${'exit' in outcome ? outcome.exit : ''} under the flood; its stderr: ${stderr().slice(-2_000)}`);
    const seconds = (performance.now() - started) / 1000;
    const memory = (await (await fetch(`http://127.0.0.1:${port}/control/heap`)).json()) as NodeJS.MemoryUsage;
    t.diagnostic(`heap used after the flood: ${(memory.heapUsed / 2 ** 20).toFixed(1)} MB, RSS ${(memory.rss / 2 ** 20).toFixed(1)} MB`);
    assert.ok(memory.heapUsed < HEAP_AFTER_MB * 2 ** 20, `heap used ${(memory.heapUsed / 2 ** 20).toFixed(1)} MB after the flood`);
    const { acked, refused } = outcome.result;
    t.diagnostic(`${acked} created, refused ${JSON.stringify(refused)} in ${seconds.toFixed(1)} s`);
    assert.equal(acked + Object.values(refused).reduce((sum, count) => sum + count, 0), SESSIONS * PER_SESSION, 'every mount answered');
    assert.deepEqual(Object.keys(refused).sort().filter((code) => !['server_too_many_creations', 'too_many_creations'].includes(code)), [], 'refused only by the creation limits');
    // The process's budget: a burst of 200, then 20 a second.
    assert.ok(acked <= 200 + Math.ceil(20 * seconds) + 20, `${acked} instances created in ${seconds.toFixed(1)} s`);

    assert.equal(child.exitCode, null, 'the server is still running');
  });
});
