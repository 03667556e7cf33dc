/** The part of Node's `IncomingMessage` (or `Http2ServerRequest`) a request body is read from. */
export interface NodeRequestBody {
  readonly readableLength: number;
  read(): Uint8Array | string | null;
  on(event: 'data', listener: (chunk: Uint8Array | string) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'data', listener: (chunk: Uint8Array | string) => void): unknown;
  off(event: 'end' | 'close', listener: () => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
  pause(): unknown;
}

/** The client went away before its body was complete: there is no one left to answer. */
export class RequestBodyAborted extends Error {
  constructor() {
    super('The request body ended early: the client closed the connection.');
    this.name = 'RequestBodyAborted';
  }
}

const utf8 = new TextDecoder();

/** Bytes as text, as `Request.text()` decodes them: a leading byte order mark dropped, bad UTF-8 replaced. */
export function utf8Text(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

/**
 * The body, when Node has already received all of it: a small POST comes in the same packet as its headers,
 * and by the time the handler runs it waits in the request's buffer. Taken from there it skips the two ticks
 * the stream's `data` and `end` take. `undefined` while part of it is on its way.
 */
export async function bufferedRequestBody(incoming: NodeRequestBody, length: number): Promise<string | undefined> {
  if (length === 0) return undefined;
  // Handlers run inside the 'request' event, before Node's parser has read on past the headers: one
  // microtask later, a body that came with them is in the buffer.
  await undefined;
  if (incoming.readableLength !== length) return undefined;
  const body = incoming.read();
  if (body === null) return undefined;
  return typeof body === 'string' ? body : utf8Text(body);
}

/**
 * Reads a request body as UTF-8 text, giving up (`undefined`) as soon as it passes `maxBytes`: the rest is
 * left unread, so answer with `Connection: close`. Rejects with {@link RequestBodyAborted} when the client
 * closes the connection first.
 */
export async function readRequestBody(incoming: NodeRequestBody, declaredBytes: number, maxBytes: number): Promise<string | undefined> {
  if (Number.isFinite(declaredBytes)) {
    const buffered = await bufferedRequestBody(incoming, declaredBytes);
    if (buffered !== undefined) return buffered;
  }
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const stop = (): void => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('close', onClose);
      incoming.off('error', onError);
    };
    const onData = (chunk: Uint8Array | string): void => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += bytes.byteLength;
      if (size > maxBytes) {
        stop();
        incoming.pause();
        resolve(undefined);
        return;
      }
      chunks.push(bytes);
    };
    const onEnd = (): void => {
      stop();
      resolve(utf8Text(Buffer.concat(chunks, size)));
    };
    // 'close' before 'end': the client is gone. An 'error' is followed by 'close'; both end here.
    const onClose = (): void => {
      stop();
      reject(new RequestBodyAborted());
    };
    const onError = onClose;
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('close', onClose);
    incoming.on('error', onError);
  });
}
