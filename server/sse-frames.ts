import { formatSseMessage } from '../protocol/index.js';
import type { Connection } from './connection.js';

/**
 * Frames messages for one SSE stream, with the resume cursor as `id:`. A resumed stream gets its positions
 * back only after it opened (and after the opening `[]`): until it has delivered one, its cursor is empty, and
 * an empty `id:` would wipe the `Last-Event-ID` the browser resumes from. So no `id:` until there is a
 * position to state.
 */
export class SseFrames {
  #statedCursor = false;

  frame(message: string, connection: Connection): string {
    if (!this.#statedCursor && connection.positions.size === 0) return formatSseMessage({ data: message });
    this.#statedCursor = true;
    return formatSseMessage({ data: message, id: connection.cursor });
  }
}
