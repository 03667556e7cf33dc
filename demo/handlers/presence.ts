import { defineHandler } from 'nasc/server';

/** How many streams are open to this server: one per browser (its tabs share one), or per tab that opted out. */
export interface Presence {
  online: number;
}

/**
 * `Presence`: state the server changes by itself. `refresh` recomputes the count from `countStreams` (the
 * engine's open streams), so a page may send it too without being able to lie; the presence watcher sends
 * it whenever the count moves.
 */
export function createPresenceHandler(countStreams: () => number) {
  return defineHandler<Presence>({
    mount: () => ({ online: countStreams() }),
    refresh: () => ({ online: countStreams() }),
  });
}
