/**
 * How one SSE stream frames its messages: the resume cursor as `id:` (once there is a position to state),
 * written by hand but byte for byte what `formatSseMessage` and `formatCursor` make, and a message that would
 * break the framing refused rather than sent.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatCursor, formatSseMessage } from '../../protocol/index.js';
import { Connection, type ClientChannel } from '../../server/connection.js';
import { SseFrames } from '../../server/sse-frames.js';

const channel: ClientChannel = { send: () => undefined, close: () => undefined };
const message = '[{"action":"bindUpdate","type":"Doc","instance":"d","prop":"text","value":"two\\nlines","rev":2}]';

describe('SseFrames', () => {
  test('a stream with no position yet gets frames without an id', () => {
    const connection = new Connection('s\u001fc', { session: 's', clientId: 'c' }, channel);
    assert.equal(new SseFrames().frame('[]', connection), formatSseMessage({ data: '[]' }));
  });

  test('the id is the cursor of every position, as formatCursor writes it, ids with spaces and non-ASCII included', () => {
    const connection = new Connection('s\u001fc', { session: 's', clientId: 'c' }, channel);
    const frames = new SseFrames();
    connection.advance('Doc\u0000d', 'Doc', 'd', 1);
    connection.advance('Todo List\u0000my list', 'Todo List', 'my list/é@1', 7);
    connection.advance('Doc\u0000d', 'Doc', 'd', 2);
    const entries = [...connection.positions.values()].map(({ type, instance, rev }) => ({ type, instance, rev }));
    assert.deepEqual(entries, [
      { type: 'Doc', instance: 'd', rev: 2 },
      { type: 'Todo List', instance: 'my list/é@1', rev: 7 },
    ]);
    assert.equal(connection.cursor, formatCursor(entries));
    assert.equal(frames.frame(message, connection), formatSseMessage({ data: message, id: formatCursor(entries) }));
    // Forgetting a position changes the cursor too.
    connection.forget('Doc\u0000d');
    assert.equal(frames.frame('[]', connection), formatSseMessage({ data: '[]', id: 'Todo%20List/my%20list%2F%C3%A9%401@7' }));
  });

  test('once a cursor was stated, an empty one is stated too (the stream holds nothing any more)', () => {
    const connection = new Connection('s\u001fc', { session: 's', clientId: 'c' }, channel);
    const frames = new SseFrames();
    connection.advance('Doc\u0000d', 'Doc', 'd', 1);
    frames.frame('[]', connection);
    connection.forget('Doc\u0000d');
    assert.equal(frames.frame('[]', connection), 'id: \ndata: []\n\n');
  });

  test('a message holding a line break is refused, not framed', () => {
    const connection = new Connection('s\u001fc', { session: 's', clientId: 'c' }, channel);
    const frames = new SseFrames();
    assert.throws(() => frames.frame('[\n{"action":"ack"}]', connection), /must not contain CR or LF/);
    assert.throws(() => frames.frame('[]\r', connection), /must not contain CR or LF/);
  });
});
