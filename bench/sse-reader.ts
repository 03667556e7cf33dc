import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { withTimeout } from './sleep.js';

/**
 * An incremental `text/event-stream` reader for the bench servers' streams: blocks end with a blank line,
 * lines with LF (both servers write LF only); each block's `data:` lines, joined, are one message. Comments,
 * `id:` and `retry:` are skipped.
 */
export class SseReader {
  #pending = '';

  /** Feeds decoded text; returns the data of every block it completed. */
  push(text: string): string[] {
    this.#pending += text;
    const messages: string[] = [];
    let end: number;
    while ((end = this.#pending.indexOf('\n\n')) >= 0) {
      const block = this.#pending.slice(0, end);
      this.#pending = this.#pending.slice(end + 2);
      let data: string | undefined;
      for (const line of block.split('\n')) {
        if (line.startsWith('data:')) {
          const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
          data = data === undefined ? value : `${data}\n${value}`;
        }
      }
      if (data !== undefined) messages.push(data);
    }
    return messages;
  }
}

/** The `name=value` part of the first `Set-Cookie` header, or ''. */
export function sessionCookie(setCookie: string[] | undefined): string {
  return setCookie?.[0]?.split(';')[0] ?? '';
}

/** An open SSE stream read through `node:http`. */
export interface SseStream {
  readonly response: IncomingMessage;
  /** The `name=value` of the cookie the server set when the stream opened (Nasc's session), or ''. */
  readonly cookie: string;
  /** Ends the stream (destroys the socket). */
  close(): void;
}

/**
 * Opens `url` as an SSE stream on its own socket and calls `onMessage` with each message's data. Resolves
 * once the first message arrived (Nasc and the bare server both send `[]` first): the stream is registered.
 */
export async function openSse(url: string, onMessage: (data: string) => void, timeoutMs = 10_000): Promise<SseStream> {
  let req: ClientRequest | undefined;
  const opened = new Promise<SseStream>((resolve, reject) => {
    req = request(url, { agent: false, headers: { Accept: 'text/event-stream' } }, (response) => {
      if (response.statusCode !== 200) {
        reject(new Error(`SSE ${url} answered ${response.statusCode}`));
        response.resume();
        return;
      }
      const reader = new SseReader();
      let first = true;
      response.setEncoding('utf8');
      response.on('data', (text: string) => {
        for (const data of reader.push(text)) {
          if (first) {
            first = false;
            resolve({ response, cookie: sessionCookie(response.headers['set-cookie']), close: () => response.destroy() });
          }
          onMessage(data);
        }
      });
      response.on('error', () => undefined);
    });
    req.on('error', reject);
    req.end();
  });
  try {
    return await withTimeout(opened, timeoutMs, `opening ${url}`);
  } catch (error) {
    req?.destroy();
    throw error;
  }
}
