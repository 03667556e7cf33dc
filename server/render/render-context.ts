import { readPath, type JsonObject, type JsonValue } from '../../protocol/index.js';

/** An instance as read for the page: its state at `rev`. */
export interface RenderedInstance {
  readonly state: JsonObject;
  readonly rev: number;
}

/** A refused form event shown again after the redirect: the scope's `$error`, and `$errors[field]` with a field. */
export interface FormError {
  readonly type: string;
  /** The instance as the page names it. */
  readonly instance: string;
  readonly message: string;
  readonly field?: string;
}

/** What a form or button sends without JavaScript: the event, its instance as the page names it, its payload. */
export interface FormEvent {
  readonly type: string;
  readonly instance: string;
  readonly event: string;
  readonly payload: JsonObject;
}

/** What one render of a page is given. */
export interface PageInputs {
  /** The instance a scope names, as read for this request's session; `undefined` leaves the scope as written. */
  instance(type: string, instance: string): RenderedInstance | undefined;
  /** The error of the last form event, shown once. */
  readonly error?: FormError;
  /** How forms and buttons post their events without JavaScript; absent: they are left as written. */
  readonly forms?: FormTargets;
}

/** Where the events of a page's forms and buttons go without JavaScript. */
export interface FormTargets {
  /** A `<form na-submit>`'s `action`: its event in the address, its fields the payload. */
  action(event: FormEvent): string;
  /** A `<button na-click>`'s `value`: its event, posted through the page's hidden form. */
  button(event: FormEvent): string;
  /** The `action` of the page's hidden form, which the buttons submit. */
  readonly hidden: string;
}

/** Who answers a binding's reads and whose instance an event goes to: an `<na-scope>`, or a list item in one. */
export interface Owner {
  readonly type: string;
  readonly instance: string;
  read(path: string): JsonValue | undefined;
  /** What events from inside add to their payload: the keys of the list items around them. */
  readonly payload: JsonObject;
  /** The item's key as the browser's list computes it (only for a list item). */
  readonly key?: string;
}

/** One render as it goes: the page's inputs, the owner of what is being written, and what was used so far. */
export interface RenderContext {
  readonly page: PageInputs;
  readonly owner: Owner | undefined;
  /** For the options of a bound `<select>`: whether the option with this index is selected. */
  readonly selected?: (option: number) => boolean;
  /** Set once a button was pointed at the page's hidden form, which is then written at the end of the body. */
  readonly used: { hiddenForm: boolean };
}

/** The owner of what an `<na-scope>` holds: the instance's state, and `$error`/`$errors` from a refused form event. */
export function scopeOwner(type: string, instance: string, state: JsonObject, error: FormError | undefined): Owner {
  const mine = error !== undefined && error.type === type && error.instance === instance ? error : undefined;
  const local: JsonObject = mine ? { $error: mine.message, $errors: mine.field === undefined ? {} : { [mine.field]: mine.message } } : {};
  return {
    type,
    instance,
    payload: {},
    read(path) {
      // Most bindings name a top-level property: read without splitting the path.
      const dot = path.indexOf('.');
      const first = dot === -1 ? path : path.slice(0, dot);
      const top = first.startsWith('$') ? (Object.hasOwn(local, first) ? local[first] : undefined) : Object.hasOwn(state, first) ? state[first] : undefined;
      return dot === -1 ? top : readPath(top, path.slice(dot + 1).split('.'));
    },
  };
}

/** The owner of one list item: reads are relative to the item, and events carry its key (outer items' win). */
export function itemOwner(parent: Owner, item: JsonValue, keyName: string | undefined, key: string): Owner {
  const keyValue = keyName !== undefined && isObject(item) ? item[keyName] : undefined;
  return {
    type: parent.type,
    instance: parent.instance,
    key,
    payload: keyValue === undefined ? parent.payload : { [keyName!]: keyValue, ...parent.payload },
    read: (path) => (path === '.' ? item : path.indexOf('.') === -1 && isObject(item) ? (Object.hasOwn(item, path) ? item[path] : undefined) : readPath(item, path.split('.'))),
  };
}

/**
 * An item's key as the browser's keyed list makes it: the key property as text, or the index without `key`;
 * `undefined` for an item the browser matches by position because its key is missing or taken (the browser
 * renders those itself). `seen` collects the keys given so far, as the browser's does.
 */
export function itemKey(item: JsonValue, index: number, keyName: string | undefined, seen: Set<string>): string | undefined {
  if (keyName === undefined) {
    seen.add(`#${index}`);
    return `#${index}`;
  }
  const value = isObject(item) ? item[keyName] : undefined;
  if (value === undefined || value === null) return undefined;
  const key = String(value);
  if (seen.has(key)) {
    seen.add(`\u0000${key}#${index}`);
    return undefined;
  }
  seen.add(key);
  return key;
}

function isObject(value: JsonValue): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
