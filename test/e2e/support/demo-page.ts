import type { Locator, Page } from 'playwright-core';
import { until } from './browser.js';

/** The todo titles in page order. */
export async function todoTitles(page: Page): Promise<string[]> {
  return page.$$eval('.todo-items > .todo .todo-title', (titles) => titles.map((title) => title.textContent ?? ''));
}

/** Waits until the list shows exactly `titles`, in that order. */
export async function waitForTodos(page: Page, titles: readonly string[]): Promise<void> {
  await until(
    page,
    (expected) => {
      const shown = [...document.querySelectorAll('.todo-items > .todo .todo-title')].map((title) => title.textContent);
      return JSON.stringify(shown) === JSON.stringify(expected);
    },
    titles,
    `the todos are ${JSON.stringify(titles)}`,
  );
}

/** The checkbox of a todo, found by its label (the title) as a screen reader would. */
export function todoCheckbox(page: Page, title: string): Locator {
  return page.getByRole('checkbox', { name: title, exact: true });
}

/** A todo's move or remove button, found by its accessible name. */
export function todoButton(page: Page, action: 'up' | 'down' | 'remove', title: string): Locator {
  const name = action === 'remove' ? `Remove ${title}` : `Move ${title} ${action}`;
  return page.getByRole('button', { name, exact: true });
}

/** Types a title into the new-todo field and submits with Enter. */
export async function addTodo(page: Page, title: string): Promise<void> {
  await page.getByLabel('New todo').fill(title);
  await page.getByLabel('New todo').press('Enter');
}

/** Waits until the element's text (trimmed) is `text`. */
export async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  await until(
    page,
    ([css, expected]) => document.querySelector(css)?.textContent?.trim() === expected,
    [selector, text] as const,
    `${selector} reads ${JSON.stringify(text)}`,
  );
}

/** Waits until a traffic row of `direction` (`out`, `in`) contains `fragment`. */
export async function waitForTraffic(page: Page, direction: 'out' | 'in' | 'local', fragment: string): Promise<void> {
  await until(
    page,
    ([dir, part]) => [...document.querySelectorAll(`#traffic-log > li[data-direction="${dir}"]`)].some((row) => row.textContent?.includes(part)),
    [direction, fragment] as const,
    `the traffic panel lists ${direction === 'out' ? 'a sent event' : 'a received patch'} with ${JSON.stringify(fragment)}`,
  );
}
