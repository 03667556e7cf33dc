import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The repository, seen from dist/test/package/support/. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** npm and its scripts can be slow on two noisy cores: `npm pack` runs the library build (prepack). */
const PACK_TIMEOUT_MS = 240_000;
/** Installing from the registry, with a cold cache on a fresh CI machine. */
export const INSTALL_TIMEOUT_MS = 300_000;

/**
 * The environment for npm and apps run by a test: this process's, without what an enclosing `npm test`
 * set (`npm_config_*`, `npm_lifecycle_*`, `INIT_CWD`…), which would point a nested npm at this repository,
 * and without prompts, audits and funding requests, which talk to the network for nothing.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== 'INIT_CWD' && key !== 'NODE_OPTIONS' && key !== 'NASC_SECRET') env[key] = value;
  }
  return { ...env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', npm_config_yes: 'true', ...extra };
}

/** Packs this repository as `npm pack` does (its prepack builds the library): the tarball's path. */
export async function packNasc(destination: string): Promise<string> {
  await promisify(execFile)('npm', ['pack', '--silent', '--pack-destination', destination], {
    cwd: REPO_ROOT,
    env: cleanEnv(),
    timeout: PACK_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  });
  const tarball = readdirSync(destination).find((name) => /^nasc-.*\.tgz$/.test(name));
  if (!tarball) throw new Error(`npm pack left no nasc-*.tgz in ${destination}`);
  return join(destination, tarball);
}

/** What a shell script printed, and how long it took. */
export interface ShellResult {
  output: string;
  ms: number;
}

/** Runs `script` in `sh -e` in `cwd`; rejects with its output when a command fails. */
export function runShell(script: string, cwd: string, env: NodeJS.ProcessEnv = cleanEnv(), timeoutMs = INSTALL_TIMEOUT_MS): Promise<ShellResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-e', '-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ output, ms: Date.now() - started });
      else reject(new Error(`sh -c failed (${code ?? signal}) in ${cwd}:\n${script}\n--- output ---\n${output}`));
    });
  });
}

/** A fresh temporary directory, and how to remove it. */
export function temporaryDirectory(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
