import type { Context, ContextCallback } from '@lit/context';

// The part of the community context protocol (the `context-request` event) that Nasc uses, written out so the
// bundle does not carry all of `@lit/context` (~1 KB gzip). It stays interoperable with it: the events have the
// same names and fields, and keys are compared by identity, so `@lit/context` consumers and providers meet these.

/** A `context-request` event as the protocol defines it (what `@lit/context`'s `ContextRequestEvent` carries). */
export interface ContextRequest extends Event {
  readonly context: Context<unknown, unknown>;
  /** The requesting element; absent from some implementations, hence `composedPath()[0]`. */
  readonly contextTarget?: Element;
  readonly callback: ContextCallback<unknown>;
  readonly subscribe?: boolean;
}

/** The element a request or provider event came from, across shadow roots. */
export function requester(event: Event & { contextTarget?: Element }): Element {
  return event.contextTarget ?? (event.composedPath()[0] as Element);
}

/** Asks the nearest provider of `context` above `target` for its value, subscribing to later ones. */
export function requestContext<T>(target: Element, context: Context<unknown, T>, callback: ContextCallback<T>): void {
  target.dispatchEvent(
    Object.assign(new Event('context-request', { bubbles: true, composed: true }), {
      context,
      contextTarget: target,
      callback,
      subscribe: true,
    }),
  );
}

/**
 * Provides `value` for `context` to every requester inside `host`. The value never changes, so subscribers are
 * kept only to hand them the same unsubscribe function again, and to re-parent them when a provider for the
 * same context appears between them and `host`. A `ReactiveControllerHost` announces itself when it connects
 * (`context-provider`), so requests made before it existed find it.
 */
export function provideContext<T>(host: Element, context: Context<unknown, T>, value: T): void {
  const subscribers = new Map<ContextCallback<T>, [unsubscribe: () => void, consumer: Element]>();
  host.addEventListener('context-request', (event) => {
    const request = event as ContextRequest;
    const consumer = requester(request);
    // An element may consume and provide the same context: it never provides to itself.
    if (request.context !== context || consumer === host) return;
    request.stopPropagation();
    const callback = request.callback;
    if (!request.subscribe) return callback(value);
    let subscriber = subscribers.get(callback);
    if (!subscriber) subscribers.set(callback, (subscriber = [() => subscribers.delete(callback), consumer]));
    callback(value, subscriber[0]);
  });
  host.addEventListener('context-provider', (event) => {
    const announced = event as Event & { context?: unknown; contextTarget?: Element };
    if (announced.context !== context || requester(announced) === host) return;
    announced.stopPropagation();
    // A copy: a consumer may subscribe here again while we walk (when the new provider is not above it).
    for (const [callback, [, consumer]] of [...subscribers]) requestContext(consumer, context, callback);
  });
  (host as { addController?: (controller: { hostConnected(): void }) => void }).addController?.({
    hostConnected: () =>
      host.dispatchEvent(
        Object.assign(new Event('context-provider', { bubbles: true, composed: true }), { context, contextTarget: host }),
      ),
  });
}
