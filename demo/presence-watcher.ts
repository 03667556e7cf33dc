import type { Nasc } from 'nasc/server';

/** Which instance holds the count, and how often to look. */
export interface PresenceWatcherOptions {
  instance?: string;
  intervalMs?: number;
}

/**
 * Keeps `Presence/<instance>` equal to the number of open streams: every `intervalMs` it compares the stored
 * count with the engine's and, when they differ, dispatches a `refresh` event to the instance itself. Every
 * tab that shows the instance gets the new count, with no page having done anything. Returns the stop
 * function.
 */
export function watchPresence(nasc: Nasc, options: PresenceWatcherOptions = {}): () => void {
  const instance = options.instance ?? 'server';
  let busy = false;
  const check = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      const record = await nasc.engine.store.load('Presence', instance);
      // Not mounted yet: the first tab that shows it mounts it with the right count.
      if (!record || record.state.online === nasc.engine.connectionCount) return;
      // An event from the server itself: applied and fanned out like a page's.
      await nasc.engine.dispatch({ event: 'refresh', type: 'Presence', instance, payload: {} });
    } catch (error) {
      nasc.engine.logger.warn('presence refresh failed', { error: String(error) });
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void check(), options.intervalMs ?? 1_000);
  timer.unref();
  return () => clearInterval(timer);
}
