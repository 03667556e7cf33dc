import type { Context, ContextCallback } from '@lit/context';
import { requestContext, requester, type ContextRequest } from './context-protocol.js';

/**
 * Keeps the subscribing context requests no provider answered, and asks again when a provider of their context
 * announces itself (`context-provider`), as `@lit/context`'s `ContextRoot` does: an element defined or
 * connected before its provider still finds it. Held weakly, so a request never keeps its element alive.
 */
export function holdUnansweredRequests(root: EventTarget): void {
  let waiting: [context: Context<unknown, unknown>, consumer: WeakRef<Element>, callback: WeakRef<ContextCallback<unknown>>][] = [];
  const held = new WeakSet<ContextCallback<unknown>>();
  root.addEventListener('context-request', (event) => {
    const { subscribe, callback, context } = event as ContextRequest;
    if (subscribe !== true || held.has(callback)) return;
    held.add(callback);
    waiting.push([context, new WeakRef(requester(event)), new WeakRef(callback)]);
  });
  root.addEventListener('context-provider', (event) => {
    const { context } = event as Event & { context: Context<unknown, unknown> };
    const retry = waiting.filter((entry) => entry[0] === context);
    waiting = waiting.filter((entry) => entry[0] !== context);
    // Those still unanswered come back here and wait again.
    for (const [, elementRef, callbackRef] of retry) {
      const element = elementRef.deref();
      const callback = callbackRef.deref();
      if (!callback) continue;
      held.delete(callback);
      if (element) requestContext(element, context, callback);
    }
  });
}
