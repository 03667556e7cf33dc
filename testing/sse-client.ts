import { MessageQueue } from './message-queue.js';
import { parseServerMessage, type ServerMessage } from './server-message.js';
import { SseParser, type SseFrame } from './sse-parser.js';

/** Options of {@link SseClient.connect}. */
export interface SseConnectOptions {
  /** Sent as the `Last-Event-ID` header, the way a browser's EventSource resumes. */
  lastEventId?: string;
  /** The Cookie header (`name=value`); none when absent or `null`. */
  cookie?: string | null;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

/** The stream was refused: the status and body the server answered instead. */
export class SseRefusedError extends Error {
  readonly status: number;
  readonly body: string;

  constructor(status: number, body: string) {
    super(`SSE stream refused with ${status}: ${body}`);
    this.name = 'SseRefusedError';
    this.status = status;
    this.body = body;
  }
}

/**
 * A Node SSE client on `fetch`: reads the real response body, parses `text/event-stream` frames and queues
 * them. Every block goes to {@link SseClient.frames}; those with `data` are also parsed as patch arrays into
 * {@link SseClient.messages}.
 *
 * @example
 * const sse = await SseClient.connect(`${base}/nasc/events?clientId=c1`);
 * const message = await sse.messages.next((m) => m.patches.length > 0);
 * await sse.close();
 */
export class SseClient {
  readonly response: Response;
  readonly frames = new MessageQueue<SseFrame>('SSE frames');
  readonly messages = new MessageQueue<ServerMessage>('SSE messages');
  /** Resolves once the stream is over, whoever ended it. */
  readonly finished: Promise<void>;
  readonly #abort: AbortController;
  #raw = '';

  private constructor(response: Response, abort: AbortController, lastEventId: string) {
    this.response = response;
    this.#abort = abort;
    this.finished = this.#read(new SseParser(lastEventId));
  }

  /** Opens a stream; resolves once the response headers arrived (the server has registered the stream). */
  static async connect(url: string, options: SseConnectOptions = {}): Promise<SseClient> {
    const abort = new AbortController();
    const headers: Record<string, string> = { Accept: 'text/event-stream', ...(options.cookie ? { Cookie: options.cookie } : {}), ...options.headers };
    if (options.lastEventId !== undefined) headers['Last-Event-ID'] = options.lastEventId;
    const response = await fetch(url, { headers, signal: abort.signal });
    if (response.status !== 200) throw new SseRefusedError(response.status, await response.text());
    return new SseClient(response, abort, options.lastEventId ?? '');
  }

  /** Everything received so far, decoded, exactly as sent (line breaks included). */
  get raw(): string {
    return this.#raw;
  }

  /** Drops the connection, as a closing browser tab would, and waits for the reader to stop. */
  async close(): Promise<void> {
    this.#abort.abort();
    await this.finished;
  }

  async #read(parser: SseParser): Promise<void> {
    const body = this.response.body;
    if (!body) {
      this.#end('no body');
      return;
    }
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let reason = 'closed by the server';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        this.#raw += text;
        for (const frame of parser.push(text)) {
          this.frames.push(frame);
          if (frame.data !== undefined) this.messages.push(parseServerMessage(frame.data, frame.id));
        }
      }
    } catch (error) {
      reason = this.#abort.signal.aborted ? 'closed by the client' : `failed: ${String(error)}`;
    }
    this.#end(reason);
  }

  #end(reason: string): void {
    this.frames.end(reason);
    this.messages.end(reason);
  }
}
