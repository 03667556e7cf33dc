import { ReservedEvent, type ClientEvent } from '../../protocol/index.js';
import { SseTransport } from './sse-transport.js';
import { ConnectionState, type StreamLinkOwner } from './stream-link.js';
import { TransportKind, type SendResult, type Transport, type TransportListener } from './transport.js';

/** Why a tab's stream went down when the browser's shared connection moved from one tab to another. */
export const CONNECTION_MOVES = 'the connection moves to another tab';

/** What the tab holding the connection tells the others about its stream. */
export interface HolderState {
  /** The holding tab (its share id). */
  holder: string;
  /** The client id its stream is open under. */
  client: string;
  kind: TransportKind;
  state: ConnectionState;
  attempt: number;
  /** Set when the stream dropped: why, and when it tries again. */
  reason?: string;
  delay?: number;
}

/** What a following tab (`tab`) asks of the holder (`to`): send an event for it, or do something about the stream. */
export type FollowerRequest =
  | { t: 'send'; to: string; tab: string; n: number; event: ClientEvent }
  /** Without `reason`: reconnect now. With it: the stream is not to be trusted, open a new one. */
  | { t: 'nudge'; to: string; reason?: string };

/** A stream nobody listens to: a following tab's POSTs need a transport's sending, not its stream. */
const NO_STREAM: TransportListener = { onOpen() {}, onMessage() {}, onClose() {} };

/**
 * A tab's connection while another tab of the browser holds it (see `TabShare`): the holder's stream as the
 * holder reports it (its state, each of its messages), and a transport for this tab's events, each tagged
 * with this tab's own client id (`from`), so the server keeps its limits, order and handler `clientId` per
 * tab. Mounts and unmounts go through the holder, which counts them per tab; over SSE the other events are
 * POSTed by this tab itself, naming the holder's stream (a hop between tabs fewer on the way to the server),
 * and over WebSocket the holder writes them to its socket. It stands where the tab's own `StreamLink` would,
 * for the page connection and its sender alike.
 */
export class FollowerLink implements Transport {
  state: ConnectionState = ConnectionState.Connecting;
  attempt = 0;
  kind: TransportKind = TransportKind.Sse;
  readonly #tab: string;
  readonly #owner: StreamLinkOwner;
  readonly #ask: (request: FollowerRequest) => void;
  /** The holding tab, once it told its state, and its stream's client id. */
  #holder = '';
  #client = '';
  readonly #sends = new Map<number, (result: SendResult) => void>();
  #sent = 0;

  /** `tab`: this tab's id among the tabs sharing the connection. */
  constructor(tab: string, owner: StreamLinkOwner, ask: (request: FollowerRequest) => void) {
    this.#tab = tab;
    this.#owner = owner;
    this.#ask = ask;
  }

  /** The holder's stream, as a transport; undefined until a holder told its state. */
  get transport(): Transport | undefined {
    return this.#holder ? this : undefined;
  }

  get window(): number {
    return this.kind === TransportKind.Ws ? 64 : 1;
  }

  get canSend(): boolean {
    return this.state === ConnectionState.Live;
  }

  /** The holder's stream changed state, or another tab holds it now. */
  told(news: HolderState): void {
    const wasLive = this.state === ConnectionState.Live;
    // Another tab's stream, or the holder's opened anew under another client id (`reopen` says nothing
    // until it is live): a stream subscribed to nothing, which this tab's mounts must reach again.
    const moved = news.holder !== this.#holder || news.client !== this.#client;
    this.#holder = news.holder;
    this.#client = news.client;
    this.kind = news.kind;
    this.attempt = news.attempt;
    this.state = news.state;
    if (news.state === ConnectionState.Live) {
      // The mounts and unanswered events go again on a new stream.
      if (!wasLive || moved) this.#owner.live(news.kind);
      return;
    }
    // Sends the holder may never answer go again once a stream is live (the server applies each id once).
    this.#retryAll();
    if (wasLive || news.reason) this.#owner.down(news.kind, news.reason ?? CONNECTION_MOVES, news.attempt, news.delay ?? 0);
  }

  /** One message of the holder's stream. */
  message(text: string): void {
    this.#owner.message(text);
  }

  /** What became of a send the holder made for this tab. */
  result(n: number, result: SendResult): void {
    this.#sends.get(n)?.(result);
    this.#sends.delete(n);
  }

  send(event: ClientEvent): Promise<SendResult> {
    const { base, clientId } = this.#owner.endpoint();
    const tagged = { ...event, from: clientId };
    if (this.kind === TransportKind.Sse && event.event !== ReservedEvent.Mount && event.event !== ReservedEvent.Unmount) {
      return this.#post(new SseTransport({ base, clientId: this.#client }, NO_STREAM), tagged);
    }
    return new Promise((resolve) => {
      this.#sends.set(++this.#sent, resolve);
      this.#ask({ t: 'send', to: this.#holder, tab: this.#tab, n: this.#sent, event: tagged });
    });
  }

  /** The holder opens and closes the stream; a follower only listens. */
  open(): void {}

  close(): void {
    this.state = ConnectionState.Closed;
    this.#retryAll();
  }

  reconnectNow(): void {
    this.#ask({ t: 'nudge', to: this.#holder });
  }

  /** This tab took a new client id: the holder's stream is not concerned. */
  reopen(): void {}

  /** An accepted event's ack never came: the holder opens its stream anew, under a new client id. */
  fail(reason: string): void {
    this.#ask({ t: 'nudge', to: this.#holder, reason });
  }

  /** POSTs an event of this tab on the holder's stream. */
  async #post(poster: SseTransport, event: ClientEvent): Promise<SendResult> {
    const result = await poster.send(event);
    if (result.status !== 'rejected' || result.code !== 'client_id_taken') return result;
    // The holder's stream is another session's (the browser's cookie changed under it): it opens a new one.
    this.#ask({ t: 'nudge', to: this.#holder, reason: result.code });
    return { status: 'retry' };
  }

  #retryAll(): void {
    for (const resolve of this.#sends.values()) resolve({ status: 'retry' });
    this.#sends.clear();
  }
}
