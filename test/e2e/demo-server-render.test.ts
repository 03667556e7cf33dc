/**
 * The demo's page as the server renders it (`nasc.render()`), in real Chromium: the first response already
 * shows the real state and works without JavaScript; with JavaScript the elements take the rendered nodes
 * over (same nodes, focus and caret kept) and resume from the stamped revisions, over SSE and WebSocket.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { SAMPLE_TODOS } from '../../demo/handlers/todo-list.js';
import { launchBrowser, until, WAIT_MS, waitForBadge } from './support/browser.js';
import { todoTitles, waitForText, waitForTodos } from './support/demo-page.js';
import { DemoServer } from './support/demo-server.js';
import { openWithHeldBundle, parseWire } from './support/held-bundle.js';

const TEST_TIMEOUT = 120_000;
const SAMPLE_TITLES = SAMPLE_TODOS.map((todo) => todo.title);

let browser: Browser;
let server: DemoServer;
before(async () => {
  browser = await launchBrowser();
  server = await DemoServer.start({ memory: true });
});
after(async () => {
  await browser?.close();
  await server?.dispose();
});

/** Another visitor, without a browser: its own session, posting the page's forms as a browser without JavaScript would. */
async function anotherVisitor(): Promise<{ submit(event: string, fields: Record<string, string>): Promise<void> }> {
  const page = await fetch(server.url());
  const cookie = page.headers.getSetCookie()[0]!.split(';')[0]!;
  const html = await page.text();
  return {
    async submit(event, fields) {
      const action = new RegExp(`na-submit="${event}"[^>]* action="([^"]+)"`).exec(html)![1]!.replace(/&amp;/g, '&');
      const answer = await fetch(new URL(action, server.origin), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie, Origin: server.origin },
        body: new URLSearchParams(fields).toString(),
      });
      assert.equal(answer.status, 303, `${event} was taken`);
    },
  };
}

/** Waits until `condition` holds, checking every 50 ms, for as long as a page wait would. */
async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + WAIT_MS;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The todos a page shows: title and checked state. */
async function todos(page: Page): Promise<[string, boolean][]> {
  return page.$$eval('.todo-items > .todo', (items) =>
    items.map((item) => [item.querySelector('.todo-title')?.textContent ?? '', (item.querySelector('input[type="checkbox"]') as HTMLInputElement).checked]),
  );
}

describe('without JavaScript', () => {
  test('the first response shows the profile, the todos with their checked states and the note; forms and item buttons work', { timeout: TEST_TIMEOUT }, async (t) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    t.after(() => context.close());
    const page = await context.newPage();
    const response = await page.goto(server.url());
    const html = (await response?.text()) ?? '';
    assert.match(html, /<h2 id="profile-title">Hello, <na-bind prop="name">Ada Lovelace<\/na-bind><\/h2>/);
    assert.match(html, /Type here, and watch the other window\.<\/textarea>/);
    assert.deepEqual(await todos(page), SAMPLE_TODOS.map((todo) => [todo.title, todo.completed]));
    assert.equal(await page.locator('#note-text').inputValue(), 'Type here, and watch the other window.');
    assert.equal(await page.locator('na-bind[prop="remaining"]').innerText(), '2');

    await page.getByLabel('New todo').fill('Without a script');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.waitForURL(server.url());
    assert.deepEqual((await todos(page)).at(-1), ['Without a script', false]);

    await page.getByRole('button', { name: 'Move Without a script up' }).click();
    await page.waitForURL(server.url());
    assert.equal((await todoTitles(page)).at(-2), 'Without a script', 'a button in a list item posts its event with the item key');
    await page.getByRole('button', { name: 'Remove Without a script' }).click();
    await page.waitForURL(server.url());
    assert.deepEqual(await todoTitles(page), SAMPLE_TITLES);

    await page.getByLabel('Email').fill('ada.example.com');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.waitForURL(server.url());
    assert.equal(await page.locator('#profile-email-error').innerText(), 'Enter a valid email address, like ada@example.com.');
    await page.reload();
    assert.equal(await page.locator('#profile-email-error').innerText(), '', 'the error is shown once');
  });
});

for (const transport of ['sse', 'ws'] as const) {
  describe(`taking the rendered page over (${transport.toUpperCase()})`, () => {
    test('a change made between the HTML and the stream arrives as catch-up: mounts carry the stamped revision, no snapshot comes', { timeout: TEST_TIMEOUT }, async (t) => {
      const held = await openWithHeldBundle(browser, server.url(transport));
      t.after(() => held.context.close());
      const { page } = held;
      const stamped = Number(await page.locator('na-scope[type="TodoList"]').getAttribute('na-rev'));
      assert.ok(stamped >= 1, 'the todo list is stamped with its revision');
      // The first paint, before any script ran: the real state, not the fallbacks ("Guest", "0 left", "Nothing to do").
      const first = await page.evaluate(() => ({
        scripted: customElements.get('na-scope') !== undefined,
        name: document.querySelector('#profile-title na-bind')?.textContent,
        left: document.querySelector('na-bind[prop="remaining"]')?.textContent,
        open: [...document.querySelectorAll('.todo-items > .todo input[type="checkbox"]')].filter((box) => !(box as HTMLInputElement).checked).length,
        note: (document.getElementById('note-text') as HTMLTextAreaElement).value,
      }));
      assert.equal(first.scripted, false, 'the bundle is still held back');
      assert.equal(first.name, 'Ada Lovelace');
      assert.equal(first.left, String(first.open), 'the count of open todos is the real one');
      assert.equal(first.note, 'Type here, and watch the other window.');
      const shown = await todoTitles(page);
      assert.ok(shown.length >= SAMPLE_TITLES.length, `the todos are there before the stream (${shown.join(', ')})`);
      const title = `Added meanwhile (${transport})`;
      await (await anotherVisitor()).submit('add_todo', { title });

      held.release();
      await waitForBadge(page, 'live', transport);
      await waitForTodos(page, [...shown, title]);
      // Every scope mounted and was answered (the last answer is the last mount's ack).
      await waitUntil(() => parseWire(held.wire).received.filter((patch) => patch.action === 'ack').length >= 4, 'four mounts were answered');
      const { sent, received } = parseWire(held.wire);
      const mounts = sent.filter((event) => event.event === 'mount');
      assert.equal(mounts.length, 4, 'one mount per instance');
      assert.equal(mounts.find((mount) => mount.type === 'TodoList')?.rev, stamped, 'the first mount says which revision the page holds');
      assert.ok(mounts.every((mount) => typeof mount.rev === 'number'), 'every scope was stamped, so every mount resumes');
      assert.deepEqual(received.filter((patch) => patch.action === 'snapshot' || patch.action === 'schema'), [], 'no snapshot, no schema: nothing is sent twice');
      const caughtUp = received.filter((patch) => patch.action === 'bindUpdate' && patch.type === 'TodoList');
      assert.ok(caughtUp.some((patch) => patch.rev === stamped + 1 && patch.prop === 'items'), 'the change after the stamp came as the next revision');
    });

    test('the rendered nodes are the live ones: items, bindings and controls keep their identity, a focused input its focus and caret', { timeout: TEST_TIMEOUT }, async (t) => {
      const held = await openWithHeldBundle(browser, server.url(transport));
      t.after(() => held.context.close());
      const { page } = held;
      await page.evaluate(() => {
        const marked = [...document.querySelectorAll('na-scope, na-bind, .todo-items > li, input, textarea, button')];
        (window as unknown as { marked: Element[] }).marked = marked;
        const name = document.getElementById('profile-name') as HTMLInputElement;
        name.focus();
        name.setSelectionRange(2, 4);
      });
      held.release();
      await waitForBadge(page, 'live', transport);
      await until(page, () => [...document.querySelectorAll('na-scope')].every((scope) => scope.getAttribute('status') === 'live'), null, 'every scope is live');
      const kept = await page.evaluate(() => {
        const marked = (window as unknown as { marked: Element[] }).marked;
        const now = [...document.querySelectorAll('na-scope, na-bind, .todo-items > li, input, textarea, button')];
        const name = document.getElementById('profile-name') as HTMLInputElement;
        return {
          count: marked.length,
          same: marked.length === now.length && marked.every((element, index) => element === now[index] && element.isConnected),
          focused: document.activeElement === name,
          caret: [name.selectionStart, name.selectionEnd],
          stamps: document.querySelectorAll('[na-rev], [na-state]').length,
        };
      });
      assert.ok(kept.count > 30, `marked the page's elements (${kept.count})`);
      assert.ok(kept.same, 'every rendered element is still the one in the document');
      assert.equal(kept.focused, true);
      assert.deepEqual(kept.caret, [2, 4]);
      assert.equal(kept.stamps, 0, 'the stamps were taken over');
    });

    test('focus and caret set before the page went live survive taking it over', { timeout: TEST_TIMEOUT }, async (t) => {
      const held = await openWithHeldBundle(browser, server.url(transport));
      t.after(() => held.context.close());
      const { page } = held;
      await page.evaluate(() => {
        const note = document.getElementById('note-text') as HTMLTextAreaElement;
        note.focus();
        note.setSelectionRange(5, 9);
        (window as unknown as { note: Element }).note = note;
      });
      held.release();
      await waitForBadge(page, 'live', transport);
      await until(page, () => document.querySelector('na-scope[type="SharedNote"]')?.getAttribute('status') === 'live', null, 'the note is live');
      const state = await page.evaluate(() => {
        const note = document.getElementById('note-text') as HTMLTextAreaElement;
        return { same: note === (window as unknown as { note: Element }).note, focused: document.activeElement === note, caret: [note.selectionStart, note.selectionEnd] };
      });
      assert.deepEqual(state, { same: true, focused: true, caret: [5, 9] });
      // And the adopted list works: its items send their own keys (the server's count of what is left moves).
      const remaining = page.locator('na-bind[prop="remaining"]');
      const before = await remaining.innerText();
      await page.locator('.todo-items > li').first().locator('input[type="checkbox"]').click();
      await until(page, (was) => document.querySelector('na-bind[prop="remaining"]')?.textContent !== was, before, 'the toggle reached the server');
      await page.locator('.todo-items > li').first().locator('input[type="checkbox"]').click();
      await waitForText(page, 'na-bind[prop="remaining"]', before);
    });
  });
}

for (const transport of ['sse', 'ws'] as const) describe(`what a rendered page may show (${transport.toUpperCase()} once live)`, () => {
  test('hostile state renders as text, in the first response and once live', { timeout: TEST_TIMEOUT }, async (t) => {
    const hostile = `<img src=x onerror="window.pwned=1"></na-scope>{{7*7}} "dq" 'sq'`;
    const context = await browser.newContext({ javaScriptEnabled: false });
    t.after(() => context.close());
    const page = await context.newPage();
    await page.goto(server.url());
    await page.getByLabel('Name').fill(hostile);
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.waitForURL(server.url());
    await page.getByLabel('New todo').fill(hostile);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.waitForURL(server.url());
    const check = async (target: Page): Promise<void> => {
      const shown = await target.evaluate(() => ({
        name: document.querySelector('#profile-title na-bind')?.textContent,
        title: [...document.querySelectorAll('.todo-items .todo-title')].at(-1)?.textContent,
        input: (document.getElementById('profile-name') as HTMLInputElement).value,
        images: document.querySelectorAll('main img').length,
        formInScope: document.querySelector('na-scope[type="User"] form') !== null,
        pwned: (window as unknown as { pwned?: number }).pwned,
      }));
      assert.deepEqual(shown, { name: hostile, title: hostile, input: hostile, images: 0, formInScope: true, pwned: undefined });
    };
    await check(page);
    // The same session with JavaScript: the rendered page, then taken over.
    const live = await browser.newContext();
    t.after(() => live.close());
    await live.addCookies(await context.cookies());
    const livePage = await live.newPage();
    await livePage.goto(server.url(transport));
    await check(livePage);
    await waitForBadge(livePage, 'live', transport);
    await until(livePage, () => document.querySelector('na-scope[type="User"]')?.getAttribute('status') === 'live', null, 'the profile is live');
    await check(livePage);
    // Leave the shared list as the other tests expect it.
    await livePage.getByRole('button', { name: `Remove ${hostile}` }).click();
    await until(livePage, (title) => [...document.querySelectorAll('.todo-title')].every((shown) => shown.textContent !== title), hostile, 'the hostile todo is gone');
  });

  test('a session never gets another session’s profile rendered into its page', { timeout: TEST_TIMEOUT }, async (t) => {
    const alice = await browser.newContext({ javaScriptEnabled: false });
    t.after(() => alice.close());
    const page = await alice.newPage();
    await page.goto(server.url());
    await page.getByLabel('Name').fill('Alice only');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.waitForURL(server.url());
    await waitForText(page, '#profile-title', 'Hello, Alice only');
    const bob = await browser.newContext();
    t.after(() => bob.close());
    const bobPage = await bob.newPage();
    const response = await bobPage.goto(server.url(transport));
    const html = (await response?.text()) ?? '';
    assert.doesNotMatch(html, /Alice only/);
    assert.match(html, /Hello, <na-bind prop="name">Ada Lovelace<\/na-bind>/);
    // Nor once live: Bob's page mounts Bob's own profile.
    await waitForBadge(bobPage, 'live', transport);
    await until(bobPage, () => document.querySelector('na-scope[type="User"]')?.getAttribute('status') === 'live', null, 'the profile is live');
    assert.equal(await bobPage.locator('#profile-title na-bind').innerText(), 'Ada Lovelace');
  });
});
