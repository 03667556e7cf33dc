import type { Connection } from './connection.js';

/**
 * The open streams of each session. Most sessions hold one (one tab): it is kept as it is, without a `Set`
 * of one, which an idle stream would carry for nothing; a second tab turns it into a `Set`.
 *
 * @example
 * const streams = new SessionStreams();
 * streams.add(connection);
 * streams.count(connection.session); // → 1
 */
export class SessionStreams {
  readonly #bySession = new Map<string, Connection | Set<Connection>>();

  /** Streams the session holds now. */
  count(session: string): number {
    const streams = this.#bySession.get(session);
    return streams === undefined ? 0 : streams instanceof Set ? streams.size : 1;
  }

  add(connection: Connection): void {
    const streams = this.#bySession.get(connection.session);
    if (streams === undefined) this.#bySession.set(connection.session, connection);
    else if (streams instanceof Set) streams.add(connection);
    else if (streams !== connection) this.#bySession.set(connection.session, new Set([streams, connection]));
  }

  delete(connection: Connection): void {
    const streams = this.#bySession.get(connection.session);
    if (streams === connection) {
      this.#bySession.delete(connection.session);
    } else if (streams instanceof Set && streams.delete(connection)) {
      if (streams.size === 1) this.#bySession.set(connection.session, streams.values().next().value!);
    }
  }

  /** The session's streams. */
  of(session: string): Iterable<Connection> {
    const streams = this.#bySession.get(session);
    return streams === undefined ? [] : streams instanceof Set ? streams : [streams];
  }
}
