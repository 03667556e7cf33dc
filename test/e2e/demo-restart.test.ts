import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { SAMPLE_TODOS } from '../../demo/handlers/todo-list.js';
import { launchBrowser, openDemo, recordBadge, until, waitForBadge } from './support/browser.js';
import { addTodo, waitForText, waitForTodos } from './support/demo-page.js';
import { DemoServer } from './support/demo-server.js';

const SAMPLE_TITLES = SAMPLE_TODOS.map((todo) => todo.title);
const TEST_TIMEOUT = 180_000;

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

for (const transport of ['sse', 'ws'] as const) {
  describe(`a server restart over ${transport.toUpperCase()}`, () => {
    test('keeps the state in SQLite, and the badge goes reconnecting, then live', { timeout: TEST_TIMEOUT }, async (t) => {
      const server = await DemoServer.start();
      t.after(() => server.dispose());
      const demo = await openDemo(browser, server.url(transport));
      t.after(() => demo.context.close());
      const { page } = demo;
      const label = transport === 'ws' ? 'WebSocket' : 'SSE';

      await waitForTodos(page, SAMPLE_TITLES);
      await addTodo(page, 'Survive the restart');
      await waitForTodos(page, [...SAMPLE_TITLES, 'Survive the restart']);
      await page.getByLabel('Name').fill('Persistent Pat');
      await page.getByRole('button', { name: 'Save profile' }).click();
      await waitForText(page, '#profile-title', 'Hello, Persistent Pat');
      const badgeStates = await recordBadge(page);

      await server.stop();
      await waitForBadge(page, 'reconnecting', transport);
      assert.match((await page.locator('#connection-badge').innerText()).trim(), new RegExp(`^Reconnecting \\(attempt \\d+\\) · ${label}$`));
      assert.equal(await page.locator('#reconnect-now').isVisible(), true, 'a retry button shows while the stream is down');
      assert.equal(await page.locator('na-scope[type="TodoList"]').getAttribute('status'), 'offline', 'scopes say they are offline');
      // The page still shows the last state it had.
      await waitForTodos(page, [...SAMPLE_TITLES, 'Survive the restart']);

      await server.restart();
      await waitForBadge(page, 'live', transport);
      assert.equal((await page.locator('#connection-badge').innerText()).trim(), `Live · ${label}`);
      assert.equal(await page.locator('#reconnect-now').isVisible(), false);
      const states = await badgeStates();
      assert.match(states[0] ?? '', /^reconnecting: Reconnecting \(attempt 1\)/, `first reconnecting: ${JSON.stringify(states)}`);
      assert.match(states.at(-1) ?? '', /^live: Live/, `then live: ${JSON.stringify(states)}`);

      // The state came back from SQLite: a fresh page sees it, and both pages work on.
      const fresh = await openDemo(browser, server.url(transport));
      t.after(() => fresh.context.close());
      await waitForTodos(fresh.page, [...SAMPLE_TITLES, 'Survive the restart']);
      // The profile is the visitor's own (per session): a new tab of the same browser finds it after the restart.
      const sameVisitor = await demo.context.newPage();
      await sameVisitor.goto(server.url(transport));
      await waitForText(sameVisitor, '#profile-title', 'Hello, Persistent Pat');
      await sameVisitor.close();
      await addTodo(fresh.page, 'After the restart');
      await waitForTodos(page, [...SAMPLE_TITLES, 'Survive the restart', 'After the restart']);
      await addTodo(page, 'From the first page');
      await waitForTodos(fresh.page, [...SAMPLE_TITLES, 'Survive the restart', 'After the restart', 'From the first page']);
      await until(page, () => document.querySelector('na-scope[type="TodoList"]')?.getAttribute('status') === 'live', null, 'the scope is live');
      assert.deepEqual(fresh.problems, []);
    });

    test('a reload resumes the same tab (same client id) after a restart', { timeout: TEST_TIMEOUT }, async (t) => {
      const server = await DemoServer.start();
      t.after(() => server.dispose());
      const demo = await openDemo(browser, server.url(transport));
      t.after(() => demo.context.close());
      const { page } = demo;
      await addTodo(page, 'Before the reload');
      await waitForTodos(page, [...SAMPLE_TITLES, 'Before the reload']);
      await page.reload();
      await waitForBadge(page, 'live', transport);
      await waitForTodos(page, [...SAMPLE_TITLES, 'Before the reload']);

      await server.restart();
      await waitForBadge(page, 'live', transport);
      await page.reload();
      await waitForBadge(page, 'live', transport);
      await waitForTodos(page, [...SAMPLE_TITLES, 'Before the reload']);
      await addTodo(page, 'After the reload');
      await waitForTodos(page, [...SAMPLE_TITLES, 'Before the reload', 'After the reload']);
    });

    test('an event sent while the server is down is applied once it is back', { timeout: TEST_TIMEOUT }, async (t) => {
      const server = await DemoServer.start();
      t.after(() => server.dispose());
      const demo = await openDemo(browser, server.url(transport));
      t.after(() => demo.context.close());
      const { page } = demo;
      await waitForTodos(page, SAMPLE_TITLES);

      await server.stop();
      await waitForBadge(page, 'reconnecting', transport);
      await addTodo(page, 'Queued while down');
      // From the next frame on (`na-pending` is set in an animation frame).
      await until(page, () => document.querySelector('form.add-todo')?.getAttribute('na-pending') === '', null, 'the form to wait for its acknowledgement');
      await server.restart();
      await waitForBadge(page, 'live', transport);
      await waitForTodos(page, [...SAMPLE_TITLES, 'Queued while down']);
      await until(page, () => !document.querySelector('form.add-todo')?.hasAttribute('na-pending'), null, 'the event was acknowledged');
      assert.equal(await page.getByLabel('New todo').inputValue(), '', 'na-reset cleared the input once the server accepted it');
    });
  });
}

test('with NASC_MEMORY=1 the demo keeps nothing across a restart', { timeout: TEST_TIMEOUT }, async (t) => {
  const server = await DemoServer.start({ memory: true });
  t.after(() => server.dispose());
  const demo = await openDemo(browser, server.url());
  t.after(() => demo.context.close());
  const { page } = demo;
  await addTodo(page, 'Forgotten');
  await waitForTodos(page, [...SAMPLE_TITLES, 'Forgotten']);
  await server.restart();
  await page.reload();
  await waitForBadge(page, 'live');
  await waitForTodos(page, SAMPLE_TITLES);
});
