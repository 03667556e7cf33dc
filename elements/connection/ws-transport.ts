import type { ClientEvent } from '../../protocol/index.js';
import { TransportKind, type SendResult, type Transport, type TransportEndpoint, type TransportListener } from './transport.js';

/** One WebSocket (`GET ws`) both ways. */
export class WsTransport implements Transport {
  readonly kind = TransportKind.Ws;
  readonly window = 64;
  readonly #endpoint: TransportEndpoint;
  readonly #listener: TransportListener;
  #socket: WebSocket | undefined;
  #live = false;

  constructor(endpoint: TransportEndpoint, listener: TransportListener) {
    this.#endpoint = endpoint;
    this.#listener = listener;
  }

  get canSend(): boolean {
    return this.#live && this.#socket?.readyState === WebSocket.OPEN;
  }

  open(): void {
    this.close();
    const url = new URL('ws', this.#endpoint.base);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('clientId', this.#endpoint.clientId);
    const socket = new WebSocket(url);
    this.#socket = socket;
    socket.onmessage = (event: MessageEvent<unknown>) => {
      if (socket !== this.#socket || typeof event.data !== 'string') return;
      if (!this.#live) {
        this.#live = true;
        this.#listener.onOpen();
      }
      this.#listener.onMessage(event.data);
    };
    socket.onclose = (event) => {
      if (socket !== this.#socket) return;
      this.#socket = undefined;
      this.#live = false;
      this.#listener.onClose(`socket closed (${event.code})`);
    };
  }

  close(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    this.#live = false;
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000);
  }

  async send(event: ClientEvent): Promise<SendResult> {
    if (!this.canSend) return { status: 'retry' };
    this.#socket!.send(JSON.stringify(event));
    return { status: 'sent' };
  }
}
