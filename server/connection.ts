import { cursorEntryPrefix, type CursorEntry, type JsonObject } from '../protocol/index.js';

/** The narrow view of a transport the engine needs: send one patch array, or close. */
export interface ClientChannel {
  /** Sends one message (a JSON patch array). `connection` lets a transport read the resume cursor. */
  send(message: string, connection: Connection): void;
  /** Ends the stream; the client reconnects and resumes from its cursor. */
  close(reason: string): void;
}

/** A position, with its cursor text up to the revision made once (not URI-encoded again on every message). */
interface Position extends CursorEntry {
  readonly prefix: string;
}

/** What an idle stream's positions read as: shared, and never written (writes go through `advance`). */
const NO_ENTRIES: ReadonlyMap<string, CursorEntry> = new Map();

/** One open stream of one client (a tab of a session), and the instance positions delivered on it. */
export class Connection {
  /** The registry key: the client id within its session. */
  readonly key: string;
  readonly session: string;
  readonly clientId: string;
  readonly channel: ClientChannel;
  // Both maps are made on first use: an idle stream (nothing mounted yet, no alias, the common case for
  // aliases) holds neither, about 0.35 KB less per stream.
  #positions: Map<string, Position> | undefined;
  #aliases: Map<string, string> | undefined;
  #cursor: string | undefined;

  constructor(key: string, caller: { session: string; clientId: string }, channel: ClientChannel) {
    this.key = key;
    this.session = caller.session;
    this.clientId = caller.clientId;
    this.channel = channel;
  }

  /** Instance key → position (under the client's own instance names): what this stream has delivered. */
  get positions(): ReadonlyMap<string, CursorEntry> {
    return this.#positions ?? NO_ENTRIES;
  }

  /** The name this client uses for a resolved instance (`user-7f…` → `currentUser`), if it is another. */
  aliasOf(instance: string): string | undefined {
    return this.#aliases?.get(instance);
  }

  /** Records that this client names the resolved `instance` as `alias`. */
  setAlias(instance: string, alias: string): void {
    (this.#aliases ??= new Map()).set(instance, alias);
  }

  /** Sends a message, naming aliased instances as this client knows them. */
  send(message: string): void {
    this.channel.send(this.#aliases === undefined ? message : this.#renamed(message), this);
  }

  /** Records that a message brought this stream to `rev` of an instance. */
  advance(key: string, type: string, instance: string, rev: number): void {
    const position = this.#positions?.get(key);
    if (position) position.rev = rev;
    else (this.#positions ??= new Map()).set(key, { type, instance, rev, prefix: cursorEntryPrefix(type, instance) });
    this.#cursor = undefined;
  }

  forget(key: string): void {
    if (this.#positions?.delete(key)) this.#cursor = undefined;
  }

  /**
   * The resume cursor after the last message sent (the SSE `id:`), as `formatCursor` writes it. Computed only
   * when a transport asks.
   */
  get cursor(): string {
    if (this.#cursor === undefined) {
      let cursor = '';
      if (this.#positions) for (const { prefix, rev } of this.#positions.values()) cursor += cursor === '' ? prefix + rev : ` ${prefix}${rev}`;
      this.#cursor = cursor;
    }
    return this.#cursor;
  }

  #renamed(message: string): string {
    const patches = JSON.parse(message) as JsonObject[];
    let renamed = false;
    for (const patch of patches) {
      const alias = typeof patch.instance === 'string' ? this.#aliases?.get(patch.instance) : undefined;
      if (alias !== undefined) {
        patch.instance = alias;
        renamed = true;
      }
    }
    return renamed ? JSON.stringify(patches) : message;
  }
}
