/**
 * The baseline of the render benchmark: the demo page filled with the same state by a plain template, as an
 * app would write one by hand without Nasc (a template literal: static text, escaped values, a loop for the
 * todos). It writes what the page shows (texts, input values, checked boxes, the list items) and nothing of
 * what Nasc's render adds for the browser (the stamp's state as JSON, the no-JavaScript form addresses).
 */
import type { Todo } from '../demo/handlers/todo-list.js';

/** The demo's state, as the render benchmark reads it. */
export interface DemoState {
  user: { name: string; email: string };
  todos: { items: Todo[]; remaining: number };
  online: number;
  note: { text: string; edits: number };
}

const SPECIAL = /[&<>"]/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const escape = (value: unknown): string => String(value).replace(SPECIAL, (char) => ENTITY[char]!);

/** Cuts `page` at each of `marks` (in order), as a template compiler cuts a template at its holes. */
function cut(page: string, marks: readonly string[]): string[] {
  const parts: string[] = [];
  let rest = page;
  for (const mark of marks) {
    const at = rest.indexOf(mark);
    if (at < 0) throw new Error(`the demo page has no ${mark}`);
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + mark.length);
  }
  parts.push(rest);
  return parts;
}

/** Compiles the baseline for the demo page's HTML: the function that fills it. */
export function plainDemoPage(page: string): (state: DemoState) => string {
  const item = (todo: Todo): string => `
                <li class="todo">
                  <label class="todo-label">
                    <input type="checkbox"${todo.completed ? ' checked' : ''}>
                    <span class="todo-title">${escape(todo.title)}</span>
                  </label>
                  <span class="todo-actions">
                    <button type="submit" class="icon move-up"><span aria-hidden="true">↑</span><span class="visually-hidden">Move ${escape(todo.title)} up</span></button>
                    <button type="submit" class="icon move-down"><span aria-hidden="true">↓</span><span class="visually-hidden">Move ${escape(todo.title)} down</span></button>
                    <button type="submit" class="icon remove"><span aria-hidden="true">✕</span><span class="visually-hidden">Remove ${escape(todo.title)}</span></button>
                  </span>
                </li>
              `;
  const p = cut(page, [
    'Guest</na-bind>',
    '…</na-bind>',
    'aria-describedby="profile-name-error">',
    'aria-describedby="profile-email-error">',
    '0</na-bind> left',
    '</template>',
    '…</na-bind></strong>',
    'aria-describedby="note-meta"></textarea>',
    '0</na-bind> edits',
  ]);
  return (state) =>
    `${p[0]}${escape(state.user.name)}</na-bind>${p[1]}${escape(state.user.email)}</na-bind>${p[2]}aria-describedby="profile-name-error" value="${escape(state.user.name)}">` +
    `${p[3]}aria-describedby="profile-email-error" value="${escape(state.user.email)}">${p[4]}${state.todos.remaining}</na-bind> left${p[5]}</template>` +
    `${state.todos.items.map(item).join('')}${p[6]}${state.online}</na-bind></strong>${p[7]}aria-describedby="note-meta">${escape(state.note.text)}</textarea>` +
    `${p[8]}${state.note.edits}</na-bind> edits${p[9]}`;
}
