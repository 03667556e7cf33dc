import type { JsonObject } from '../protocol/index.js';
import { fieldPayload, formState, setField, setFieldInPlace } from './workload-form.js';
import { keyedState, listState, toggleInList, toggleInListInPlace, toggleKeyed, toggleKeyedInPlace, togglePayload } from './workload-todos.js';
import { editNote, editNoteInPlace, noteState, typingPayload } from './workload-typing.js';

/** The workloads of `--only=workloads`, in the order they are run and reported. */
export const WORKLOAD_NAMES = ['toggle', 'list-4', 'list-50', 'keyed-4', 'keyed-50', 'typing', 'form'] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

/**
 * One kind of state and the event that changes it, done the same way by both servers: Nasc runs
 * {@link Workload.handle} as an app's handler (the engine copies, diffs and serialises around it), and the
 * bare server runs {@link Workload.applyInPlace} on the state it holds and sends the props it names, so the
 * two send the same patches (same props, same values) and the ratio is Nasc's own overhead.
 */
export interface Workload {
  name: WorkloadName;
  /** What it is, for tables. */
  label: string;
  /** The type both servers register it under. */
  type: string;
  /** The event the load sends. */
  event: string;
  /** A new instance's state. */
  mount(): JsonObject;
  /** The payload of the n-th event a client sends (n from 1), as JSON text. */
  payload(n: number): string;
  /** The event as an app's handler: `(payload, state) → newState`, new objects for what changed (the state it gets may be frozen). */
  handle(payload: JsonObject, state: JsonObject): JsonObject;
  /** The same change made in place by the bare server; returns the top-level props it changed, in Nasc's order. */
  applyInPlace(payload: JsonObject, state: JsonObject): string[];
}

/** The todo workloads: the demo's list patched whole, or the same todos keyed by id, one patched. */
const todos = (count: 4 | 50, keyed: boolean): Workload => ({
  name: `${keyed ? 'keyed' : 'list'}-${count}`,
  label: keyed ? `Todos keyed by id, ${count} items, one patched` : `Todo list, ${count} items, patched whole`,
  type: `${keyed ? 'KeyedTodos' : 'TodoList'}${count}`,
  event: 'toggle_todo',
  mount: () => (keyed ? keyedState(count) : listState(count)),
  payload: (n) => togglePayload(count, n),
  handle: keyed ? toggleKeyed : toggleInList,
  applyInPlace: keyed ? toggleKeyedInPlace : toggleInListInPlace,
});

/** Every workload by name. `toggle` is the `Toggle` type of the other sections (one boolean), the floor. */
export const WORKLOADS: Record<WorkloadName, Workload> = {
  toggle: {
    name: 'toggle',
    label: 'Toggle (one boolean)',
    type: 'Toggle',
    event: 'toggle',
    mount: () => ({ on: false }),
    payload: () => '{}',
    handle: (_payload, state) => ({ on: !state.on }),
    applyInPlace: (_payload, state) => {
      state.on = !state.on;
      return ['on'];
    },
  },
  'list-4': todos(4, false),
  'list-50': todos(50, false),
  'keyed-4': todos(4, true),
  'keyed-50': todos(50, true),
  typing: {
    name: 'typing',
    label: 'Text typed (na-input)',
    type: 'SharedNote',
    event: 'edit_note',
    mount: noteState,
    payload: typingPayload,
    handle: editNote,
    applyInPlace: editNoteInPlace,
  },
  form: {
    name: 'form',
    label: 'Nested form, one leaf',
    type: 'SignupForm',
    event: 'set_field',
    mount: formState,
    payload: fieldPayload,
    handle: setField,
    applyInPlace: setFieldInPlace,
  },
};

/** Every workload by the type it is registered under. */
export const WORKLOADS_BY_TYPE: ReadonlyMap<string, Workload> = new Map(Object.values(WORKLOADS).map((workload) => [workload.type, workload]));
