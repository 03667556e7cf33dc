import type { JsonObject, JsonValue } from '../../protocol/index.js';
import type { FromSchema, PayloadSchema } from './payload-schema.js';

/** What `mount` receives: the instance id plus whatever parameters the scope sent. */
export interface MountParams {
  instance: string;
  [param: string]: JsonValue;
}

/** What every event function receives besides the payload and state. */
export interface HandlerContext {
  readonly type: string;
  readonly instance: string;
  readonly event: string;
  readonly eventId: string;
  /** The tab that sent the event. */
  readonly clientId: string;
  /** The server-issued session of the sender (one per browser, shared by its tabs). */
  readonly session: string;
}

type Awaitable<T> = T | Promise<T>;

/**
 * One event function: `(payload, state, ctx) → newState`. Declared through a method so the handler's own
 * `mount(params)` also fits the index signature of {@link Handler}.
 */
export type EventFunction<State> = {
  event(payload: JsonObject, state: State, ctx: HandlerContext): Awaitable<State>;
}['event'];

/**
 * A handler for one type: `mount` makes the first state of a new instance, every other own function is an
 * event. State must be a JSON object; what the functions return is saved and diffed.
 */
export interface Handler<State extends object = JsonObject> {
  mount(params: MountParams): Awaitable<State>;
  [event: string]: EventFunction<State>;
}

/** Any handler object, typed or not: an object with `mount`. Class instances fit too. */
export interface AnyHandler {
  mount(params: MountParams): unknown;
}

/** How the engine runs a handler's events: {@link defineHandler}'s second argument. */
export interface HandlerOptions {
  /**
   * The handler never changes the `state` it is given: it returns new objects for what changed and keeps the
   * rest (`{ ...state, count: state.count + 1 }`, `items.map((item) => (item.id === id ? { ...item, done } :
   * item))`). The engine then gives it the stored state itself instead of a copy, and takes the parts it kept
   * as they are: on a large state an event costs what it changed, not a copy and a JSON walk of the whole
   * state. While `NODE_ENV` is not `production` the state it gets is deep-frozen, so that a handler that
   * changes it anyway fails at once (strict mode throws a `TypeError`; the log says why) instead of changing
   * the stored state behind the engine's back. Off by default: the handler gets a copy it may change.
   */
  immutableState?: boolean;
}

/** Where {@link defineHandler} keeps a handler's options: a symbol, so they are never taken for an event. */
export const HANDLER_OPTIONS: unique symbol = Symbol.for('nasc.handlerOptions');

/**
 * Declares a handler with its state type checked: every event must return `State` (or a promise of it).
 * `options` says how its events are run ({@link HandlerOptions}).
 *
 * @example
 * interface Counter { count: number }
 * export const Counter = defineHandler<Counter>({
 *   mount: () => ({ count: 0 }),
 *   increment: (_payload, state) => ({ count: state.count + 1 }),
 * }, { immutableState: true });
 */
export function defineHandler<State extends object>(handler: Handler<State>, options?: HandlerOptions): Handler<State> {
  if (options) Object.defineProperty(handler, HANDLER_OPTIONS, { value: { ...options }, configurable: true });
  return handler;
}

/** The options a handler was declared with ({@link defineHandler}), if any. */
export function handlerOptions(handler: object): HandlerOptions {
  return (handler as { [HANDLER_OPTIONS]?: HandlerOptions })[HANDLER_OPTIONS] ?? {};
}

/** An event function that declares its payload's JSON Schema: the server validates payloads against it first. */
export type PayloadEvent<State, S extends PayloadSchema = PayloadSchema> = EventFunction<State> & { readonly payloadSchema: S };

/**
 * Declares an event with its payload's JSON Schema. The payload's type is read from the schema (`by: { type:
 * 'integer' }` makes `payload.by` a `number`), and the server validates each payload against it before the
 * handler runs: a payload that does not match is refused as a handler's `NascError` would be (code
 * `invalid_payload`, `field` the property at fault), and the handler never sees it. Events declared without it
 * get whatever JSON object the page sent, as before.
 *
 * @example
 * export const Counter = defineHandler<Counter>({
 *   mount: () => ({ count: 0 }),
 *   add: withPayload(
 *     { type: 'object', properties: { by: { type: 'integer', minimum: 1 } }, required: ['by'] },
 *     (payload, state) => ({ count: state.count + payload.by }),
 *   ),
 * });
 */
export function withPayload<const S extends PayloadSchema, State extends object>(
  schema: S,
  run: (payload: FromSchema<S>, state: State, ctx: HandlerContext) => Awaitable<State>,
): PayloadEvent<State, S> {
  // The payload reaching `run` has passed the schema, so it has the type the schema describes.
  const event = (payload: JsonObject, state: State, ctx: HandlerContext): Awaitable<State> => run(payload as FromSchema<S>, state, ctx);
  return Object.assign(event, { payloadSchema: schema });
}
