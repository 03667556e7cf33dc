/**
 * A resume cursor: which revision of each instance a client holds. SSE carries it as the message `id:` (so the
 * browser's own `Last-Event-ID` resumes), the WebSocket client sends it as `?cursor=` when it opens. Format:
 * space-separated `type/instance@rev` with `type` and `instance` URI-encoded, which keeps it free of CR, LF
 * and NUL whatever the ids hold.
 */

/** One instance's position in a cursor. */
export interface CursorEntry {
  type: string;
  instance: string;
  rev: number;
}

/** Most entries a cursor may carry; longer ones are refused rather than half-applied. */
export const MAX_CURSOR_ENTRIES = 256;

/**
 * The part of a cursor entry before its revision, `type/instance@` URI-encoded: a server keeps it per position
 * and appends the revision on each message.
 */
export function cursorEntryPrefix(type: string, instance: string): string {
  return `${encodeURIComponent(type)}/${encodeURIComponent(instance)}@`;
}

/**
 * Formats cursor entries.
 *
 * @example
 * formatCursor([{ type: 'TodoList', instance: 'my list', rev: 4 }]); // → 'TodoList/my%20list@4'
 */
export function formatCursor(entries: Iterable<CursorEntry>): string {
  const parts: string[] = [];
  for (const { type, instance, rev } of entries) {
    parts.push(cursorEntryPrefix(type, instance) + rev);
  }
  return parts.join(' ');
}

/** Parses a cursor; `undefined` for anything malformed (a bad cursor is ignored, never trusted in part). */
export function parseCursor(text: string): CursorEntry[] | undefined {
  if (text === '') return [];
  if (text.length > MAX_CURSOR_ENTRIES * 440) return undefined;
  const parts = text.split(' ');
  if (parts.length > MAX_CURSOR_ENTRIES) return undefined;
  const entries: CursorEntry[] = [];
  for (const part of parts) {
    const match = /^([^/@\s]+)\/([^/@\s]+)@(\d{1,15})$/.exec(part);
    if (!match) return undefined;
    try {
      entries.push({ type: decodeURIComponent(match[1]!), instance: decodeURIComponent(match[2]!), rev: Number(match[3]) });
    } catch {
      return undefined;
    }
  }
  return entries;
}
