import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { HttpPoster } from './http-poster.js';
import { withTimeout } from './sleep.js';
import { openSse, sessionCookie, type SseStream } from './sse-reader.js';

/** The two transports. */
export type Transport = 'sse' | 'ws';

/** The one type every benchmark uses. */
export const BENCH_TYPE = 'Toggle';

/** A short random id for client ids and instances. */
export function benchId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/**
 * One Node client of a bench server (Nasc or bare: same paths, same wire format) over one transport: the
 * stream in (`GET /nasc/events` or `/nasc/ws`), events out (POSTs on `lanes` keep-alive sockets, or frames
 * on the socket).
 */
export class BenchSession {
  readonly transport: Transport;
  readonly clientId: string;
  /** The session cookie the stream was given (`name=value`; '' from the bare server). */
  cookie = '';
  /** Called with every message (a JSON patch array as text). */
  onMessage: (data: string) => void = () => undefined;
  readonly #posters: HttpPoster[];
  readonly #stream: SseStream | undefined;
  readonly #socket: WebSocket | undefined;

  private constructor(transport: Transport, clientId: string, posters: HttpPoster[], stream?: SseStream, socket?: WebSocket) {
    this.transport = transport;
    this.clientId = clientId;
    this.#posters = posters;
    this.#stream = stream;
    this.#socket = socket;
  }

  /** Opens the stream (resolved once its first `[]` arrived) and, for SSE, `lanes` POST sockets. */
  static async open(transport: Transport, port: number, lanes = 1): Promise<BenchSession> {
    const clientId = benchId('c');
    let session: BenchSession | undefined;
    const relay = (data: string): void => session?.onMessage(data);
    if (transport === 'sse') {
      const stream = await openSse(`http://127.0.0.1:${port}/nasc/events?clientId=${clientId}`, relay);
      const posters = await Promise.all(Array.from({ length: lanes }, () => HttpPoster.connect(port)));
      for (const poster of posters) poster.cookie = stream.cookie;
      session = new BenchSession(transport, clientId, posters, stream);
      session.cookie = stream.cookie;
      return session;
    }
    const socket = new WebSocket(`ws://127.0.0.1:${port}/nasc/ws?clientId=${clientId}`, { perMessageDeflate: false });
    let cookie = '';
    socket.once('upgrade', (response) => (cookie = sessionCookie(response.headers['set-cookie'])));
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('message', () => resolve());
        socket.once('error', reject);
      }),
      10_000,
      'opening a WebSocket',
    );
    socket.on('message', (data: Buffer) => relay(data.toString()));
    socket.on('error', () => undefined);
    session = new BenchSession(transport, clientId, [], undefined, socket);
    session.cookie = cookie;
    return session;
  }

  /**
   * Sends one event (of `type`, with `payload` as JSON text). SSE: POSTs it on lane `lane` and resolves with
   * the answer (202 expected, else it throws). WS: writes the frame and resolves at once.
   */
  async send(event: string, instance: string, eventId: string, lane = 0, type = BENCH_TYPE, payload = '{}'): Promise<void> {
    const head = `{"event":"${event}","type":"${type}","instance":"${instance}","payload":${payload},"eventId":"${eventId}"`;
    if (this.#socket) {
      this.#socket.send(`${head}}`);
      return;
    }
    const response = await this.#posters[lane]!.post('/nasc/event', `${head},"clientId":"${this.clientId}"}`);
    if (response.status !== 202) throw new Error(`POST /nasc/event answered ${response.status}: ${response.body}`);
  }

  /** Mounts (subscribes to) an instance of `type`; resolves once its acknowledged snapshot arrived. */
  async mount(instance: string, type = BENCH_TYPE): Promise<void> {
    const eventId = benchId('m');
    const previous = this.onMessage;
    const acked = new Promise<void>((resolve) => {
      this.onMessage = (data) => {
        if (data.includes(eventId)) resolve();
        previous(data);
      };
    });
    try {
      await this.send('mount', instance, eventId, 0, type);
      await withTimeout(acked, 10_000, `mounting ${instance}`);
    } finally {
      this.onMessage = previous;
    }
  }

  /** POST sockets opened again because the server answered with `Connection: close`. */
  get reconnects(): number {
    return this.#posters.reduce((sum, poster) => sum + poster.reconnects, 0);
  }

  close(): void {
    for (const poster of this.#posters) poster.close();
    this.#stream?.close();
    this.#socket?.terminate();
  }
}
