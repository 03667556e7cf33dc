import { formatCursor, type CursorEntry } from '../protocol/index.js';

/** The narrow view of a transport the engine needs: send one patch array, or close. */
export interface ClientChannel {
  /** Sends one message (a JSON patch array). `connection` lets a transport read the resume cursor. */
  send(message: string, connection: Connection): void;
  /** Ends the stream; the client reconnects and resumes from its cursor. */
  close(reason: string): void;
}

/** One open stream of one client, and the instance positions delivered on it. */
export class Connection {
  readonly clientId: string;
  readonly channel: ClientChannel;
  /** Instance key → position: what this stream has delivered, in the order it was subscribed. */
  readonly positions = new Map<string, CursorEntry>();
  #cursor: string | undefined;

  constructor(clientId: string, channel: ClientChannel) {
    this.clientId = clientId;
    this.channel = channel;
  }

  /** Records that a message brought this stream to `rev` of an instance. */
  advance(key: string, type: string, instance: string, rev: number): void {
    const position = this.positions.get(key);
    if (position) position.rev = rev;
    else this.positions.set(key, { type, instance, rev });
    this.#cursor = undefined;
  }

  forget(key: string): void {
    if (this.positions.delete(key)) this.#cursor = undefined;
  }

  /** The resume cursor after the last message sent (the SSE `id:`). Computed only when a transport asks. */
  get cursor(): string {
    return (this.#cursor ??= formatCursor(this.positions.values()));
  }
}
