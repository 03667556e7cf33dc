import type { SseSink } from './sse-channel.js';

/**
 * An SSE stream as the body of a streaming `Response`: the portable path, for runtimes other than Node and
 * for `app.request()` (on Node, {@link NodeSseSink} writes to the socket directly). `onCancel` runs when
 * the client goes away.
 */
export class WebSseSink implements SseSink {
  readonly stream: ReadableStream<string>;
  #controller!: ReadableStreamDefaultController<string>;

  constructor(maxBufferedBytes: number, onCancel: () => void) {
    this.stream = new ReadableStream<string>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        cancel: onCancel,
      },
      { highWaterMark: maxBufferedBytes, size: (chunk) => chunk.length },
    );
  }

  write(chunk: string): boolean {
    this.#controller.enqueue(chunk);
    return (this.#controller.desiredSize ?? 0) >= 0;
  }

  end(chunk: string): void {
    try {
      this.#controller.enqueue(chunk);
      this.#controller.close();
    } catch {
      // Already closed by the client.
    }
  }

  cut(): void {
    this.#controller.error(new Error('client too slow: buffer overflow'));
  }
}
