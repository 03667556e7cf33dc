/**
 * One block of an SSE stream, up to the blank line that ends it, with every field it carried. Blocks without
 * `data` (a `retry:` hint, a keepalive comment) are kept too: tests assert on them.
 */
export interface SseFrame {
  /** Comment lines (`: text`), without the colon and its following space. */
  comments: string[];
  /** The `data` buffer (lines joined by LF), absent when the block had no `data` field. */
  data?: string;
  /** The block's own `id:` field, absent when it had none. */
  id?: string;
  event?: string;
  retry?: number;
  /** The stream's last event id once this block was read, as a browser's EventSource would hold it. */
  lastEventId: string;
}

/**
 * An incremental parser of `text/event-stream` following the HTML "event stream interpretation" rules:
 * lines end with CRLF, LF or CR; a blank line ends a block; `:` starts a comment; one space after the
 * field's colon is dropped; an `id` containing NUL is ignored; `retry` counts only when all digits.
 *
 * @example
 * const parser = new SseParser();
 * parser.push('id: 1\ndata: [1]\n\n'); // → [{ comments: [], id: '1', data: '[1]', lastEventId: '1' }]
 */
export class SseParser {
  #pending = '';
  #lastEventId: string;
  #block: Omit<SseFrame, 'lastEventId'> = { comments: [] };
  #blockHasFields = false;

  /** `lastEventId`: the id the client already holds, e.g. the one it resumes from (a browser keeps it). */
  constructor(lastEventId = '') {
    this.#lastEventId = lastEventId;
  }

  /** Feeds decoded text and returns the blocks it completed. */
  push(text: string): SseFrame[] {
    this.#pending += text;
    const frames: SseFrame[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.#pending);
      if (!match) break;
      // A CR at the very end may be the first half of a CRLF split across chunks: wait for the next chunk.
      if (match[0] === '\r' && match.index === this.#pending.length - 1) break;
      const line = this.#pending.slice(0, match.index);
      this.#pending = this.#pending.slice(match.index + match[0].length);
      const frame = this.#line(line);
      if (frame) frames.push(frame);
    }
    return frames;
  }

  /** Text received after the last complete line (a stream should end with none). */
  get remainder(): string {
    return this.#pending;
  }

  #line(line: string): SseFrame | undefined {
    if (line === '') return this.#dispatch();
    this.#blockHasFields = true;
    if (line.startsWith(':')) {
      this.#block.comments.push(line.slice(1).replace(/^ /, ''));
      return undefined;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    switch (field) {
      case 'data':
        this.#block.data = this.#block.data === undefined ? value : `${this.#block.data}\n${value}`;
        break;
      case 'id':
        this.#block.id = value;
        if (!value.includes('\u0000')) this.#lastEventId = value;
        break;
      case 'event':
        this.#block.event = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.#block.retry = Number(value);
        break;
      default:
        // Unknown fields are ignored by browsers; a test that cares reads the raw text.
        break;
    }
    return undefined;
  }

  #dispatch(): SseFrame | undefined {
    const block = this.#block;
    const had = this.#blockHasFields;
    this.#block = { comments: [] };
    this.#blockHasFields = false;
    return had ? { ...block, lastEventId: this.#lastEventId } : undefined;
  }
}
