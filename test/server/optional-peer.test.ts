/**
 * Optional peers are loaded when used; a missing one is named with what to install. (The packed package
 * without them is tested in test/package/getting-started.test.ts.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadOptionalPeer } from '../../server/util/optional-peer.js';

test('an installed peer is loaded synchronously', () => {
  const sqlite = loadOptionalPeer<(path: string) => { close(): void }>('better-sqlite3', 'SqliteStore');
  assert.equal(typeof sqlite, 'function');
});

test('a missing peer: the part that needs it, and the command that installs it', () => {
  assert.throws(
    () => loadOptionalPeer('nasc-test-no-such-package', 'SomeStore'),
    (error: Error) => {
      assert.equal(error.message, 'SomeStore needs the nasc-test-no-such-package package, which is not installed: run npm install nasc-test-no-such-package');
      assert.equal((error.cause as NodeJS.ErrnoException).code, 'MODULE_NOT_FOUND');
      return true;
    },
  );
});
