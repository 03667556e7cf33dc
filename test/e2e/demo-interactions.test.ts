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
      await waitForTraffic(page, { kind: 'received', instance: 'User/currentUser', message: 'error rejected (email)' });
      assert.equal(await page.locator('na-scope[type="User"]').getAttribute('status'), 'error');
      // Nothing was saved: the greeting still shows the stored name.
      await waitForText(page, '#profile-title', 'Hello, Ada Lovelace');

      await page.getByLabel('Email').fill('grace@example.com');
      await page.getByLabel('Email').press('Enter');
      await waitForText(page, '#profile-title', 'Hello, Grace Hopper');
      await waitForText(page, '#profile-email-error', '');
      await until(page, () => document.querySelector('na-scope[type="User"]')?.getAttribute('status') === 'live', null, 'the scope is live again');
      await waitForTraffic(page, { kind: 'sent', instance: 'User/currentUser', message: 'save_profile {"name":"Grace Hopper","email":"grace@example.com"}', result: 'ack' });
      await waitForTraffic(page, { kind: 'received', instance: 'User/currentUser', message: 'bindUpdate email = "grace@example.com"' });
      await waitForTraffic(page, { kind: 'received', instance: 'User/currentUser', message: 'ack of save_profile', rev: '2' });
      assertNoProblems(demo);
    });

    test('todos: add (the input clears), refuse an empty title, toggle, move, remove', { timeout: TEST_TIMEOUT }, async (t) => {
      const demo = await setUp(t, transport);
      const { page } = demo;
      await waitForTodos(page, SAMPLE_TITLES);
      await waitForText(page, 'na-bind[prop="remaining"]', '2');

      await addTodo(page, '   ');
      await waitForText(page, '#todo-error', 'A todo needs a title.');
      await waitForTraffic(page, { kind: 'received', instance: 'TodoList/my-list', message: 'error rejected (title): A todo needs a title.' });

      await addTodo(page, 'Buy milk');
      await waitForTodos(page, [...SAMPLE_TITLES, 'Buy milk']);
      await until(page, () => (document.getElementById('todo-title') as HTMLInputElement).value === '', null, 'na-reset cleared the input');
      await waitForText(page, '#todo-error', '');
      await waitForText(page, 'na-bind[prop="remaining"]', '3');
      await waitForTraffic(page, { kind: 'sent', instance: 'TodoList/my-list', message: 'add_todo {"title":"Buy milk"}', rev: '2', result: 'ack' });
      await waitForTraffic(page, { kind: 'received', instance: 'TodoList/my-list', message: 'ack of add_todo', rev: '2' });

      await todoCheckbox(page, 'Buy milk').check();
      await waitForText(page, 'na-bind[prop="remaining"]', '2');
      assert.equal(await todoCheckbox(page, 'Buy milk').isChecked(), true);
      await waitForTraffic(page, { kind: 'sent', instance: 'TodoList/my-list', message: 'toggle_todo {"id":' });
      await todoCheckbox(page, 'Buy milk').uncheck();
      await waitForText(page, 'na-bind[prop="remaining"]', '3');

      await todoButton(page, 'up', 'Buy milk').click();
      await waitForTodos(page, [SAMPLE_TITLES[0]!, SAMPLE_TITLES[1]!, 'Buy milk', SAMPLE_TITLES[2]!]);
      await todoButton(page, 'up', 'Buy milk').click();
      await waitForTodos(page, [SAMPLE_TITLES[0]!, 'Buy milk', SAMPLE_TITLES[1]!, SAMPLE_TITLES[2]!]);
      await todoButton(page, 'down', SAMPLE_TITLES[0]!).click();
      await waitForTodos(page, ['Buy milk', SAMPLE_TITLES[0]!, SAMPLE_TITLES[1]!, SAMPLE_TITLES[2]!]);
      // Dimmed, not hidden: a hidden button loses keyboard focus (demo-devx.test.ts).
      const opacity = await todoButton(page, 'up', 'Buy milk').evaluate((button) => Number(getComputedStyle(button).opacity));
      assert.ok(opacity < 0.5, `the first item's move-up button is dimmed (opacity ${opacity})`);

      await todoButton(page, 'remove', 'Buy milk').click();
      await waitForTodos(page, SAMPLE_TITLES);
      await waitForTraffic(page, { kind: 'sent', instance: 'TodoList/my-list', message: 'remove_todo {"id":' });
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
      await waitForTraffic(page, { kind: 'sent', instance: 'SharedNote/lobby', message: 'edit_note {"text":"Hello from the keyboard"}' });
      await waitForTraffic(page, { kind: 'received', instance: 'SharedNote/lobby', message: 'bindUpdate text = "Hello from the keyboard"' });
      const edits = Number(await page.locator('na-bind[prop="edits"]').innerText());
      assert.ok(edits >= 2, `several edits were sent while typing (got ${edits})`);
      assert.ok(edits < 'Hello from the keyboard'.length + 1, `fewer edits than keystrokes: na-input is throttled (got ${edits})`);
      assert.equal(await note.inputValue(), 'Hello from the keyboard', 'the caret never fought the echo');
      assertNoProblems(demo);
    });

    test('the traffic panel lists every event sent and every patch received', { timeout: TEST_TIMEOUT }, async (t) => {
      const demo = await setUp(t, transport);
      const { page } = demo;
      const via = transport === 'ws' ? 'WS' : 'SSE';
      for (const instance of ['User/currentUser', 'TodoList/my-list', 'SharedNote/lobby', 'Presence/server']) {
        await waitForTraffic(page, { kind: 'sent', instance, message: 'mount', result: 'ack', via });
      }
      await waitForTraffic(page, { kind: 'received', instance: 'TodoList/my-list', message: 'snapshot', rev: '1' });
      await waitForTraffic(page, { kind: 'received', instance: 'TodoList/my-list', message: '  items = [{"id":' });
      await waitForTraffic(page, { kind: 'received', instance: 'TodoList/my-list', message: 'ack of mount', rev: '1', result: 'ack' });
      await waitForTraffic(page, { kind: 'received', instance: 'TodoList/my-list', message: 'schema Todo' });
      await waitForTraffic(page, { kind: 'stream', message: 'live', via });
      // Count what the connection itself reports, and the panel's entries, from the same instant on.
      await page.evaluate(async () => {
        const { getPageConnection } = (await import('/nasc/nasc.js' as string)) as typeof import('../../elements/index.js');
        const panel = document.querySelector('na-traffic') as unknown as { entries: { id: number }[] };
        const counts = { send: 0, patch: 0, lastId: panel.entries.at(-1)?.id ?? 0 };
        (window as unknown as { counts: typeof counts }).counts = counts;
        getPageConnection().addEventListener('nasc-send', () => counts.send++);
        getPageConnection().addEventListener('nasc-patch', () => counts.patch++);
      });
      await addTodo(page, 'Count me');
      await waitForTodos(page, [...SAMPLE_TITLES, 'Count me']);
      await waitForTraffic(page, { kind: 'received', instance: 'TodoList/my-list', message: 'ack of add_todo', rev: '2' });
      const { send, patch, entries } = await page.evaluate(() => {
        const { counts } = window as unknown as { counts: { send: number; patch: number; lastId: number } };
        const panel = document.querySelector('na-traffic') as unknown as { entries: { id: number; kind: string }[] };
        return { ...counts, entries: panel.entries.filter((entry) => entry.id > counts.lastId && (entry.kind === 'sent' || entry.kind === 'received')).length };
      });
      assert.equal(send, 1, 'one event went out');
      assert.ok(patch >= 1, 'at least one message came in');
      assert.equal(entries, send + patch, 'one entry per event sent and per message received');
      await until(
        page,
        () => document.querySelector('na-traffic')?.shadowRoot?.querySelectorAll('tbody tr.entry').length === (document.querySelector('na-traffic') as unknown as { entries: unknown[] }).entries.length,
        null,
        'the panel shows a row per entry',
      );
      assert.match(await page.locator('na-traffic .stats').innerText(), /^↑ \d+ sent · ↓ \d+ received$/);

      // Only one instance's rows, picked from the panel's own select.
      await page.getByLabel('Instance').selectOption('my-list');
      await until(
        page,
        () => {
          const names = [...(document.querySelector('na-traffic')?.shadowRoot?.querySelectorAll('tbody tr.entry:not([data-kind="stream"]) td.instance') ?? [])].map((cell) => cell.textContent);
          return names.length > 0 && names.every((name) => name === 'TodoList/my-list');
        },
        null,
        'only TodoList/my-list rows',
      );
      assert.equal(await page.locator('na-traffic').getAttribute('instance'), 'my-list');

      // A row opens onto its JSON: here the event as it was sent.
      await waitForTraffic(page, { kind: 'sent', instance: 'TodoList/my-list', message: 'add_todo {"title":"Count me"}' });
      const row = page.locator('na-traffic tr.entry', { hasText: 'add_todo {"title":"Count me"}' });
      await row.getByRole('button', { name: 'JSON' }).click();
      const json = JSON.parse(await page.locator('na-traffic tr.json-row pre').innerText()) as { event: string; payload: unknown };
      assert.deepEqual([json.event, json.payload], ['add_todo', { title: 'Count me' }]);

      await page.getByRole('button', { name: 'Clear' }).click();
      await until(page, () => document.querySelector('na-traffic')?.shadowRoot?.querySelectorAll('tbody tr.entry').length === 0, null, 'no rows after Clear');
      assert.equal((await page.locator('na-traffic .stats').innerText()).trim(), '↑ 0 sent · ↓ 0 received');
      assert.deepEqual(await todoTitles(page), [...SAMPLE_TITLES, 'Count me']);
      assertNoProblems(demo);
    });
  });
}
