import { newTabClientId, randomId, tabClientId } from './tab-storage.js';

/** Connections of this page that keep their id in the tab (see `tabClientId`). */
let tabIdSlots = 0;

/**
 * A connection's client id: the tab's own, kept in sessionStorage (connections of one page made in the same
 * order get the same ids after a reload, each its own), or one the caller chose.
 */
export class TabIdentity {
  clientId: string;
  readonly #owned: boolean;
  readonly #slot: number;

  constructor(chosen: string | undefined) {
    this.#owned = chosen === undefined;
    this.#slot = this.#owned ? tabIdSlots++ : 0;
    this.clientId = chosen ?? tabClientId(this.#slot);
  }

  /** Takes a new id (the old one is another session's, or was refused again and again). */
  renew(): string {
    return (this.clientId = this.#owned ? newTabClientId(this.#slot) : randomId());
  }

  /**
   * A duplicated tab starts with a copy of its parent's sessionStorage, so both would use one client id and
   * keep replacing each other's stream. Tabs announce their id on a BroadcastChannel; the younger of two
   * is told (`onTaken`) and takes a new one. (Its copied outbox is harmless: the server applies each event
   * id once.)
   */
  guard(onTaken: () => void): void {
    if (!this.#owned || typeof BroadcastChannel === 'undefined') return;
    const channel = new BroadcastChannel('nasc:client-ids');
    // When this connection was made, in wall-clock ms: the elder of two keeps the id.
    const born = performance.timeOrigin + performance.now();
    channel.onmessage = ({ data }: MessageEvent<{ kind: string; clientId: string; born: number }>) => {
      if (data?.clientId !== this.clientId) return;
      if (data.kind === 'hello' && data.born > born) channel.postMessage({ kind: 'taken', clientId: this.clientId, born });
      else if (data.kind === 'taken' && data.born < born) onTaken();
    };
    channel.postMessage({ kind: 'hello', clientId: this.clientId, born });
  }
}
