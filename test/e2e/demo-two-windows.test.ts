import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { SAMPLE_TODOS } from '../../demo/handlers/todo-list.js';
import { launchBrowser, openDemo, until } from './support/browser.js';
import { addTodo, todoButton, todoCheckbox, waitForText, waitForTodos } from './support/demo-page.js';
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

// Every pairing: the engine fans each change out to every stream, whatever transport carries it.
for (const [first, second] of [['sse', 'sse'], ['ws', 'ws'], ['sse', 'ws']] as const) {
  test(`two windows (${first.toUpperCase()} and ${second.toUpperCase()}) see each other's changes live`, { timeout: TEST_TIMEOUT }, async (t) => {
    const server = await DemoServer.start();
    t.after(() => server.dispose());
    const a = await openDemo(browser, server.url(first));
    t.after(() => a.context.close());
    const b = await openDemo(browser, server.url(second));
    t.after(() => b.context.close());

    // Presence: the server counts both streams and pushes the count to both pages by itself.
    await waitForText(a.page, 'na-scope[type="Presence"] na-bind[prop="online"]', '2');
    await waitForText(b.page, 'na-scope[type="Presence"] na-bind[prop="online"]', '2');

    await addTodo(a.page, 'From window A');
    await waitForTodos(b.page, [...SAMPLE_TITLES, 'From window A']);

    await todoCheckbox(b.page, 'From window A').check();
    await until(
      a.page,
      () => [...document.querySelectorAll<HTMLInputElement>('.todo-items input[type="checkbox"]')].at(-1)?.checked === true,
      null,
      'window A shows the todo checked by window B',
    );
    await waitForText(a.page, 'na-bind[prop="remaining"]', '2');

    await todoButton(b.page, 'up', 'From window A').click();
    await waitForTodos(a.page, [SAMPLE_TITLES[0]!, SAMPLE_TITLES[1]!, 'From window A', SAMPLE_TITLES[2]!]);
    await todoButton(a.page, 'remove', 'From window A').click();
    await waitForTodos(b.page, SAMPLE_TITLES);

    // Profiles are per visitor (`currentUser` resolves per session): B is another browser, so A's change
    // stays A's, while another tab of A's browser (the same session) follows it live.
    const aSecondTab = await a.context.newPage();
    await aSecondTab.goto(server.url(first));
    await waitForText(aSecondTab, '#profile-title', 'Hello, Ada Lovelace');
    await a.page.getByLabel('Name').fill('Window A');
    await a.page.getByRole('button', { name: 'Save profile' }).click();
    await waitForText(aSecondTab, '#profile-title', 'Hello, Window A');
    assert.equal(await aSecondTab.getByLabel('Name').inputValue(), 'Window A', 'the bound input follows too');
    await waitForText(b.page, '#profile-title', 'Hello, Ada Lovelace');
    await aSecondTab.close();

    // Errors are personal: B's refused email shows in B only.
    await b.page.getByLabel('Email').fill('not-an-email');
    await b.page.getByLabel('Email').press('Enter');
    await waitForText(b.page, '#profile-email-error', 'Enter a valid email address, like ada@example.com.');
    assert.equal((await a.page.locator('#profile-email-error').innerText()).trim(), '');

    const note = b.page.getByLabel('Everyone edits this text');
    await note.fill('');
    await note.pressSequentially('typed in B', { delay: 10 });
    await until(a.page, () => (document.getElementById('note-text') as HTMLTextAreaElement).value === 'typed in B', null, 'A shows the note typed in B');

    await b.context.close();
    await waitForText(a.page, 'na-scope[type="Presence"] na-bind[prop="online"]', '1');
    assert.deepEqual(a.problems, []);
    assert.deepEqual(b.problems, []);
  });
}
