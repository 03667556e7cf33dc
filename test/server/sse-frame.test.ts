import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatSseComment, formatSseMessage, formatSseRetry, SSE_KEEPALIVE } from '../../protocol/index.js';
import { SseParser } from '../support/sse-parser.js';

describe('protocol/sse-frame', () => {
  test('formats data, then optional event and id lines, ending with a blank line', () => {
    assert.equal(formatSseMessage({ data: '[]' }), 'data: []\n\n');
    assert.equal(formatSseMessage({ data: '[1]', id: 'Doc/a@2' }), 'id: Doc/a@2\ndata: [1]\n\n');
    assert.equal(formatSseMessage({ data: '[1]', id: '7', event: 'patch' }), 'event: patch\nid: 7\ndata: [1]\n\n');
    assert.equal(formatSseMessage({ data: '[1]', id: '' }), 'id: \ndata: [1]\n\n');
  });

  test('what it formats parses back to the same fields', () => {
    const parser = new SseParser();
    const data = JSON.stringify([{ text: 'line\nbreak\r\u2028é' }]);
    assert.deepEqual(parser.push(formatSseMessage({ data, id: 'T/i@3', event: 'x' })), [
      { comments: [], data, id: 'T/i@3', event: 'x', lastEventId: 'T/i@3' },
    ]);
  });

  for (const [name, value] of [
    ['LF', 'a\nb'],
    ['CR', 'a\rb'],
    ['CRLF', 'a\r\nb'],
    ['a trailing LF', 'ab\n'],
  ] as const) {
    test(`throws on ${name} in data, id or event`, () => {
      assert.throws(() => formatSseMessage({ data: value }), TypeError);
      assert.throws(() => formatSseMessage({ data: '[]', id: value }), TypeError);
      assert.throws(() => formatSseMessage({ data: '[]', event: value }), TypeError);
    });
  }

  test('throws on NUL in an id, which browsers would silently ignore', () => {
    assert.throws(() => formatSseMessage({ data: '[]', id: 'a\u0000b' }), TypeError);
  });

  test('retry hint: a non-negative integer, alone in its block', () => {
    assert.equal(formatSseRetry(0), 'retry: 0\n\n');
    assert.equal(formatSseRetry(1500), 'retry: 1500\n\n');
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => formatSseRetry(bad), RangeError, String(bad));
  });

  test('the keepalive is a bare comment', () => {
    assert.equal(SSE_KEEPALIVE, ':\n\n');
    assert.deepEqual(new SseParser().push(SSE_KEEPALIVE), [{ comments: [''], lastEventId: '' }]);
  });
});

describe('the test SSE parser (test/support/sse-parser)', () => {
  test('handles CRLF, CR and LF line ends, split anywhere across chunks', () => {
    const stream = 'retry: 10\r\n\r\n: hi\rid: 1\ndata: a\ndata: b\r\n\r\nid: 2\u0000x\ndata: c\n\n';
    for (let size = 1; size <= stream.length; size++) {
      const parser = new SseParser('start');
      const frames = [];
      for (let index = 0; index < stream.length; index += size) frames.push(...parser.push(stream.slice(index, index + size)));
      assert.deepEqual(
        frames,
        [
          { comments: [], retry: 10, lastEventId: 'start' },
          { comments: ['hi'], id: '1', data: 'a\nb', lastEventId: '1' },
          // An id with NUL is ignored by browsers: the last event id stays.
          { comments: [], id: '2\u0000x', data: 'c', lastEventId: '1' },
        ],
        `chunks of ${size}`,
      );
      assert.equal(parser.remainder, '');
    }
  });
});

test('formatSseComment keeps a reason on one comment line: CR and LF cannot start a field', () => {
  assert.equal(formatSseComment('replaced by a newer stream'), ': replaced by a newer stream\n\n');
  assert.equal(formatSseComment('bye\r\ndata: [{"action":"error"}]\rid: x\n'), ': bye  data: [{"action":"error"}] id: x \n\n');
});
