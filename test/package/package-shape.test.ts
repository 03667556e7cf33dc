/**
 * The packed package (`npm pack`, prepack included): only the library (under 150 files: no tests,
 * benchmarks, demo or sources), every export present with its declarations, the entries loadable in Node,
 * a test of the test kit run from it, and a strict TypeScript app that uses every entry type-checking against the installed package, with real
 * types (not `any`), and without the optional peers installed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { cleanEnv, packNasc, REPO_ROOT, runShell, temporaryDirectory } from './support/packed-nasc.js';

const MAX_FILES = 150;
const TSC = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types: string; default: string }>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};

/** A TypeScript app using every entry; each `@ts-expect-error` fails the check if its type were `any`. */
const TYPESCRIPT_APP = `
import { createNasc, defineHandler, MemoryStore, NascError, SqliteStore, redisBackend, type Nasc } from 'nasc/server';
import { getPageConnection, ScopeController, type PageConnection } from 'nasc/elements';
import type { Patch } from 'nasc/protocol';
import { startTestServer, type TestServer } from 'nasc/testing';
import { connect } from 'nasc/client/nasc.js';

interface Counter { count: number }
const Counter = defineHandler<Counter>({
  mount: () => ({ count: 0 }),
  increment: (_payload, state) => ({ count: state.count + 1 }),
});
const nasc: Nasc = createNasc({ handlers: { Counter }, store: new MemoryStore() });
// @ts-expect-error clientScript() names a file
const wrong: number = nasc.clientScript();
// @ts-expect-error the ws server is typed (ws's types come with Nasc)
const clients: string = nasc.websocket.server.clients;
// @ts-expect-error the state type is checked
defineHandler<Counter>({ mount: () => ({ count: 'zero' }) });
const connection: PageConnection = getPageConnection();
// @ts-expect-error a PageConnection is typed
const state: number = connection.state;
const patches: Patch[] = [];
// @ts-expect-error startTestServer returns a TestServer
const served: TestServer = startTestServer;
export { served, wrong, clients, state, patches, connection, ScopeController, connect, SqliteStore, redisBackend, NascError };
`;

describe('the packed package', () => {
  const work = temporaryDirectory('nasc-package-');
  const appDir = join(work.path, 'app');
  let tarball: string;
  let files: string[];

  before(async () => {
    tarball = await packNasc(work.path);
    const { stdout } = await promisify(execFile)('tar', ['-tzf', tarball]);
    files = stdout.split('\n').filter((line) => line !== '' && !line.endsWith('/')).map((line) => line.replace(/^package\//, ''));
  });
  after(() => work.remove());

  test(`holds the library only, in under ${MAX_FILES} files`, (t) => {
    t.diagnostic(`${files.length} files: ${[...files].sort().join(', ')}`);
    assert.ok(files.length < MAX_FILES, `${files.length} files`);
    for (const required of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/client/nasc.js', 'dist/client/nasc.js.br', 'dist/client/nasc.js.gz']) {
      assert.ok(files.includes(required), `${required} is in the tarball`);
    }
    const stray = files.filter(
      (file) =>
        !['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'].includes(file) &&
        !/^dist\/lib\/(server|elements|protocol|testing)\/.*\.(d\.ts|js)$/.test(file) &&
        !/^dist\/client\/[\w.-]+$/.test(file),
    );
    assert.deepEqual(stray, [], 'nothing but the bundles, their declarations and the browser bundles');
    const jsModules = files.filter((file) => file.startsWith('dist/lib/') && file.endsWith('.js') && !file.endsWith('.d.ts'));
    assert.deepEqual(jsModules.sort(), ['dist/lib/elements/index.js', 'dist/lib/protocol/index.js', 'dist/lib/server/index.js', 'dist/lib/testing/index.js'], 'one module per entry');
  });

  test('every export’s files are in it', () => {
    for (const [entry, target] of Object.entries(manifest.exports)) {
      for (const file of typeof target === 'string' ? [target] : [target.types, target.default]) {
        assert.ok(files.includes(file.replace(/^\.\//, '')), `${entry}: ${file}`);
      }
    }
  });

  test('installs without the optional peers, and its entries load (Node) or resolve (browser)', async (t) => {
    const optional = Object.keys(manifest.peerDependenciesMeta).filter((name) => manifest.peerDependenciesMeta[name]!.optional);
    assert.deepEqual(optional.sort(), ['@opentelemetry/api', 'better-sqlite3', 'ioredis', 'prom-client']);
    const required = Object.keys(manifest.peerDependencies).filter((name) => !optional.includes(name));
    await runShell(`mkdir app && cd app && npm init -y >/dev/null && npm pkg set type=module`, work.path);
    const installed = await runShell(`npm install '${tarball}' ${required.join(' ')} && npm install --save-dev @types/node@20`, appDir);
    t.diagnostic(`installed in ${(installed.ms / 1000).toFixed(1)} s`);
    const script = `
      import { existsSync } from 'node:fs';
      import { fileURLToPath } from 'node:url';
      const server = await import('nasc/server');
      const protocol = await import('nasc/protocol');
      const testing = await import('nasc/testing');
      if (typeof server.createNasc !== 'function' || typeof protocol.parseJsonGuarded !== 'function') throw new Error('missing exports');
      // The kit drives the app's own server module, not a copy of it.
      const Counter = server.defineHandler({ mount: () => ({ count: 0 }), increment: (_p, state) => ({ count: state.count + 1 }) });
      const served = await testing.startTestServer({ handlers: { Counter } });
      try {
        const client = await served.connect(testing.transports[1]);
        const counter = await client.mount('Counter', 'main');
        await counter.expectApplied('increment');
        if (counter.state.count !== 1) throw new Error('the test kit did not count: ' + JSON.stringify(counter.state));
      } finally {
        await served.close();
      }
      for (const entry of ['nasc/elements', 'nasc/client/nasc.js', 'nasc/client/nasc.dev.js']) {
        if (!existsSync(fileURLToPath(import.meta.resolve(entry)))) throw new Error(entry + ' does not resolve to a file');
      }
      const nasc = server.createNasc({ handlers: {}, sessions: { secret: 'x'.repeat(32) } });
      console.log(nasc.clientScript());
      await nasc.close();
    `;
    writeFileSync(join(appDir, 'load.js'), script);
    const loaded = await runShell('node load.js', appDir, cleanEnv());
    assert.match(loaded.output.trim(), /^nasc\.[0-9a-f]{12}\.js$/, 'the server finds the browser bundle inside the package');
  });

  test('a strict TypeScript app type-checks against the declarations, with real types', async () => {
    writeFileSync(join(appDir, 'app.ts'), TYPESCRIPT_APP);
    const compilerOptions = { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM'], strict: true, skipLibCheck: true, noEmit: true, types: ['node'] };
    writeFileSync(join(appDir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['app.ts'] }));
    await runShell(`node '${TSC}' -p .`, appDir);
  });
});
