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
    // [spec] No CR or LF inside a field value. A message is JSON text (JSON writes a line break in a string
    // as `\n`) and the cursor is URI-encoded, so the frame is written as it is; should a message ever hold a
    // line break (a custom broker's doing), formatSseMessage refuses it loudly instead.
    if (message.includes('\n') || message.includes('\r')) return formatSseMessage({ data: message });
    if (!this.#statedCursor && connection.positions.size === 0) return `data: ${message}\n\n`;
    this.#statedCursor = true;
    return `id: ${connection.cursor}\ndata: ${message}\n\n`;
  }
}
