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

/** A row the traffic panel (`<na-traffic>`) must show: its kind, and what its cells hold. */
export interface TrafficRow {
  kind: 'sent' | 'received' | 'error' | 'stream';
  /** One of the instances the row names, e.g. `TodoList/my-list`. */
  instance?: string;
  /** Part of one line of the message cell. */
  message: string;
  rev?: string;
  /** Part of one line of the result cell, e.g. `ack`. */
  result?: string;
  via?: 'SSE' | 'WS';
}

/** Waits until the traffic panel shows a row like `row` (whatever its filter and position). */
export async function waitForTraffic(page: Page, row: TrafficRow): Promise<void> {
  await until(
    page,
    (wanted) => {
      const rows = document.querySelector('na-traffic')?.shadowRoot?.querySelectorAll<HTMLElement>('tbody tr.entry') ?? [];
      return [...rows].some((tr) => {
        const lines = (cell: string, part: string): string[] => [...tr.querySelectorAll(`td.${cell} ${part}`)].map((node) => node.textContent ?? '');
        return (
          tr.dataset.kind === wanted.kind &&
          (wanted.instance === undefined || lines('instance', 'span').includes(wanted.instance)) &&
          lines('message', 'code').some((line) => line.includes(wanted.message)) &&
          (wanted.rev === undefined || tr.querySelector('td.rev')?.textContent === wanted.rev) &&
          (wanted.result === undefined || lines('result', 'span').some((line) => line.includes(wanted.result!))) &&
          (wanted.via === undefined || tr.querySelector('td.via')?.textContent === wanted.via)
        );
      });
    },
    row,
    `the traffic panel shows a row ${JSON.stringify(row)}`,
  );
}
