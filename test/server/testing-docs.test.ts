import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const ROOT = new URL('../../../', import.meta.url);

test("docs/testing.md's example is the test that runs, word for word", () => {
  const doc = readFileSync(new URL('docs/testing.md', ROOT), 'utf8');
  const block = /## An example\n\n```ts\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(block, 'docs/testing.md has its example under "## An example"');
  const test = readFileSync(new URL('test/server/testing-example.test.ts', ROOT), 'utf8');
  // The repository's copy imports the sources; an app imports the package.
  const asAnAppWrites = test.replace("from '../../server/index.js'", "from 'nasc/server'").replace("from '../../testing/index.js'", "from 'nasc/testing'");
  assert.equal(block, asAnAppWrites);
});
