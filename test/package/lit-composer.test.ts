/**
 * docs/lit-composers.md's example, compiled exactly as the guide says (its file, its commands: npm install,
 * then esbuild with the guide's settings) against the packed tarball, then loaded in Chromium on a page that
 * also loads the prebuilt `/nasc/nasc.js`, in either order, over SSE and WebSocket: two copies of Nasc on one
 * page, which must make one set of element definitions and one connection, and both work.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, WAIT_MS } from '../e2e/support/browser.js';
import { freePort } from '../e2e/support/free-port.js';
import { AppProcess } from './support/app-process.js';
import { readGuide } from './support/guide.js';
import { watchProblems } from './support/page-problems.js';
import { packNasc, REPO_ROOT, runShell, temporaryDirectory } from './support/packed-nasc.js';

const GETTING_STARTED = new URL('../../../docs/getting-started.md', import.meta.url);
const LIT_GUIDE = new URL('../../../docs/lit-composers.md', import.meta.url);
const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };

/**
 * The server of this test (not the guide's): a TodoList the example can show and add to, the page with a
 * plain `<na-scope>` beside the component, its two scripts in the order asked, and the compiled component.
 */
const SERVER = `
import { readFileSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createNasc, defineHandler } from 'nasc/server';

const TodoList = defineHandler({
  mount: () => ({ items: [], remaining: 0 }),
  add_todo: ({ title }, state) => {
    const items = [...state.items, { id: String(state.items.length + 1), title, completed: false }];
    return { items, remaining: items.filter((item) => !item.completed).length };
  },
});
const nasc = createNasc({ handlers: { TodoList }, sessions: { secret: 'lit-composer-test-secret-0123456789abcdef' } });
const scripts = { nasc: '<script type="module" src="/nasc/nasc.js"></script>', app: '<script type="module" src="/todo-summary.js"></script>' };
const app = new Hono()
  .route('/nasc', nasc.app)
  .get('/todo-summary.js', (c) => c.body(readFileSync('public/todo-summary.js', 'utf8'), 200, { 'Content-Type': 'text/javascript' }))
  .get('/', (c) => {
    const order = c.req.query('order') === 'app-first' ? [scripts.app, scripts.nasc] : [scripts.nasc, scripts.app];
    return c.html('<!doctype html><meta charset="utf-8">' + order.join('') +
      '<na-scope type="TodoList" instance="my-list">Left: <na-bind id="remaining" prop="remaining">…</na-bind></na-scope>' +
      '<todo-summary></todo-summary>');
  });
nasc.attach(serve({ fetch: app.fetch, port: Number(process.env.PORT) }));
`;

/** Counts the page's streams: SSE requests to /nasc/events and WebSockets to /nasc/ws. */
function countStreams(page: Page): { sse: number; ws: number } {
  const count = { sse: 0, ws: 0 };
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/nasc/events') count.sse++;
  });
  page.on('websocket', (socket) => {
    if (new URL(socket.url()).pathname === '/nasc/ws') count.ws++;
  });
  return count;
}

describe('the Lit guide’s example, bundled from the packed package, beside /nasc/nasc.js', () => {
  const work = temporaryDirectory('nasc-lit-');
  const appDir = join(work.path, 'app');
  let browser: Browser;
  let app: AppProcess | undefined;

  before(async () => {
    browser = await launchBrowser();
    mkdirSync(appDir);
  });
  after(async () => {
    await app?.stop();
    await browser?.close();
    work.remove();
  });

  test('compiles with the guide’s commands and settings', async (t) => {
    const tarball = await packNasc(work.path);
    const setup = readGuide(GETTING_STARTED).find((step) => step.kind === 'run')!;
    // The getting-started project, in this directory: its npm commands, with the tarball for `nasc`.
    const npmLines = setup.text.split('\n').filter((line) => line.startsWith('npm '));
    await runShell(npmLines.join('\n').replace(/(?<=npm install .*)(?<=\s)nasc(?=\s|$)/, `'${tarball}'`), appDir);
    for (const step of readGuide(LIT_GUIDE)) {
      if (step.kind === 'file') {
        mkdirSync(dirname(join(appDir, step.path)), { recursive: true });
        writeFileSync(join(appDir, step.path), step.text);
      } else if (step.kind === 'run') {
        const ran = await runShell(step.text, appDir);
        t.diagnostic(`${(ran.ms / 1000).toFixed(1)} s: ${step.text.trim().split('\n').join('; ')}`);
      }
    }
    writeFileSync(join(appDir, 'server.js'), SERVER);
    app = await AppProcess.start('node server.js', appDir, await freePort());
  });

  for (const order of ['nasc-first', 'app-first'] as const) {
    for (const transport of ['sse', 'ws'] as const) {
      test(`${order}, over ${transport}: both work, one element definition, one connection`, async () => {
        assert.ok(app, 'the app was built and started');
        const context = await browser.newContext();
        const page = await context.newPage();
        page.setDefaultTimeout(WAIT_MS);
        const problems: string[] = [];
        watchProblems(page, problems);
        const streams = countStreams(page);
        try {
          await page.goto(`${app.origin}/?order=${order}&transport=${transport}`);
          const summary = page.locator('todo-summary p').first();
          await summary.filter({ hasText: /^\d+ of \d+ left$/ }).waitFor();
          const remaining = page.locator('#remaining');
          await remaining.filter({ hasText: /^\d+$/ }).waitFor();
          const start = Number(await remaining.innerText());
          assert.match(await summary.innerText(), new RegExp(`^${start} of \\d+ left$`), 'the component and the scope show the same state');

          // The component's button (inside its shadow root) sends through the page's one connection.
          await page.locator('todo-summary').getByRole('button', { name: 'Add one' }).click();
          await remaining.filter({ hasText: new RegExp(`^${start + 1}$`) }).waitFor();
          await summary.filter({ hasText: new RegExp(`^${start + 1} of \\d+ left$`) }).waitFor();

          const share = await page.evaluate(() => {
            const shared = (globalThis as unknown as Record<symbol, { versions: string[] } | undefined>)[Symbol.for('nasc.page')];
            return { versions: shared?.versions, transport: (shared as { connection?: { transport?: string } } | undefined)?.connection?.transport };
          });
          assert.deepEqual(share.versions, [version, version], 'both copies ran, and they are this release');
          assert.equal(share.transport, transport);
          assert.deepEqual(streams, transport === 'sse' ? { sse: 1, ws: 0 } : { sse: 0, ws: 1 }, 'one stream for the page');
          assert.deepEqual(problems, [], 'no errors or warnings (a second define would throw)');
        } finally {
          await context.close();
        }
      });
    }
  }
});
