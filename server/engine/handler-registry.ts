import { ReservedEvent } from '../../protocol/index.js';
import { handlerOptions, type AnyHandler, type MountParams } from './handler.js';
import type { PayloadSchema } from './payload-schema.js';

type Callable = (...args: unknown[]) => unknown;

/** A handler with its callable events resolved once. */
export interface RegisteredHandler {
  readonly type: string;
  readonly mount: (params: MountParams) => unknown;
  readonly events: ReadonlyMap<string, Callable>;
  /** The payload schemas of the events declared with `withPayload`. */
  readonly payloads: ReadonlyMap<string, PayloadSchema>;
  /** Its events get the stored state, not a copy (`HandlerOptions.immutableState`). */
  readonly immutableState: boolean;
}

function payloadSchemaOf(event: Callable): PayloadSchema | undefined {
  const schema = (event as Callable & { payloadSchema?: unknown }).payloadSchema;
  return schema !== null && typeof schema === 'object' ? (schema as PayloadSchema) : undefined;
}

const RESERVED = new Set<string>([ReservedEvent.Mount, ReservedEvent.Unmount, 'constructor']);

/**
 * Resolves the events a handler declares: its own function properties and, for class instances, the methods of
 * its classes, never `Object.prototype` members, never `mount`/`unmount`/`constructor`, never names starting
 * with `_` (private by convention). The result is a Map, so no lookup can reach an inherited name later.
 */
export function registerHandler(type: string, handler: AnyHandler): RegisteredHandler {
  if (typeof handler !== 'object' || handler === null || typeof handler.mount !== 'function') {
    throw new TypeError(`Handler for type "${type}" must be an object with a mount(params) function`);
  }
  const events = new Map<string, Callable>();
  const payloads = new Map<string, PayloadSchema>();
  const layers: object[] = [];
  for (let layer: object | null = handler; layer && layer !== Object.prototype; layer = Object.getPrototypeOf(layer)) {
    layers.push(layer);
  }
  // Walk from the base class to the object itself so overrides win.
  for (const layer of layers.reverse()) {
    for (const name of Object.getOwnPropertyNames(layer)) {
      if (RESERVED.has(name) || name.startsWith('_')) continue;
      const descriptor = Object.getOwnPropertyDescriptor(layer, name);
      if (descriptor && typeof descriptor.value === 'function') {
        events.set(name, (descriptor.value as Callable).bind(handler));
        const schema = payloadSchemaOf(descriptor.value as Callable);
        if (schema) payloads.set(name, schema);
        else payloads.delete(name);
      }
    }
  }
  return { type, mount: handler.mount.bind(handler), events, payloads, immutableState: handlerOptions(handler).immutableState === true };
}
