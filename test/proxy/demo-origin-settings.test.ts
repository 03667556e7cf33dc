/**
 * The demo's TRUST_PROXY and ALLOWED_ORIGINS settings: how they are read, and that they reach createNasc in
 * the real demo process (`node dist/demo/main.js`), seen from what its origin check and cookie do.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readDemoConfig } from '../../demo/demo-config.js';
import { freePort } from '../e2e/support/free-port.js';
import type { NodeProcess } from '../scale/support/cluster.js';
import { startDemoProcess } from './support/demo-process.js';

describe('readDemoConfig: TRUST_PROXY and ALLOWED_ORIGINS', () => {
  test('both are off unless set', () => {
    const config = readDemoConfig([], {});
    assert.equal(config.trustProxy, false);
    assert.deepEqual(config.allowedOrigins, []);
  });

  test('TRUST_PROXY takes the usual words for on', () => {
    for (const on of ['1', 'true', 'YES', ' on ']) assert.equal(readDemoConfig([], { TRUST_PROXY: on }).trustProxy, true, on);
    for (const off of ['', '0', 'false', 'no']) assert.equal(readDemoConfig([], { TRUST_PROXY: off }).trustProxy, false, off);
  });

  test('ALLOWED_ORIGINS is a comma-separated list of origins', () => {
    const config = readDemoConfig([], { ALLOWED_ORIGINS: ' https://App.Example.com , http://localhost:8080/,,' });
    assert.deepEqual(config.allowedOrigins, ['https://app.example.com', 'http://localhost:8080']);
  });

  test('anything in ALLOWED_ORIGINS that is not an origin stops the start, named', () => {
    for (const wrong of ['app.example.com', 'https://app.example.com/path', 'ftp://app.example.com', 'https://user@app.example.com', 'null']) {
      assert.throws(() => readDemoConfig([], { ALLOWED_ORIGINS: `https://ok.example, ${wrong}` }), new RegExp(`ALLOWED_ORIGINS holds "${wrong.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"`), wrong);
    }
  });
});

describe('the demo process with TRUST_PROXY=1 and ALLOWED_ORIGINS', () => {
  const LISTED = 'https://shop.example';
  const PUBLIC = 'https://proxy.example:8443';
  let demo: NodeProcess;

  before(async () => {
    demo = await startDemoProcess('origins', await freePort(), { NASC_MEMORY: '1', TRUST_PROXY: '1', ALLOWED_ORIGINS: LISTED });
  });
  after(() => demo?.stop());

  /** The refusal code of an event POST without a session: `no_session` means the origin check passed. */
  async function refusal(headers: Record<string, string>): Promise<string | undefined> {
    const response = await fetch(`${demo.baseUrl}/nasc/event`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify({ type: 'TodoList', instance: 'my-list', event: 'add_todo', payload: { title: 'x' }, eventId: 'origin-probe', clientId: 'origin-probe-client' }),
    });
    return ((await response.json()) as { code?: string }).code;
  }

  test('ALLOWED_ORIGINS: a listed origin passes the origin check, another does not', async () => {
    assert.equal(await refusal({ Origin: LISTED }), 'no_session');
    assert.equal(await refusal({ Origin: 'https://evil.example' }), 'forbidden_origin');
  });

  test("TRUST_PROXY: the page's origin is what X-Forwarded-Proto and -Host say", async () => {
    assert.equal(await refusal({ Origin: PUBLIC, 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'proxy.example:8443' }), 'no_session');
    // Without the proxy's headers, Node's own origin (http://127.0.0.1:port) is not the page's.
    assert.equal(await refusal({ Origin: PUBLIC }), 'forbidden_origin');
  });

  test('TRUST_PROXY: the session cookie is Secure when X-Forwarded-Proto says https', async () => {
    const cookieOf = async (headers: Record<string, string>): Promise<string> => {
      const response = await fetch(`${demo.baseUrl}/nasc/events?clientId=cookie-probe-${Math.random().toString(36).slice(2)}`, { headers });
      await response.body?.cancel();
      return response.headers.get('Set-Cookie') ?? '';
    };
    assert.match(await cookieOf({ 'X-Forwarded-Proto': 'https' }), /;\s*Secure/i);
    assert.doesNotMatch(await cookieOf({}), /;\s*Secure/i);
  });
});
