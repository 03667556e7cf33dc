import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, openDemo, recordBadge, until, waitForBadge } from './support/browser.js';
import { addTodo, todoButton, todoCheckbox, waitForText } from './support/demo-page.js';
import { DemoServer } from './support/demo-server.js';

const TEST_TIMEOUT = 120_000;
/** test-artifacts/ at the repository root (gitignored), seen from dist/test/e2e/. */
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

let browser: Browser;
let server: DemoServer;
before(async () => {
  browser = await launchBrowser();
  server = await DemoServer.start();
});
after(async () => {
  await browser?.close();
  await server?.dispose();
});

async function get(path: string): Promise<Response> {
  return fetch(new URL(path, server.origin), { redirect: 'manual' });
}

test('the page is served with a strict CSP, no inline script or style, and a favicon', async () => {
  const response = await get('/');
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
  const csp = response.headers.get('content-security-policy') ?? '';
  assert.match(csp, /(^|; )default-src 'self'(;|$)/);
  assert.match(csp, /(^|; )script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  const html = await response.text();
  for (const script of html.match(/<script\b[^>]*>/g) ?? []) assert.match(script, /\bsrc="\/[^"]+"/, `a script with a src: ${script}`);
  assert.doesNotMatch(html, /<script\b[^>]*>[^<\s]/, 'no inline script body');
  assert.doesNotMatch(html, /\sstyle=|<style\b/, 'no inline style');
  assert.doesNotMatch(html, /\son[a-z]+=/, 'no inline event handler');

  const icon = await get('/favicon.svg');
  assert.equal(icon.status, 200);
  assert.match(icon.headers.get('content-type') ?? '', /^image\/svg\+xml/);
  const ico = await get('/favicon.ico');
  assert.equal(ico.status, 301);
  assert.equal(ico.headers.get('location'), '/favicon.svg');

  for (const [path, type] of [['/demo.css', /^text\/css/], ['/js/main.js', /javascript/], ['/nasc/nasc.js', /javascript/]] as const) {
    const asset = await get(path);
    assert.equal(asset.status, 200, path);
    assert.match(asset.headers.get('content-type') ?? '', type, path);
  }
  assert.equal((await get('/missing')).status, 404);
});

test('the demo schemas are served: /nasc/schema, /nasc/schema/:type and /nasc/manifest', async () => {
  const types = (await (await get('/nasc/schema')).json()) as { types: string[] };
  assert.deepEqual(types.types.sort(), ['Presence', 'SharedNote', 'Todo', 'TodoList', 'User']);
  const todoList = (await (await get('/nasc/schema/TodoList')).json()) as { properties: Record<string, unknown>; $defs: Record<string, unknown> };
  assert.ok(todoList.properties.items, 'TodoList declares items');
  assert.deepEqual(Object.keys(todoList.$defs).sort(), ['Todo', 'TodoList'], 'with the types it references');
  const manifest = (await (await get('/nasc/manifest')).json()) as Record<string, { events: string[] }>;
  assert.deepEqual(manifest.TodoList?.events.sort(), ['add_todo', 'move_down', 'move_up', 'remove_todo', 'toggle_todo']);
  assert.deepEqual(manifest.User?.events, ['save_profile']);
});

test('every control has a label a screen reader can read', { timeout: TEST_TIMEOUT }, async (t) => {
  const demo = await openDemo(browser, server.url());
  t.after(() => demo.context.close());
  await demo.page.locator('.todo-items > .todo').first().waitFor();
  await demo.page.locator('na-traffic select').first().waitFor();
  const unlabelled = await demo.page.evaluate(() => {
    const missing: string[] = [];
    // The page, and the traffic panel's shadow root.
    for (const root of [document, document.querySelector('na-traffic')!.shadowRoot!]) {
      for (const control of root.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input, textarea, select')) {
        if ((control.labels?.length ?? 0) === 0 && !control.getAttribute('aria-label')) missing.push(control.outerHTML);
      }
      for (const button of root.querySelectorAll('button, a[href]')) {
        if (!button.textContent?.trim() && !button.getAttribute('aria-label')) missing.push(button.outerHTML);
      }
    }
    return missing;
  });
  assert.deepEqual(unlabelled, []);
});

test('the dev bundle finds nothing to warn about in the demo', { timeout: TEST_TIMEOUT }, async (t) => {
  for (const transport of ['sse', 'ws'] as const) {
    const demo = await openDemo(browser, server.url(transport), { devBundle: true });
    t.after(() => demo.context.close());
    const { page } = demo;
    assert.equal(await page.evaluate(async () => ((await import('/nasc/nasc.js' as string)) as { DEV_MODE: boolean }).DEV_MODE), true);
    const title = `Dev check ${transport}`;
    await addTodo(page, title);
    await todoCheckbox(page, title).waitFor();
    await todoCheckbox(page, title).check();
    await todoButton(page, 'remove', title).click();
    await todoCheckbox(page, title).waitFor({ state: 'detached' });
    await page.getByLabel('Email').fill('bad');
    await page.getByLabel('Email').press('Enter');
    await waitForText(page, '#profile-email-error', 'Enter a valid email address, like ada@example.com.');
    assert.equal(await page.locator('nasc-dev-overlay').count(), 0, 'no dev overlay');
    assert.deepEqual(demo.problems, [], 'no [nasc] warnings');
  }
});

test('after five failed attempts the badge says offline; Retry now reconnects at once', { timeout: TEST_TIMEOUT }, async (t) => {
  const own = await DemoServer.start();
  t.after(() => own.dispose());
  for (const transport of ['sse', 'ws'] as const) {
    const label = transport === 'ws' ? 'WebSocket' : 'SSE';
    const demo = await openDemo(browser, own.url(transport));
    t.after(() => demo.context.close());
    const { page } = demo;
    const badgeStates = await recordBadge(page);
    await own.stop();
    // The backoff waits about 0.4 + 0.75 + 1.5 + 3 s before the fifth failure.
    await waitForBadge(page, 'offline', transport);
    assert.match((await page.locator('#connection-badge').innerText()).trim(), new RegExp(`^Offline, retrying \\(attempt 5\\) · ${label}$`));
    const states = await badgeStates();
    assert.deepEqual(
      states.map((state) => state.replace(/ · .*$/, '')),
      [1, 2, 3, 4].map((n) => `reconnecting: Reconnecting (attempt ${n})`).concat('offline: Offline, retrying (attempt 5)'),
    );
    await own.restart();
    // The next automatic try is seconds away; the button skips the wait.
    await page.getByRole('button', { name: 'Retry now' }).click();
    await waitForBadge(page, 'live', transport);
    assert.equal(await page.locator('#reconnect-now').isVisible(), false);
    await demo.context.close();
  }
});

test('desktop and phone screenshots: nothing overflows sideways', { timeout: TEST_TIMEOUT }, async (t) => {
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const [name, viewport] of [
    ['desktop', { width: 1280, height: 900 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    const demo = await openDemo(browser, server.url(), { viewport });
    t.after(() => demo.context.close());
    const { page } = demo;
    await until(page, () => /^[1-9]\d*$/.test(document.querySelector('na-scope[type="Presence"] na-bind[prop="online"]')?.textContent ?? ''), null, 'the tab count shows this tab');
    await page.getByLabel('Email').fill('ada.example.com');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await waitForText(page, '#profile-email-error', 'Enter a valid email address, like ada@example.com.');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, `${name}: no horizontal scrolling`);
    await page.evaluate(() => window.scrollTo(0, 0));
    const path = `${ARTIFACTS}demo-${name}.png`;
    await page.screenshot({ path, fullPage: true });
    assert.ok(statSync(path).size > 10_000, `${name} screenshot written to ${path}`);
    assert.deepEqual(demo.problems, []);
    await demo.context.close();
  }
});
