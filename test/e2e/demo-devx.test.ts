/**
 * The demo as a newcomer meets it: it says which cards are shared and which are the visitor's own, a todo
 * moved to an end with the keyboard keeps focus, and on a phone the header leaves the screen to the cards.
 */
import assert from 'node:assert/strict';
import { after, before, test, type TestContext } from 'node:test';
import type { Browser } from 'playwright-core';
import { SAMPLE_TODOS } from '../../demo/handlers/todo-list.js';
import { launchBrowser, openDemo, until, type DemoPage } from './support/browser.js';
import { todoButton, waitForTodos } from './support/demo-page.js';
import { DemoServer } from './support/demo-server.js';

const TEST_TIMEOUT = 120_000;
const [FIRST, SECOND, THIRD] = SAMPLE_TODOS.map((todo) => todo.title) as [string, string, string];

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

async function setUp(t: TestContext, transport: 'sse' | 'ws', viewport?: { width: number; height: number }): Promise<DemoPage> {
  const server = await DemoServer.start({ memory: true });
  t.after(() => server.dispose());
  const demo = await openDemo(browser, server.url(transport), viewport ? { viewport } : {});
  t.after(() => demo.context.close());
  return demo;
}

/** The accessible name of the focused element, as a screen reader announces it. */
function focusedName(demo: DemoPage): Promise<string> {
  return demo.page.evaluate(() => {
    const active = document.activeElement;
    return active instanceof HTMLElement ? `${active.localName}: ${active.innerText.replace(/\s+/g, ' ').trim()}` : String(active?.localName);
  });
}

for (const transport of ['sse', 'ws'] as const) {
  test(`${transport}: a todo moved to either end with the keyboard keeps focus`, { timeout: TEST_TIMEOUT }, async (t) => {
    const demo = await setUp(t, transport);
    await waitForTodos(demo.page, [FIRST, SECOND, THIRD]);
    const down = todoButton(demo.page, 'down', FIRST);
    await down.focus();
    await down.press('Enter');
    await waitForTodos(demo.page, [SECOND, FIRST, THIRD]);
    await down.press('Enter');
    await waitForTodos(demo.page, [SECOND, THIRD, FIRST]);
    assert.match(await focusedName(demo), new RegExp(`^button: ↓ Move ${FIRST} down$`), 'focus stayed on the button pressed, now at the end');
    // At the end the button changes nothing, and focus stays.
    await demo.page.keyboard.press('Enter');
    await demo.page.keyboard.press('Shift+Tab');
    await demo.page.keyboard.press('Enter');
    await waitForTodos(demo.page, [SECOND, FIRST, THIRD]);
    await demo.page.keyboard.press('Enter');
    await waitForTodos(demo.page, [FIRST, SECOND, THIRD]);
    assert.match(await focusedName(demo), new RegExp(`^button: ↑ Move ${FIRST} up$`), 'moving up to the top keeps focus too');
    assert.deepEqual(demo.problems, []);
  });
}

test('each card says whether it is shared or the visitor’s own', { timeout: TEST_TIMEOUT }, async (t) => {
  const demo = await setUp(t, 'sse');
  const whose = (title: string) => demo.page.locator(`section:has(#${title}) .whose`).innerText();
  assert.match(await whose('profile-title'), /^YOURS\s+Kept for this browser/i);
  assert.match(await whose('todos-title'), /^SHARED\s+One list for everyone/i);
  assert.match(await whose('note-title'), /^SHARED\s+Everyone on this server/i);
});

test('on a phone (390×844) the header is compact and the first card starts in the first screen', { timeout: TEST_TIMEOUT }, async (t) => {
  const demo = await setUp(t, 'ws', { width: 390, height: 844 });
  const header = await demo.page.locator('.site-header').boundingBox();
  assert.ok(header && header.height <= 120, `the header is ${header?.height} px tall (at most 120 of 844)`);
  const card = await demo.page.locator('section:has(#profile-title)').boundingBox();
  assert.ok(card && card.y < 844 * 0.6, `the profile card starts at ${card?.y} px`);
  // Nothing overflows sideways.
  await until(demo.page, () => document.documentElement.scrollWidth <= window.innerWidth, null, 'no horizontal scroll');
  assert.ok(await demo.page.locator('#connection-badge').isVisible());
  assert.ok(await demo.page.locator('.transport-switch a[data-transport="ws"]').isVisible());
  if (process.env.E2E_SCREENSHOTS) await demo.page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/demo-phone.png` });
});
