import { randomUUID } from 'node:crypto';
import type { JsonObject } from 'nasc/protocol';
import { defineHandler, NascError } from 'nasc/server';
import { textField } from './text-field.js';

/** One todo. `id` is what `<na-bind key="id">` matches items by, and what item events carry. */
export interface Todo {
  id: string;
  title: string;
  completed: boolean;
}

/** The todo list's state: the items, and how many are left (computed here, so the page needs no script). */
export interface TodoList {
  items: Todo[];
  remaining: number;
}

export const MAX_TODOS = 50;
/** What a new list holds: a short tour of the demo. */
export const SAMPLE_TODOS: readonly Omit<Todo, 'id'>[] = [
  { title: 'Open this page in a second window', completed: false },
  { title: 'Restart the server: nothing is lost', completed: false },
  { title: 'Read the traffic panel', completed: true },
];
export const MAX_TITLE = 120;

function withItems(items: Todo[]): TodoList {
  return { items, remaining: items.filter((item) => !item.completed).length };
}

function indexOf(state: TodoList, payload: JsonObject): number {
  return state.items.findIndex((item) => item.id === payload.id);
}

/** Swaps the item named by `payload.id` with its neighbour `offset` away; no change at either end. */
function move(state: TodoList, payload: JsonObject, offset: -1 | 1): TodoList {
  const from = indexOf(state, payload);
  const to = from + offset;
  if (from < 0 || to < 0 || to >= state.items.length) return state;
  const items = [...state.items];
  [items[from], items[to]] = [items[to]!, items[from]!];
  return withItems(items);
}

/**
 * `TodoList`: add, toggle, reorder, remove. An event naming an item that is gone (another window removed
 * it) changes nothing: the event is still acknowledged, and the page already shows the list without it.
 * Every event returns new objects for what it changes (`immutableState`): the engine skips copying the list.
 */
export const TodoList = defineHandler<TodoList>({
  mount: () => withItems(SAMPLE_TODOS.map((todo) => ({ id: randomUUID(), ...todo }))),

  add_todo(payload, state) {
    const title = textField(payload, 'title');
    if (!title) throw new NascError('A todo needs a title.', { field: 'title' });
    if (title.length > MAX_TITLE) throw new NascError(`Keep a todo under ${MAX_TITLE} characters.`, { field: 'title' });
    if (state.items.length >= MAX_TODOS) throw new NascError(`The list is full (${MAX_TODOS} todos): remove one first.`, { field: 'title' });
    return withItems([...state.items, { id: randomUUID(), title, completed: false }]);
  },

  toggle_todo(payload, state) {
    return withItems(state.items.map((item) => (item.id === payload.id ? { ...item, completed: !item.completed } : item)));
  },

  move_up: (payload, state) => move(state, payload, -1),

  move_down: (payload, state) => move(state, payload, 1),

  remove_todo(payload, state) {
    return withItems(state.items.filter((item) => item.id !== payload.id));
  },
}, { immutableState: true });
