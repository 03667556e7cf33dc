import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { Browser } from 'playwright-core';
import { SAMPLE_TODOS } from '../../demo/handlers/todo-list.js';
import { launchBrowser, openDemo, until, type DemoPage } from './support/browser.js';
import { addTodo, todoButton, todoCheckbox, todoTitles, waitForText, waitForTodos, waitForTraffic } from './support/demo-page.js';
import { DemoServer } from './support/demo-server.js';

const SAMPLE_TITLES = SAMPLE_TODOS.map((todo) => todo.title);
const TEST_TIMEOUT = 120_000;

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** A fresh demo server (own database) and one page on it over `transport`. */
async function setUp(t: TestContext, transport: 'sse' | 'ws'): Promise<DemoPage & { server: DemoServer }> {
  const server = await DemoServer.start();
  t.after(() => server.dispose());
  const demo = await openDemo(browser, server.url(transport));
  t.after(() => demo.context.close());
  return { ...demo, server };
}

function assertNoProblems(demo: DemoPage): void {
  assert.deepEqual(demo.problems, [], 'the page logged no errors or warnings');
}

for (const transport of ['sse', 'ws'] as const) {
  describe(`demo interactions over ${transport.toUpperCase()}`, () => {
    test('the badge names the transport in use, and the switch marks it', { timeout: TEST_TIMEOUT }, async (t) => {
      const demo = await setUp(t, transport);
      const { page } = demo;
      const label = transport === 'ws' ? 'WebSocket' : 'SSE';
      assert.equal((await page.locator('#connection-badge').innerText()).trim(), `Live · ${label}`);
      assert.equal(await page.locator(`.transport-switch a[data-transport="${transport}"]`).getAttribute('aria-current'), 'true');
      await waitForTodos(page, SAMPLE_TITLES);
      assertNoProblems(demo);
    });

    test('profile: the server refuses a bad email next to the field, then saves a good one', { timeout: TEST_TIMEOUT }, async (t) => {
      const demo = await setUp(t, transport);
      const { page } = demo;
      await waitForText(page, '#profile-title', 'Hello, Ada Lovelace');
      assert.equal(await page.getByLabel('Email').inputValue(), 'ada@example.com');

      await page.getByLabel('Name').fill('Grace Hopper');
      await page.getByLabel('Email').fill('grace.example.com');
      await page.getByRole('button', { name: 'Save profile' }).click();
      await waitForText(page, '#profile-email-error', 'Enter a valid email address, like ada@example.com.');
      await waitForTraffic(page, 'in', 'error rejected (email)');
      assert.equal(await page.locator('na-scope[type="User"]').getAttribute('status'), 'error');
      // Nothing was saved: the greeting still shows the stored name.
      await waitForText(page, '#profile-title', 'Hello, Ada Lovelace');

      await page.getByLabel('Email').fill('grace@example.com');
      await page.getByLabel('Email').press('Enter');
      await waitForText(page, '#profile-title', 'Hello, Grace Hopper');
      await waitForText(page, '#profile-email-error', '');
      await until(page, () => document.querySelector('na-scope[type="User"]')?.getAttribute('status') === 'live', null, 'the scope is live again');
      await waitForTraffic(page, 'out', 'save_profile User/currentUser {"name":"Grace Hopper","email":"grace@example.com"}');
      await waitForTraffic(page, 'in', 'bindUpdate User/currentUser email = "grace@example.com"');
      await waitForTraffic(page, 'in', 'ack User/currentUser @2');
      assertNoProblems(demo);
    });

    test('todos: add (the input clears), refuse an empty title, toggle, move, remove', { timeout: TEST_TIMEOUT }, async (t) => {
      const demo = await setUp(t, transport);
      const { page } = demo;
      await waitForTodos(page, SAMPLE_TITLES);
      await waitForText(page, 'na-bind[prop="remaining"]', '2');

      await addTodo(page, '   ');
      await waitForText(page, '#todo-error', 'A todo needs a title.');
      await waitForTraffic(page, 'in', 'error rejected (title): A todo needs a title.');

      await addTodo(page, 'Buy milk');
      await waitForTodos(page, [...SAMPLE_TITLES, 'Buy milk']);
      await until(page, () => (document.getElementById('todo-title') as HTMLInputElement).value === '', null, 'na-reset cleared the input');
      await waitForText(page, '#todo-error', '');
      await waitForText(page, 'na-bind[prop="remaining"]', '3');
      await waitForTraffic(page, 'out', 'add_todo TodoList/my-list {"title":"Buy milk"}');
      await waitForTraffic(page, 'in', 'ack TodoList/my-list @2');

      await todoCheckbox(page, 'Buy milk').check();
      await waitForText(page, 'na-bind[prop="remaining"]', '2');
      assert.equal(await todoCheckbox(page, 'Buy milk').isChecked(), true);
      await waitForTraffic(page, 'out', 'toggle_todo TodoList/my-list {"id":');
      await todoCheckbox(page, 'Buy milk').uncheck();
      await waitForText(page, 'na-bind[prop="remaining"]', '3');

      await todoButton(page, 'up', 'Buy milk').click();
      await waitForTodos(page, [SAMPLE_TITLES[0]!, SAMPLE_TITLES[1]!, 'Buy milk', SAMPLE_TITLES[2]!]);
      await todoButton(page, 'up', 'Buy milk').click();
      await waitForTodos(page, [SAMPLE_TITLES[0]!, 'Buy milk', SAMPLE_TITLES[1]!, SAMPLE_TITLES[2]!]);
      await todoButton(page, 'down', SAMPLE_TITLES[0]!).click();
      await waitForTodos(page, ['Buy milk', SAMPLE_TITLES[0]!, SAMPLE_TITLES[1]!, SAMPLE_TITLES[2]!]);
      assert.equal(await todoButton(page, 'up', 'Buy milk').isVisible(), false, 'the first item has no move-up button');

      await todoButton(page, 'remove', 'Buy milk').click();
      await waitForTodos(page, SAMPLE_TITLES);
      await waitForTraffic(page, 'out', 'remove_todo TodoList/my-list {"id":');
      await waitForText(page, 'na-bind[prop="remaining"]', '2');

      for (const title of [...SAMPLE_TITLES]) await todoButton(page, 'remove', title).click();
      await waitForTodos(page, []);
      assert.equal(await page.getByText('Nothing to do. Add a todo above.').isVisible(), true, 'an empty list says so');
      assertNoProblems(demo);
    });

    test('the keyboard alone adds, toggles and reorders todos', { timeout: TEST_TIMEOUT }, async (t) => {
      const demo = await setUp(t, transport);
      const { page } = demo;
      await waitForTodos(page, SAMPLE_TITLES);
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to the demo', 'the first tab stop skips the header');

      await page.getByLabel('New todo').focus();
      await page.keyboard.type('Walk the dog');
      await page.keyboard.press('Enter');
      await waitForTodos(page, [...SAMPLE_TITLES, 'Walk the dog']);

      await todoCheckbox(page, 'Walk the dog').focus();
      await page.keyboard.press('Space');
      await waitForText(page, 'na-bind[prop="remaining"]', '2');

      await todoButton(page, 'up', 'Walk the dog').focus();
      await page.keyboard.press('Enter');
      await waitForTodos(page, [SAMPLE_TITLES[0]!, SAMPLE_TITLES[1]!, 'Walk the dog', SAMPLE_TITLES[2]!]);
      // The keyed list moved the item's own nodes: focus stayed on its button.
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), '↑Move Walk the dog up');
      assertNoProblems(demo);
    });

    test('shared note: typing sends throttled na-input events and the count follows', { timeout: TEST_TIMEOUT }, async (t) => {
      const demo = await setUp(t, transport);
      const { page } = demo;
      await waitForText(page, 'na-scope[type="Presence"] na-bind[prop="online"]', '1');
      const note = page.getByLabel('Everyone edits this text');
      await until(page, () => (document.getElementById('note-text') as HTMLTextAreaElement).value !== '', null, 'the note is loaded');
      await note.fill('');
      await note.pressSequentially('Hello from the keyboard', { delay: 15 });
      await waitForTraffic(page, 'out', 'edit_note SharedNote/lobby {"text":"Hello from the keyboard"}');
      await waitForTraffic(page, 'in', 'bindUpdate SharedNote/lobby text = "Hello from the keyboard"');
      const edits = Number(await page.locator('na-bind[prop="edits"]').innerText());
      assert.ok(edits >= 2, `several edits were sent while typing (got ${edits})`);
      assert.ok(edits < 'Hello from the keyboard'.length + 1, `fewer edits than keystrokes: na-input is throttled (got ${edits})`);
      assert.equal(await note.inputValue(), 'Hello from the keyboard', 'the caret never fought the echo');
      assertNoProblems(demo);
    });

    test('the traffic panel lists every event sent and every patch received', { timeout: TEST_TIMEOUT }, async (t) => {
      const demo = await setUp(t, transport);
      const { page } = demo;
      for (const mounted of ['User/currentUser', 'TodoList/my-list', 'SharedNote/lobby', 'Presence/server']) {
        await waitForTraffic(page, 'out', `mount ${mounted}`);
      }
      // The page was rendered with its state at revision 1: each mount resumes from there, and the answer is
      // the mount's ack alone (no snapshot, no schema: the page has the state, the server sends only changes).
      await waitForTraffic(page, 'out', 'mount TodoList/my-list (resume from rev 1)');
      await waitForTraffic(page, 'in', 'ack TodoList/my-list @1');
      // Count what the connection itself reports, and the panel's rows, from the same instant on.
      await page.evaluate(async () => {
        const { getPageConnection } = (await import('/nasc/nasc.js' as string)) as typeof import('../../elements/index.js');
        const counts = { send: 0, patch: 0, rowsBefore: document.querySelectorAll('#traffic-log > li').length };
        (window as unknown as { counts: typeof counts }).counts = counts;
        getPageConnection().addEventListener('nasc-send', () => counts.send++);
        getPageConnection().addEventListener('nasc-patch', () => counts.patch++);
      });
      await addTodo(page, 'Count me');
      await waitForTodos(page, [...SAMPLE_TITLES, 'Count me']);
      await waitForTraffic(page, 'in', 'ack TodoList/my-list @2');
      const { send, patch, rowsBefore, rows } = await page.evaluate(() => ({
        ...(window as unknown as { counts: { send: number; patch: number; rowsBefore: number } }).counts,
        rows: document.querySelectorAll('#traffic-log > li').length,
      }));
      assert.equal(send, 1, 'one event went out');
      assert.ok(patch >= 1, 'at least one message came in');
      assert.equal(rows - rowsBefore, send + patch, 'one row per event sent and per message received');
      const stats = await page.locator('#traffic-stats').innerText();
      assert.match(stats, /↑ \d+ sent · ↓ \d+ received/);

      await page.getByRole('button', { name: 'Clear' }).click();
      assert.equal(await page.locator('#traffic-log > li').count(), 0);
      assert.equal((await page.locator('#traffic-stats').innerText()).trim(), '↑ 0 sent · ↓ 0 received');
      assert.deepEqual(await todoTitles(page), [...SAMPLE_TITLES, 'Count me']);
      assertNoProblems(demo);
    });
  });
}
