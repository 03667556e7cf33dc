/**
 * The browser bundle under a strict Content-Security-Policy (`script-src 'self'`, no `'unsafe-eval'`): it
 * must not evaluate strings as code. Checked on the bundles as the server serves them; skipped when they
 * have not been built (`npm run build`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp } from '../support/test-app.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** Ways of turning a string into code, which `script-src` without `'unsafe-eval'` blocks. */
const EVAL_LIKE: readonly [string, RegExp][] = [
  ['eval(', /(^|[^\w$.])eval\s*\(/],
  ['new Function(', /new\s+Function\s*\(/],
  ['Function("…")', /(^|[^\w$.])Function\s*\(\s*["'`]/],
  ['setTimeout with a string', /setTimeout\s*\(\s*["'`]/],
  ['setInterval with a string', /setInterval\s*\(\s*["'`]/],
  ['document.write', /document\.write(ln)?\s*\(/],
];

describe('the browser bundle under a strict CSP', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ handlers: createTestApp().handlers });
  });
  after(() => server.close());

  for (const file of ['nasc.js', 'nasc.dev.js', 'na-traffic.js']) {
    test(`${file} evaluates no strings as code`, async (t) => {
      const response = await fetch(`${server.baseUrl}/nasc/${file}`);
      const body = await response.text();
      if (response.status === 500 && body.includes('bundle_missing')) {
        t.skip('the bundles are not built (npm run build)');
        return;
      }
      assert.equal(response.status, 200);
      assert.match(response.headers.get('Content-Type') ?? '', /^text\/javascript/);
      for (const [label, pattern] of EVAL_LIKE) assert.doesNotMatch(body, pattern, `${file} uses ${label}`);
    });
  }
});
