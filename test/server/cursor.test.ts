import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatCursor, MAX_CURSOR_ENTRIES, parseCursor, type CursorEntry } from '../../protocol/index.js';

describe('protocol/cursor', () => {
  test('formats type/instance@rev entries separated by spaces, URI-encoding the ids', () => {
    assert.equal(formatCursor([]), '');
    assert.equal(formatCursor([{ type: 'TodoList', instance: 'my list', rev: 4 }]), 'TodoList/my%20list@4');
    assert.equal(
      formatCursor([
        { type: 'A', instance: '1', rev: 1 },
        { type: 'B', instance: '2', rev: 20 },
      ]),
      'A/1@1 B/2@20',
    );
  });

  test('round-trips ids holding the separators, %, non-ASCII and control characters', () => {
    const entries: CursorEntry[] = [
      { type: 'Doc', instance: 'a/b @c%d', rev: 0 },
      { type: 'Ünï', instance: '😀\r\n\u0000x', rev: 999_999_999_999_999 },
      { type: 'T', instance: '~!*()\'', rev: 7 },
    ];
    const text = formatCursor(entries);
    assert.doesNotMatch(text, /[\r\n\u0000]/, 'a cursor goes into an SSE id: no CR, LF or NUL');
    assert.deepEqual(parseCursor(text), entries);
  });

  test('parses the empty cursor as no entries', () => {
    assert.deepEqual(parseCursor(''), []);
  });

  test('refuses anything malformed as a whole (undefined), never half of it', () => {
    for (const text of [
      'Doc/1',
      'Doc@1',
      'Doc/1@',
      'Doc/1@x',
      'Doc/1@-1',
      'Doc/1@1.5',
      '/1@1',
      'Doc/@1',
      'Doc/a/b@1',
      'Doc/1@1  Doc/2@2',
      ' Doc/1@1',
      'Doc/1@1 ',
      'Doc/1@1\nDoc/2@2',
      'Doc/1@1 garbage',
      'Doc/%E0%A4%A@1',
      'Doc/1@1234567890123456',
    ]) {
      assert.equal(parseCursor(text), undefined, JSON.stringify(text));
    }
  });

  test(`accepts ${MAX_CURSOR_ENTRIES} entries and refuses one more`, () => {
    const entries = (count: number): CursorEntry[] => Array.from({ length: count }, (_, index) => ({ type: 'T', instance: `i${index}`, rev: index }));
    assert.deepEqual(parseCursor(formatCursor(entries(MAX_CURSOR_ENTRIES))), entries(MAX_CURSOR_ENTRIES));
    assert.equal(parseCursor(formatCursor(entries(MAX_CURSOR_ENTRIES + 1))), undefined);
  });

  test('refuses an overlong text without splitting it', () => {
    assert.equal(parseCursor(`T/${'x'.repeat(MAX_CURSOR_ENTRIES * 440)}@1`), undefined);
  });
});
