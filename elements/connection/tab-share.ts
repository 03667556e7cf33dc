import type { ClientEvent } from '../../protocol/index.js';
import { FollowerLink, type FollowerRequest, type HolderState } from './follower-link.js';
import { SharedTransport } from './shared-transport.js';
import type { StreamLink, StreamLinkOwner } from './stream-link.js';
import { randomId } from './tab-storage.js';
import type { SendResult, Transport, TransportKind } from './transport.js';

/** What the tabs of one connection say to each other on their `BroadcastChannel` (`to`: for that tab only). */
type ShareMessage =
  | FollowerRequest
  /** A following tab is there (again), and whether it is visible. */
  | { t: 'hello'; to?: undefined; tab: string; visible: boolean }
  | ({ t: 'state'; to?: undefined } & HolderState)
  /** One message of the holder's stream, as it arrived. */
  | { t: 'message'; to?: undefined; text: string }
  | { t: 'result'; to: string; n: number; result: SendResult }
  /** The holder is hidden and this tab is not: it takes the connection over. */
  | { t: 'take'; to: string };

/** What the page connection does when this tab's part changes. */
export interface ShareOwner {
  /** The tab's stream is now `link`: its own (which this tab then holds and opens), or another tab's. */
  use(link: StreamLink | FollowerLink): void;
  /** The tabs could not share (no holder answered, or the browser refused a lock): this tab opens its own. */
  alone(): void;
  /** The server says the holder's client id is another session's: take a new one and reopen. */
  rotate(): void;
}

/** How long a tab waits for the holder to answer before it opens a connection of its own. */
const ANSWER_TIMEOUT_MS = 3_000;

/**
 * One connection for all the tabs of a browser that connect to the same base URL with the same transport
 * asked for (locks and channels are per origin and browser profile, so per session too). The tabs
 * elect one holder with a Web Lock: the first tab takes it at once and opens the stream; the others wait in
 * line for the lock, which the browser hands to one of them the moment the holder's page is closed, reloaded
 * or crashes, and meanwhile send and receive through the holder over a `BroadcastChannel`. A hidden holder
 * hands the connection to a visible tab (a hidden tab's timers are throttled, and it may be frozen). Each tab
 * also holds a lock of its own for its life, so that the holder learns when a tab is gone and unmounts what
 * it alone showed.
 */
export class TabShare {
  readonly #name: string;
  readonly #kind: TransportKind;
  readonly #stream: StreamLink;
  readonly #links: StreamLinkOwner;
  readonly #owner: ShareOwner;
  readonly #id = randomId();
  readonly #channel: BroadcastChannel;
  /** Releases this tab's own lock. */
  #leave: (() => void) | undefined;
  /** While holding: releases the connection's lock. */
  #release: (() => void) | undefined;
  /** While holding: the other tabs (whether each is visible), what they show, and the watches on their locks. */
  readonly #tabs = new Map<string, boolean>();
  #shownBy = new Map<string, Set<string>>();
  #watches = new AbortController();
  /** While following: the holder's stream as this tab sees it, and the wait in line for the lock. */
  #follower: FollowerLink | undefined;
  #waiting = new AbortController();
  #holder = '';
  #answerTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  /** `stream`: this tab's own, opened with `kind` while this tab holds the connection. */
  constructor(kind: TransportKind, stream: StreamLink, links: StreamLinkOwner, owner: ShareOwner) {
    const name = (this.#name = `nasc:1 ${kind} ${links.endpoint().base.href}`);
    this.#kind = kind;
    this.#stream = stream;
    this.#links = links;
    this.#owner = owner;
    this.#channel = new BroadcastChannel(name);
    this.#channel.onmessage = ({ data }: MessageEvent<ShareMessage>) => this.#receive(data);
    this.#lock(this.#id, {}, () => new Promise<void>((leave) => (this.#leave = leave)));
    this.#elect({ ifAvailable: true });
    document.addEventListener('visibilitychange', () => (this.#release ? this.#handOver() : this.#hello()));
  }

  /** The holder's transport, which counts what each tab shows. */
  wrap(transport: Transport): Transport {
    return new SharedTransport(transport, this.#shownBy);
  }

  /** The holder's stream changed state: the other tabs follow it. */
  announce(reason?: string, delay?: number): void {
    const { transport, state, attempt } = this.#stream;
    if (this.#release && transport) this.#post({ t: 'state', holder: this.#id, client: this.#links.endpoint().clientId, kind: transport.kind, state, attempt, reason, delay });
  }

  /** A message of the holder's stream, for the other tabs (before the holder itself reads it). */
  relay(text: string): void {
    if (this.#release && this.#tabs.size > 0) this.#post({ t: 'message', text });
  }

  /** This tab leaves: another one takes the connection over if this one held it. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#answerTimer);
    this.#waiting.abort();
    this.#watches.abort();
    this.#release?.();
    this.#release = this.#follower = undefined;
    this.#leave?.();
    this.#channel.close();
  }

  /** Asks for the lock `${name} ${suffix}` (the connection's: no suffix); `granted` runs while it is held. */
  #lock(suffix: string, options: LockOptions, granted: LockGrantedCallback<unknown>): Promise<unknown> {
    return navigator.locks.request(`${this.#name} ${suffix}`, options, granted).catch(() => {});
  }

  #elect(options: LockOptions): void {
    let release: (() => void) | undefined;
    const waiting = new AbortController();
    // A signal may only go with a request that waits in line.
    if (!options.ifAvailable && !options.steal) options.signal = (this.#waiting = waiting).signal;
    navigator.locks
      .request(this.#name, options, (lock) => (lock ? new Promise<void>((resolve) => this.#hold((release = resolve))) : this.#follow()))
      .catch(() => {
        // Stolen by the tab this one handed the connection to, given up by this tab, or refused by the browser.
        if (release) {
          if (release === this.#release) this.#follow();
        } else if (!waiting.signal.aborted && !this.#closed) {
          this.#alone();
        }
      });
  }

  #hold(release: () => void): void {
    if (this.#closed) return release();
    clearTimeout(this.#answerTimer);
    // A holder waits in no line (a tab told to take over may also have been granted the lock it waited for).
    this.#waiting.abort();
    this.#release = release;
    this.#follower = undefined;
    this.#shownBy = new Map();
    this.#watches = new AbortController();
    this.#own();
    this.announce();
  }

  #own(): void {
    this.#owner.use(this.#stream);
    this.#stream.start(this.#kind);
  }

  #follow(): void {
    this.#release = undefined;
    this.#watches.abort();
    this.#tabs.clear();
    // Whoever holds the connection next is told of this tab, even a tab that held it before this one did.
    this.#holder = '';
    if (this.#closed) return;
    this.#owner.use((this.#follower = new FollowerLink(this.#id, this.#links, (request) => this.#post(request))));
    this.#hello();
    clearTimeout(this.#answerTimer);
    this.#answerTimer = setTimeout(() => this.#alone(), ANSWER_TIMEOUT_MS);
    this.#elect({});
  }

  #alone(): void {
    this.close();
    this.#owner.alone();
    this.#own();
  }

  #hello(): void {
    if (this.#follower) this.#post({ t: 'hello', tab: this.#id, visible: document.visibilityState === 'visible' });
  }

  /** A hidden holder hands the connection to a visible tab, if there is one. */
  #handOver(): void {
    if (document.visibilityState === 'visible') return;
    for (const [tab, visible] of this.#tabs) if (visible) return this.#post({ t: 'take', to: tab });
  }

  #receive(message: ShareMessage): void {
    const follower = this.#follower;
    if (message.to !== undefined && message.to !== this.#id) return;
    switch (message.t) {
      // What the holder does for the other tabs.
      case 'hello':
        if (!this.#release) return;
        // That tab's lock is granted here once its page is gone.
        if (!this.#tabs.has(message.tab)) this.#lock(message.tab, { signal: this.#watches.signal }, () => this.#gone(message.tab));
        this.#tabs.set(message.tab, message.visible);
        this.announce();
        if (message.visible) this.#handOver();
        return;
      case 'send':
        if (this.#release) void this.#send(message.event, message.tab, message.n);
        return;
      case 'nudge':
        if (!this.#release) return;
        if (message.reason === undefined) this.#stream.reconnectNow();
        else this.#owner.rotate();
        return;
      // What a following tab hears from the holder.
      case 'state':
        if (!follower) return;
        clearTimeout(this.#answerTimer);
        // A new holder learns of this tab (and watches its lock).
        if (message.holder !== this.#holder) {
          this.#holder = message.holder;
          this.#hello();
        }
        return follower.told(message);
      case 'message':
        return follower?.message(message.text);
      case 'result':
        return follower?.result(message.n, message.result);
      case 'take':
        if (!follower) return;
        this.#waiting.abort();
        return this.#elect({ steal: true });
    }
  }

  /** Sends a following tab's event on the stream, and tells that tab what became of it. */
  async #send(event: ClientEvent, tab: string, n: number): Promise<void> {
    const transport = this.#stream.transport;
    let result: SendResult = transport instanceof SharedTransport && transport.canSend ? await transport.send(event, tab) : { status: 'retry' };
    if (result.status === 'rejected' && result.code === 'client_id_taken') {
      this.#owner.rotate();
      result = { status: 'retry' };
    }
    this.#post({ t: 'result', to: tab, n, result });
  }

  #gone(tab: string): void {
    this.#tabs.delete(tab);
    const transport = this.#stream.transport;
    if (transport instanceof SharedTransport) transport.gone(tab);
  }

  #post(message: ShareMessage): void {
    if (!this.#closed) this.#channel.postMessage(message);
  }
}
