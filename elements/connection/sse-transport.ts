import type { ClientEvent } from '../../protocol/index.js';
import { explainRefusal } from '../dev/stream-refusal.js';
import { TransportKind, type SendResult, type Transport, type TransportEndpoint, type TransportListener } from './transport.js';

/**
 * Server-Sent Events down (`GET events`), `fetch` POSTs up (`POST event`). The page connection owns
 * reconnection (with backoff), so a failed stream is closed here instead of left to the browser's fixed-delay
 * retry.
 */
export class SseTransport implements Transport {
  readonly kind = TransportKind.Sse;
  readonly window = 1;
  readonly #endpoint: TransportEndpoint;
  readonly #listener: TransportListener;
  #source: EventSource | undefined;
  #live = false;

  constructor(endpoint: TransportEndpoint, listener: TransportListener) {
    this.#endpoint = endpoint;
    this.#listener = listener;
  }

  get canSend(): boolean {
    return this.#live;
  }

  open(): void {
    this.close();
    const url = new URL('events', this.#endpoint.base);
    url.searchParams.set('clientId', this.#endpoint.clientId);
    const source = new EventSource(url, { withCredentials: url.origin !== location.origin });
    this.#source = source;
    source.onmessage = (event: MessageEvent<string>) => {
      if (source !== this.#source) return;
      if (!this.#live) {
        this.#live = true;
        this.#listener.onOpen();
      }
      this.#listener.onMessage(event.data);
    };
    source.onerror = () => {
      if (source !== this.#source) return;
      // A browser does not say why a stream was refused; in development, ask the server once.
      if (globalThis.NASC_DEV_MODE !== false && !this.#live) void explainRefusal(url, source.withCredentials);
      this.close();
      this.#listener.onClose('event stream failed');
    };
  }

  close(): void {
    this.#source?.close();
    this.#source = undefined;
    this.#live = false;
  }

  async send(event: ClientEvent): Promise<SendResult> {
    let response: Response;
    try {
      response = await fetch(new URL('event', this.#endpoint.base), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ ...event, clientId: this.#endpoint.clientId }),
        credentials: this.#endpoint.base.origin === location.origin ? 'same-origin' : 'include',
        keepalive: false,
      });
    } catch {
      return { status: 'retry' };
    }
    if (response.ok) return { status: 'sent' };
    // Only a stated wait counts: without the header (a proxy's 502, a 500) the connection backs off itself.
    const retryAfter = Number(response.headers.get('Retry-After') || Number.NaN);
    if (response.status === 429 || response.status >= 500 || response.status === 409) {
      // 409 no_stream / not_mounted: the stream or the mount is on its way; try again once it is.
      if (response.status !== 409) return retryAfter >= 0 ? { status: 'retry', retryAfterMs: retryAfter * 1000 } : { status: 'retry' };
      const body = await readError(response);
      if (body.code === 'no_stream') return { status: 'retry' };
      return { status: 'rejected', ...body };
    }
    return { status: 'rejected', ...(await readError(response)) };
  }
}

async function readError(response: Response): Promise<{ code: string; message: string }> {
  try {
    const body = (await response.json()) as { error?: unknown; code?: unknown };
    return {
      code: typeof body.code === 'string' ? body.code : `http_${response.status}`,
      message: typeof body.error === 'string' ? body.error : `The server answered ${response.status}.`,
    };
  } catch {
    return { code: `http_${response.status}`, message: `The server answered ${response.status}.` };
  }
}
