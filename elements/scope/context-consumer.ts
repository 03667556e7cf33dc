import type { Context } from '@lit/context';
import type { ReactiveControllerHost } from '@lit/reactive-element';
import { requestContext } from './context-protocol.js';

/**
 * Subscribes `host` to the nearest provider of `context` while it is connected, as `@lit/context`'s
 * `ContextConsumer` with `subscribe: true` does: `onValue` gets each value (and the host an update), and a
 * new provider's value replaces the old one's subscription.
 */
export function consumeContext<T>(host: ReactiveControllerHost & Element, context: Context<unknown, T>, onValue: (value: T) => void): void {
  let unsubscribe: (() => void) | undefined;
  // One function for the host's whole life: a provider (or the root) recognizes a repeated request by it.
  const callback = (value: T, dispose?: () => void): void => {
    // Another unsubscribe function means another provider: leave the old one.
    if (unsubscribe !== dispose) unsubscribe?.();
    host.requestUpdate();
    onValue(value);
    unsubscribe = dispose;
  };
  host.addController({
    hostConnected: () => requestContext(host, context, callback),
    hostDisconnected: () => {
      unsubscribe?.();
      unsubscribe = undefined;
    },
  });
}
