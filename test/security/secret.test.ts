/**
 * Where the session secret comes from: the option, else NASC_SECRET, else the file the app names (created
 * 0600 when missing, its path logged, read back on the next start), else a random one in memory with a
 * warning. No file is ever written unasked.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { resolveSecret } from '../../server/security/secret.js';
import { SessionCodec } from '../../server/security/session-codec.js';
import { createMemoryLogger } from '../support/memory-logger.js';

describe('the session secret', () => {
  let dir: string;
  let cwd: string;
  let savedEnv: string | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nasc-secret-'));
    cwd = process.cwd();
    process.chdir(dir);
    savedEnv = process.env.NASC_SECRET;
    delete process.env.NASC_SECRET;
  });
  afterEach(() => {
    process.chdir(cwd);
    if (savedEnv === undefined) delete process.env.NASC_SECRET;
    else process.env.NASC_SECRET = savedEnv;
    rmSync(dir, { recursive: true, force: true });
  });

  test('none configured: a random one per start, a warning that says what to set, and no file', () => {
    const logger = createMemoryLogger();
    const first = resolveSecret({}, logger);
    const second = resolveSecret({}, createMemoryLogger());
    assert.notDeepEqual(first, second, 'each start has its own');
    assert.ok(first.length >= 32);
    assert.equal(logger.entries.length, 1);
    assert.equal(logger.entries[0]!.level, 'warn');
    assert.match(logger.entries[0]!.message, /no session secret configured.*NASC_SECRET.*secretFile/s);
    assert.deepEqual(readdirSync(dir), [], 'nothing written into the working directory');
  });

  test('NASC_SECRET, then the option, win over a file, silently', () => {
    process.env.NASC_SECRET = 'e'.repeat(40);
    const logger = createMemoryLogger();
    assert.equal(resolveSecret({ secretFile: 'never-made' }, logger).toString(), 'e'.repeat(40));
    assert.equal(resolveSecret({ secret: 'o'.repeat(32), secretFile: 'never-made' }, logger).toString(), 'o'.repeat(32));
    assert.deepEqual(logger.entries, []);
    assert.ok(!existsSync(join(dir, 'never-made')));
  });

  test('a named file is created 0600 with its path logged, then read back: sessions survive a restart', () => {
    const logger = createMemoryLogger();
    const made = resolveSecret({ secretFile: 'app.secret' }, logger);
    const file = join(dir, 'app.secret');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file, 'utf8').trim(), made.toString());
    assert.equal(logger.entries.length, 1);
    assert.equal(logger.entries[0]!.fields.file, file, 'the absolute path is logged');

    const restarted = createMemoryLogger();
    const read = resolveSecret({ secretFile: 'app.secret' }, restarted);
    assert.deepEqual(read, made);
    assert.ok(restarted.entries.every((entry) => entry.level === 'info'), 'reading it is no news');
    const token = new SessionCodec(made).issue().token;
    assert.ok(new SessionCodec(read).verify(token), 'a cookie signed before the restart is still valid');
  });

  test('a file too short to be a secret is replaced', () => {
    writeFileSync(join(dir, 'short.secret'), 'abc\n');
    const secret = resolveSecret({ secretFile: 'short.secret' }, createMemoryLogger());
    assert.ok(secret.length >= 32);
    assert.equal(readFileSync(join(dir, 'short.secret'), 'utf8').trim(), secret.toString());
  });
});
