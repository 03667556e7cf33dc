import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';

// The budget of issue 3: one minified ES module, Lit included, at most 12 KB (12,288 B) gzip -9.
const BUDGET_BYTES = 12 * 1024;
const bundle = readFileSync(new URL('../../client/nasc.js', import.meta.url));

test('the production bundle fits the size budget', (t) => {
  const gzipped = gzipSync(bundle, { level: 9 }).byteLength;
  t.diagnostic(`nasc.js: ${bundle.byteLength} B minified, ${gzipped} B gzip -9 (budget ${BUDGET_BYTES} B)`);
  assert.ok(gzipped <= BUDGET_BYTES, `nasc.js is ${gzipped} B gzipped, over the ${BUDGET_BYTES} B budget`);
});

test('the production bundle is self-contained and free of dev-only code', () => {
  const text = bundle.toString('utf8');
  assert.doesNotMatch(text, /^\s*import\s/m, 'the bundle must not import anything: Lit is bundled in');
  assert.doesNotMatch(text, /Nasc dev warnings/, 'the dev overlay must be stripped from the production bundle');
  assert.doesNotMatch(text, /matched by position|is not inside an <na-scope>/, 'dev warnings must be stripped from the production bundle');
  assert.doesNotMatch(text, /na-traffic|before this panel listened/, 'the traffic panel belongs to the dev bundle and /nasc/na-traffic.js only');
  assert.doesNotMatch(text, /did you mean|manifest/, 'the manifest checks must be stripped from the production bundle');
  assert.match(text, /na-scope/);
});

test('the dev bundle checks names against the manifest', () => {
  const dev = readFileSync(new URL('../../client/nasc.dev.js', import.meta.url), 'utf8');
  assert.match(dev, /did you mean/);
  assert.match(dev, /manifest/);
});

test('the traffic panel comes with the dev bundle, and alone in na-traffic.js without a connection of its own', () => {
  const dev = readFileSync(new URL('../../client/nasc.dev.js', import.meta.url), 'utf8');
  assert.match(dev, /customElements\.define\("na-traffic"/, 'nasc.dev.js defines <na-traffic>');
  const panel = readFileSync(new URL('../../client/na-traffic.js', import.meta.url), 'utf8');
  assert.match(panel, /na-traffic/);
  assert.match(panel, /context-request/, 'it asks the page for its connection');
  // What opening a stream or keeping an outbox takes: the panel records the page's connection, never its own.
  assert.doesNotMatch(panel, /EventSource|WebSocket|sessionStorage/, 'na-traffic.js must not carry a page connection');
});
