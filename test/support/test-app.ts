import type { JsonObject, JsonValue } from '../../protocol/index.js';
import { NascError, type AppSchema, type HandlerContext, type MountParams } from '../../server/index.js';

/** A message a handler throws that must never reach a client: credentials, a host, a file path. */
export const SECRET_FAILURE = 'connect postgres://admin:hunter2@db.internal failed in /srv/app/handlers/doc.ts:42';

/** The state a new `Doc` starts with (before mount params). */
export const INITIAL_DOC: JsonObject = { title: 'untitled', count: 0, on: false, tags: ['a'], meta: { x: 1, y: 2 } };

/** One event a handler ran: which, and under which id. */
export interface EventCall {
  event: string;
  eventId: string;
  instance: string;
}

/** The app under test: handlers, schemas, and what the handlers were asked to do. */
export interface TestApp {
  handlers: { Doc: DocHandler; Board: BoardHandler };
  schemas: AppSchema;
  /** Every `mount(params)` call, in order. */
  mountCalls: MountParams[];
  /** Every event that reached a handler, in order. */
  eventCalls: EventCall[];
}

type DocEvent = (payload: JsonObject, state: JsonObject, ctx: HandlerContext) => JsonObject | Promise<JsonObject>;

/** The `Doc` handler: a plain object whose events cover every diffing and failure case. */
export interface DocHandler {
  mount(params: MountParams): JsonObject;
  [event: string]: DocEvent | ((params: MountParams) => JsonObject);
}

function count(state: JsonObject): number {
  return typeof state.count === 'number' ? state.count : 0;
}

/** The same JSON with every object's keys in reverse order: equal for the diff, different as text. */
function reversedKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value).reverse()) out[key] = reversedKeys(value[key]!);
  return out;
}

function stringField(payload: JsonObject, name: string): string {
  const value = payload[name];
  if (typeof value !== 'string') throw new NascError(`"${name}" must be a string.`, { field: name, code: 'bad_payload' });
  return value;
}

/** Methods on a base class: a class handler's events include inherited ones. */
class BoardBase {
  mount(_params: MountParams): JsonObject {
    return { cards: [], touched: false };
  }

  touch(_payload: JsonObject, state: JsonObject): JsonObject {
    return { ...state, touched: true };
  }

  _baseSecret(): JsonObject {
    throw new Error('private methods must never be callable');
  }
}

/** The `Board` handler: a class instance, so its events are prototype methods that need their `this`. */
export class BoardHandler extends BoardBase {
  // An own non-function property: must not show up as an event.
  prefix = 'card-';

  override mount(_params: MountParams): JsonObject {
    return { cards: [], touched: false };
  }

  addCard(payload: JsonObject, state: JsonObject): JsonObject {
    const cards = Array.isArray(state.cards) ? state.cards : [];
    return { ...state, cards: [...cards, `${this.prefix}${stringField(payload, 'name')}`] };
  }

  rename(payload: JsonObject, state: JsonObject): JsonObject {
    return { ...state, name: stringField(payload, 'name') };
  }

  _hidden(): JsonObject {
    throw new Error('private methods must never be callable');
  }

  /** An accessor, not an event. */
  get cardCount(): number {
    return 0;
  }
}

/**
 * Schemas with a `$ref` closure that goes several levels deep and loops: Doc → Tag, Meta → Person → Person,
 * Doc. `Orphan` is referenced by nobody and must never be sent with a Doc.
 */
export const TEST_SCHEMAS: AppSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $defs: {
    Doc: {
      type: 'object',
      properties: {
        title: { type: 'string' },
        count: { type: 'integer' },
        on: { type: 'boolean' },
        tags: { type: 'array', items: { $ref: '#/$defs/Tag' } },
        meta: { $ref: '#/$defs/Meta' },
      },
    },
    Tag: { type: 'string' },
    Meta: {
      type: 'object',
      properties: { owner: { anyOf: [{ $ref: '#/$defs/Person' }, { type: 'null' }] } },
    },
    Person: {
      type: 'object',
      properties: {
        friends: { type: 'array', items: { $ref: '#/$defs/Person' } },
        favourite: { $ref: '#/$defs/Doc' },
      },
    },
    Board: { type: 'object', properties: { cards: { type: 'array', items: { $ref: '#/$defs/Card' } } } },
    Card: { type: 'string' },
    Orphan: { type: 'object' },
  },
};

/** The types a Doc mount must send, in the registry's depth-first order. */
export const DOC_SCHEMA_CLOSURE = ['Doc', 'Tag', 'Meta', 'Person'];

/** The events `GET /nasc/manifest` must list for each type (any order). */
export const EXPECTED_EVENTS = {
  Doc: ['set', 'remove', 'reorder', 'toggle', 'increment', 'same', 'explode', 'explodeAsync', 'explodeWithString', 'refuse'],
  Board: ['touch', 'addCard', 'rename'],
};

/**
 * Creates the app with fresh call logs. `Doc` events:
 * - `set {prop, value}`, `remove {prop}`: change one top-level prop;
 * - `reorder`: same values, every key order reversed; `same`: returns the state unchanged;
 * - `toggle`: flips `on` and counts; `increment`: counts;
 * - `explode`, `explodeAsync`, `explodeWithString`: fail with {@link SECRET_FAILURE};
 * - `refuse {message, field?, code?}`: throws a NascError.
 */
export function createTestApp(): TestApp {
  const mountCalls: MountParams[] = [];
  const eventCalls: EventCall[] = [];
  const record = (ctx: HandlerContext): void => {
    eventCalls.push({ event: ctx.event, eventId: ctx.eventId, instance: ctx.instance });
  };
  const doc: DocHandler = {
    mount(params) {
      mountCalls.push(params);
      if (params.failMount === true) throw new Error(SECRET_FAILURE);
      return { ...INITIAL_DOC, ...(typeof params.title === 'string' ? { title: params.title } : {}) };
    },
    set(payload, state, ctx) {
      record(ctx);
      return { ...state, [stringField(payload, 'prop')]: payload.value ?? null };
    },
    remove(payload, state, ctx) {
      record(ctx);
      const next = { ...state };
      delete next[stringField(payload, 'prop')];
      return next;
    },
    reorder(_payload, state, ctx) {
      record(ctx);
      return reversedKeys(state) as JsonObject;
    },
    same(_payload, state, ctx) {
      record(ctx);
      return state;
    },
    toggle(_payload, state, ctx) {
      record(ctx);
      return { ...state, on: state.on !== true, count: count(state) + 1 };
    },
    increment(_payload, state, ctx) {
      record(ctx);
      return { ...state, count: count(state) + 1 };
    },
    explode(_payload, _state, ctx) {
      record(ctx);
      throw new Error(SECRET_FAILURE);
    },
    async explodeAsync(_payload, _state, ctx) {
      record(ctx);
      await Promise.resolve();
      throw new Error(SECRET_FAILURE);
    },
    explodeWithString(_payload, _state, ctx) {
      record(ctx);
      // Not an Error at all: must be treated like any other unexpected failure.
      throw SECRET_FAILURE;
    },
    refuse(payload, _state, ctx) {
      record(ctx);
      const options: { field?: string; code?: string } = {};
      if (typeof payload.field === 'string') options.field = payload.field;
      if (typeof payload.code === 'string') options.code = payload.code;
      throw new NascError(stringField(payload, 'message'), options);
    },
    _private(_payload: JsonObject, _state: JsonObject, ctx: HandlerContext): JsonObject {
      record(ctx);
      throw new Error('private functions must never be callable');
    },
  };
  return { handlers: { Doc: doc, Board: new BoardHandler() }, schemas: TEST_SCHEMAS, mountCalls, eventCalls };
}
