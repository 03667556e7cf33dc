/**
 * The browser bundles served like static assets: brotli or gzip when accepted (the build's precompressed
 * files, never a stale one), a strong ETag per coding and a 304 on revalidation, `no-cache` on the plain
 * names and `immutable` on the content-hashed ones that `nasc.clientScript()` names.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { createNasc, type Nasc } from '../../server/index.js';
import { chooseCoding } from '../../server/hono/accept-encoding.js';
import { addClientScriptRoutes, ClientScripts } from '../../server/hono/client-script-route.js';
import { createMemoryLogger } from '../support/memory-logger.js';
import { createTestApp } from '../support/test-app.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const CLIENT_DIR = new URL('../../client/', import.meta.url);
const built = (file: string): Buffer => readFileSync(new URL(file, CLIENT_DIR));
const IMMUTABLE = 'public, max-age=31536000, immutable';

function decode(response: Response, body: Buffer): Buffer {
  const coding = response.headers.get('Content-Encoding');
  if (coding === 'br') return brotliDecompressSync(body);
  if (coding === 'gzip') return gunzipSync(body);
  assert.equal(coding, null);
  return body;
}

async function get(app: Hono, path: string, headers: Record<string, string> = {}): Promise<{ response: Response; body: Buffer }> {
  const response = await app.request(path, { headers });
  return { response, body: Buffer.from(await response.arrayBuffer()) };
}

describe('the browser bundles as static assets', () => {
  let nasc: Nasc;
  let app: Hono;

  before(() => {
    nasc = createNasc({ handlers: createTestApp().handlers, logger: createMemoryLogger(), sessions: { secret: 'nasc-test-secret-0123456789abcdefghijklmnop' } });
    app = new Hono().route('/nasc', nasc.app);
  });
  after(() => nasc.close());

  for (const [accept, coding] of [
    [undefined, null],
    ['gzip', 'gzip'],
    ['gzip, deflate, br', 'br'],
    ['br;q=0.5, gzip', 'gzip'],
    ['*', 'br'],
    ['gzip;q=0, br;q=0', null],
    ['identity;q=0, gzip;q=0.1', 'gzip'],
  ] as const) {
    test(`Accept-Encoding: ${accept ?? '(none)'} → ${coding ?? 'identity'}, the bundle's exact bytes`, async () => {
      for (const file of ['nasc.js', 'nasc.dev.js']) {
        const { response, body } = await get(app, `/nasc/${file}`, accept === undefined ? {} : { 'Accept-Encoding': accept });
        assert.equal(response.status, 200);
        assert.equal(response.headers.get('Content-Encoding'), coding);
        assert.equal(response.headers.get('Cache-Control'), 'no-cache');
        assert.equal(response.headers.get('Vary'), 'Accept-Encoding');
        assert.match(response.headers.get('Content-Type') ?? '', /^text\/javascript/);
        assert.ok(decode(response, body).equals(built(file)), `${file} decodes to the built file`);
        // The build's precompressed forms are what is sent.
        if (coding) assert.ok(body.equals(built(`${file}.${coding === 'gzip' ? 'gz' : 'br'}`)), `${file} is sent precompressed`);
      }
    });
  }

  test('a strong ETag per coding; If-None-Match (weak comparison) answers 304 with no body', async () => {
    const tags = new Set<string>();
    for (const accept of ['identity', 'gzip', 'br']) {
      const first = await get(app, '/nasc/nasc.js', { 'Accept-Encoding': accept });
      const etag = first.response.headers.get('ETag')!;
      assert.match(etag, /^"[\w-]+"$/, 'a strong validator');
      tags.add(etag);
      for (const condition of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
        const again = await get(app, '/nasc/nasc.js', { 'Accept-Encoding': accept, 'If-None-Match': condition });
        assert.equal(again.response.status, 304, condition);
        assert.equal(again.body.length, 0);
        assert.equal(again.response.headers.get('ETag'), etag);
        assert.equal(again.response.headers.get('Cache-Control'), 'no-cache');
      }
      const changed = await get(app, '/nasc/nasc.js', { 'Accept-Encoding': accept, 'If-None-Match': '"an-older-build"' });
      assert.equal(changed.response.status, 200);
    }
    assert.equal(tags.size, 3, 'each coding is its own representation');
  });

  test('nasc.clientScript() names a content-hashed URL served with immutable caching', async () => {
    for (const [name, file] of [
      [nasc.clientScript(), 'nasc.js'],
      [nasc.clientScript({ dev: true }), 'nasc.dev.js'],
    ] as const) {
      assert.match(name, new RegExp(`^${file.replace(/\.js$/, '').replaceAll('.', '\\.')}\\.[0-9a-f]{12}\\.js$`));
      const { response, body } = await get(app, `/nasc/${name}`, { 'Accept-Encoding': 'br' });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('Cache-Control'), IMMUTABLE);
      assert.ok(decode(response, body).equals(built(file)));
    }
  });

  test('a hash from another build is sent to the plain name, uncached', async () => {
    const { response } = await get(app, '/nasc/nasc.0123456789ab.js');
    assert.equal(response.status, 307);
    assert.equal(response.headers.get('Location'), 'nasc.js');
    assert.equal(response.headers.get('Cache-Control'), 'no-cache');
    assert.equal((await get(app, '/nasc/nasc.dev.0123456789ab.js')).response.headers.get('Location'), 'nasc.dev.js');
  });

  test('the dev bundle’s source map is served too', async () => {
    const { response, body } = await get(app, '/nasc/nasc.dev.js.map', { 'Accept-Encoding': 'gzip' });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('Content-Type') ?? '', /^application\/json/);
    assert.ok(decode(response, body).equals(built('nasc.dev.js.map')));
  });
});

describe('the browser bundles from another folder', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nasc-client-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a precompressed file from another build is never sent: the bytes are compressed again', async () => {
    copyFileSync(new URL('nasc.js', CLIENT_DIR), join(dir, 'nasc.js'));
    writeFileSync(join(dir, 'nasc.js.br'), brotliCompressSync('export const stale = true;'));
    writeFileSync(join(dir, 'nasc.js.gz'), gzipSync('export const stale = true;'));
    const app = new Hono();
    addClientScriptRoutes(app, new ClientScripts(pathToFileURL(`${dir}/`)));
    for (const coding of ['br', 'gzip']) {
      const { response, body } = await get(app, '/nasc.js', { 'Accept-Encoding': coding });
      assert.equal(response.headers.get('Content-Encoding'), coding);
      assert.ok(decode(response, body).equals(built('nasc.js')), `${coding}: the current bytes`);
    }
  });

  test('a bundle not built answers 500 bundle_missing, and the hashed name falls back to the plain one', async () => {
    const app = new Hono();
    const scripts = new ClientScripts(pathToFileURL(`${dir}/missing/`));
    addClientScriptRoutes(app, scripts);
    const { response, body } = await get(app, '/nasc.dev.js');
    assert.equal(response.status, 500);
    assert.equal(JSON.parse(body.toString()).code, 'bundle_missing');
    assert.equal(scripts.hashedName('nasc.dev.js'), 'nasc.dev.js');
  });
});

describe('Accept-Encoding', () => {
  test('the highest weight wins, brotli before gzip before identity at equal weights', () => {
    assert.equal(chooseCoding(undefined), 'identity');
    assert.equal(chooseCoding(''), 'identity');
    assert.equal(chooseCoding('GZIP'), 'gzip');
    assert.equal(chooseCoding('x-gzip'), 'gzip');
    assert.equal(chooseCoding('gzip;q=1.0, br;q=0.9'), 'gzip');
    assert.equal(chooseCoding('br, gzip'), 'br');
    assert.equal(chooseCoding('deflate'), 'identity');
    assert.equal(chooseCoding('*;q=0'), 'identity');
    assert.equal(chooseCoding('br;q=nonsense, gzip'), 'gzip');
  });
});

describe('the bundle over HTTP', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ handlers: createTestApp().handlers });
  });
  after(() => server.close());

  /** The bytes on the wire (node:http does not decode), with the headers. */
  function raw(path: string, accept: string): Promise<{ status: number; headers: Record<string, unknown>; bytes: number }> {
    return new Promise((resolve, reject) => {
      const req = request(`${server.baseUrl}${path}`, { headers: { 'Accept-Encoding': accept } }, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes }));
      });
      req.once('error', reject);
      req.end();
    });
  }

  test('sends the compressed bytes with their length', async (t) => {
    const sizes: string[] = [];
    for (const [accept, coding] of [['identity', undefined], ['gzip', 'gzip'], ['br', 'br']] as const) {
      const answer = await raw('/nasc/nasc.js', accept);
      assert.equal(answer.status, 200);
      assert.equal(answer.headers['content-encoding'], coding);
      assert.equal(Number(answer.headers['content-length']), answer.bytes);
      sizes.push(`${coding ?? 'identity'} ${answer.bytes} B`);
    }
    t.diagnostic(`/nasc/nasc.js as sent: ${sizes.join(', ')}`);
  });
});
