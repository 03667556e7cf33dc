import type { JsonObject, JsonValue } from '../protocol/index.js';

/** One todo, as the demo's `TodoList` holds it. */
interface Todo {
  id: string;
  title: string;
  completed: boolean;
  [key: string]: JsonValue;
}

const TITLES = ['Buy oat milk and coffee beans', 'Call the plumber about the sink', 'Read chapter 4', 'Send the invoice to Marta', 'Book train tickets for Friday'];

/** The i-th todo's id: UUID-shaped (the demo makes them with `randomUUID`), so patches have the demo's size. */
export function todoId(i: number): string {
  return `6f1c2a9e-4b7d-4e21-9c3a-${i.toString(16).padStart(12, '0')}`;
}

function todos(count: number): Todo[] {
  return Array.from({ length: count }, (_unused, i) => ({ id: todoId(i), title: `${TITLES[i % TITLES.length]} (${i + 1})`, completed: i % 3 === 0 }));
}

function remainingOf(items: Iterable<Todo>): number {
  let left = 0;
  for (const item of items) if (!item.completed) left += 1;
  return left;
}

/** The n-th event's payload: `{ "id": … }` of the todo it toggles, going round the list. */
export function togglePayload(count: number, n: number): string {
  return `{"id":"${todoId(n % count)}"}`;
}

/** A `TodoList` state as the demo holds it: `{ items: [...], remaining }`. */
export function listState(count: number): JsonObject {
  const items = todos(count);
  return { items, remaining: remainingOf(items) };
}

/** The demo's `toggle_todo`, as written there: a new array, the toggled item spread, `remaining` counted again. */
export function toggleInList(payload: JsonObject, state: JsonObject): JsonObject {
  const items = (state.items as Todo[]).map((item) => (item.id === payload.id ? { ...item, completed: !item.completed } : item));
  return { items, remaining: items.filter((item) => !item.completed).length };
}

/** The bare server's `toggle_todo` on a whole list: the item flipped in place; both props are sent. */
export function toggleInListInPlace(payload: JsonObject, state: JsonObject): string[] {
  const items = state.items as Todo[];
  const item = items.find((each) => each.id === payload.id);
  if (item) item.completed = !item.completed;
  state.remaining = remainingOf(items);
  return ['items', 'remaining'];
}

/**
 * The same todos keyed by id, one top-level property each, after `remaining`. Nasc diffs and patches state
 * per top-level property, so this is the shape in which one todo's change is a patch of that todo alone
 * (an `items` object keyed by id would still be one property, sent whole).
 */
export function keyedState(count: number): JsonObject {
  const items = todos(count);
  const state: JsonObject = { remaining: remainingOf(items) };
  for (const item of items) state[item.id] = item;
  return state;
}

function keyedItems(state: JsonObject): Iterable<Todo> {
  return Object.values(state).filter((value): value is Todo => typeof value === 'object' && value !== null && !Array.isArray(value));
}

/** `toggle_todo` on the keyed shape, in the demo's style: a new state with the toggled todo spread. */
export function toggleKeyed(payload: JsonObject, state: JsonObject): JsonObject {
  const id = payload.id;
  const item = typeof id === 'string' ? state[id] : undefined;
  if (typeof id !== 'string' || typeof item !== 'object' || item === null || Array.isArray(item)) return state;
  const next: JsonObject = { ...state, [id]: { ...item, completed: !item.completed } };
  next.remaining = remainingOf(keyedItems(next));
  return next;
}

/** The bare server's keyed `toggle_todo`: the todo flipped in place; `remaining` and that todo are sent. */
export function toggleKeyedInPlace(payload: JsonObject, state: JsonObject): string[] {
  const id = payload.id as string;
  const item = state[id] as Todo | undefined;
  if (!item) return [];
  item.completed = !item.completed;
  state.remaining = remainingOf(keyedItems(state));
  return ['remaining', id];
}
