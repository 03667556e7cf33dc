/**
 * docs/getting-started.md, followed literally: the packed tarball (`npm pack`, prepack included), then the
 * guide's own commands and files, copied out of the markdown (only `npm install nasc` gets the tarball's path
 * for `nasc`), the app started as the guide starts it, and both steps clicked through in two Chromium
 * windows over SSE and over WebSocket. Also what the guide promises along the way: one warning about the
 * secret and no file written for it, no optional peer installed, and the message a missing one gives.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, WAIT_MS } from '../e2e/support/browser.js';
import { freePort } from '../e2e/support/free-port.js';
import { AppProcess } from './support/app-process.js';
import { quotedInGuide, readGuide, type GuideStep } from './support/guide.js';
import { watchProblems } from './support/page-problems.js';
import { cleanEnv, packNasc, runShell, temporaryDirectory } from './support/packed-nasc.js';

const GUIDE = new URL('../../../docs/getting-started.md', import.meta.url);
const TRANSPORTS = ['sse', 'ws'] as const;

/** The guide's steps, split where it starts the app: setup and step 2, then step 3. */
function stages(steps: GuideStep[]): GuideStep[][] {
  const result: GuideStep[][] = [[]];
  for (const step of steps) {
    result.at(-1)!.push(step);
    if (step.kind === 'start') result.push([]);
  }
  return result.filter((stage) => stage.length > 0);
}

/** `npm install nasc …` → `npm install '<tarball>' …`: the one change the test makes to the guide. */
function withTarball(script: string, tarball: string): string {
  return script.replace(/^(npm install .*?)(?<=\s)nasc(?=\s|$)/gm, `$1'${tarball}'`);
}

/** Two windows of the page in their own browser contexts (two users), and what went wrong in them. */
async function openWindows(browser: Browser, url: string, problems: string[]): Promise<Page[]> {
  const pages: Page[] = [];
  for (const name of ['A', 'B']) {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    watchProblems(page, problems, name);
    await page.goto(url);
    pages.push(page);
  }
  return pages;
}

/** Waits until every scope on the page says it is live, and the page's connection uses `transport`. */
async function waitLive(page: Page, transport: string): Promise<void> {
  await page.waitForFunction(() => {
    const scopes = [...document.querySelectorAll('na-scope')];
    return scopes.length > 0 && scopes.every((scope) => scope.getAttribute('status') === 'live');
  });
  const nasc = '/nasc/nasc.dev.js';
  const used = await page.evaluate(async (url) => ((await import(url)) as { getPageConnection(): { transport?: string } }).getPageConnection().transport, nasc);
  assert.equal(used, transport);
}

const counter = (page: Page): Promise<number> => page.locator('na-scope[type="Counter"] na-bind[prop="count"]').innerText().then(Number);

describe('docs/getting-started.md, followed literally', () => {
  const work = temporaryDirectory('nasc-getting-started-');
  let browser: Browser;
  let appDir: string;
  let app: AppProcess | undefined;
  let port: number;
  const [setupAndCounter = [], listStep = []] = stages(readGuide(GUIDE));

  before(async () => {
    browser = await launchBrowser();
    port = await freePort();
  });
  after(async () => {
    await app?.stop();
    await browser?.close();
    work.remove();
  });

  /** Does what the guide says, step by step, up to and including its `start` (which is left running). */
  async function follow(stage: GuideStep[], tarball: string, note: (line: string) => void): Promise<void> {
    for (const step of stage) {
      if (step.kind === 'run') {
        const ran = await runShell(withTarball(step.text, tarball), appDir ?? work.path);
        // The first block makes the app's directory (mkdir … && cd …): later steps happen inside it.
        appDir ??= join(work.path, /^mkdir (\S+)/m.exec(step.text)?.[1] ?? '.');
        note(`${(ran.ms / 1000).toFixed(1)} s: ${step.text.trim().split('\n').join('; ')}`);
      } else if (step.kind === 'file') {
        writeFileSync(join(appDir, step.path), step.text);
      } else {
        await app?.stop();
        app = await AppProcess.start(step.text, appDir, port);
      }
    }
  }

  test('the guide marks its setup, its files and where it starts the app', () => {
    const kinds = [...setupAndCounter, ...listStep].map((step) => (step.kind === 'file' ? `file ${step.path}` : step.kind));
    assert.deepEqual(kinds, ['run', 'file server.js', 'file index.html', 'start', 'file todos.js', 'file server.js', 'file index.html']);
  });

  test('step 1 and 2: installed from the tarball, the counter counts in two windows over SSE and WebSocket', async (t) => {
    const tarball = await packNasc(work.path);
    await follow(setupAndCounter, tarball, (line) => t.diagnostic(line));
    assert.ok(app?.running, 'the app runs');
    const installed = readdirSync(join(appDir, 'node_modules'));
    for (const optional of ['better-sqlite3', 'ioredis']) assert.ok(!installed.includes(optional), `${optional} is not installed`);
    assert.match(app.output, /no session secret configured/, 'the server warns about the secret, as the guide says');

    for (const transport of TRANSPORTS) {
      const problems: string[] = [];
      const [a, b] = await openWindows(browser, `${app.origin}/?transport=${transport}`, problems);
      await Promise.all([waitLive(a!, transport), waitLive(b!, transport)]);
      const start = await counter(a!);
      await a!.getByRole('button', { name: '+1' }).click();
      await b!.waitForFunction((expected) => document.querySelector('na-bind[prop="count"]')?.textContent === String(expected), start + 1);
      await a!.getByRole('button', { name: '+1' }).click();
      await b!.getByRole('button', { name: '+1' }).click();
      for (const page of [a!, b!]) {
        await page.waitForFunction((expected) => document.querySelector('na-bind[prop="count"]')?.textContent === String(expected), start + 3);
      }
      assert.deepEqual(problems, [], `no warnings or errors in the pages over ${transport}`);
      await Promise.all([a!.context().close(), b!.context().close()]);
      t.diagnostic(`counter over ${transport}: counted in both windows`);
    }
  });

  test('step 3: a refused title shows in its own window only; items are added, ticked and removed in both', async () => {
    assert.ok(app, 'step 2 started the app');
    await follow(listStep, '', () => undefined);
    // "Restart the server (Ctrl+C, then node server.js)".
    const start = setupAndCounter.find((step) => step.kind === 'start')!;
    await app.stop();
    app = await AppProcess.start(start.text, appDir, port);

    for (const transport of TRANSPORTS) {
      const problems: string[] = [];
      const [a, b] = await openWindows(browser, `${app.origin}/?transport=${transport}`, problems);
      await Promise.all([waitLive(a!, transport), waitLive(b!, transport)]);
      const input = a!.getByRole('textbox', { name: 'New todo' });
      const alertA = a!.locator('na-scope[type="Todos"] [role="alert"]');

      await a!.getByRole('button', { name: 'Add' }).click();
      await alertA.filter({ hasText: 'Write something first.' }).waitFor();
      assert.equal(await b!.locator('na-scope[type="Todos"] [role="alert"]').innerText(), '', 'the other window shows no error');

      const title = `Milk over ${transport}`;
      await input.fill(title);
      await input.press('Enter');
      for (const page of [a!, b!]) await page.getByRole('listitem').filter({ hasText: title }).waitFor();
      await a!.waitForFunction(() => (document.querySelector('input[name="title"]') as HTMLInputElement).value === '');
      assert.equal(await alertA.innerText(), '', 'an accepted event clears the error');

      await b!.getByRole('listitem').filter({ hasText: title }).getByRole('checkbox').click();
      await a!.getByRole('listitem').filter({ hasText: title }).getByRole('checkbox', { checked: true }).waitFor();
      await b!.getByRole('listitem').filter({ hasText: title }).getByRole('button', { name: 'Remove' }).click();
      for (const page of [a!, b!]) await page.getByRole('listitem').filter({ hasText: title }).waitFor({ state: 'detached' });
      assert.equal(await counter(a!), await counter(b!), 'the counter is still there');
      assert.deepEqual(problems, [], `no warnings or errors in the pages over ${transport}`);
      await Promise.all([a!.context().close(), b!.context().close()]);
    }
  });

  test('nothing but the guide’s files in the app’s directory: no secret file written unasked', () => {
    assert.deepEqual(readdirSync(appDir).sort(), ['index.html', 'node_modules', 'package-lock.json', 'package.json', 'server.js', 'todos.js']);
    assert.ok(!existsSync(join(appDir, '.nasc-secret')));
  });

  test('SqliteStore and redisBackend without their packages say what to install, as the guide quotes', async () => {
    for (const [use, quoted] of [
      ['new SqliteStore()', quotedInGuide(GUIDE, 'SqliteStore needs')],
      ['redisBackend()', 'redisBackend needs the ioredis package, which is not installed: run npm install ioredis'],
    ] as const) {
      const name = use.replace(/^new |\(\)$/g, '');
      const script = `node --input-type=module -e "import { ${name} } from 'nasc/server'; ${use};"`;
      await assert.rejects(runShell(script, appDir, cleanEnv(), WAIT_MS), (error: Error) => {
        assert.ok(error.message.includes(quoted), `${use} fails with "${quoted}":\n${error.message}`);
        return true;
      });
    }
  });
});
