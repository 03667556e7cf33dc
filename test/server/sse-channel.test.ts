/**
 * How one SSE stream frames its messages: one `data:` line per message and no `id:` (a stream's position is
 * the client's to state, in its mounts), byte for byte what `formatSseMessage` makes, and a message that would
 * break the framing refused rather than sent.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatSseMessage, formatSseRetry } from '../../protocol/index.js';
import { KeepAliveTicker } from '../../server/channels/keep-alive-ticker.js';
import { SseChannel, type SseSink } from '../../server/channels/sse-channel.js';

const message = '[{"action":"bindUpdate","type":"Doc","instance":"d","prop":"text","value":"two\\nlines","rev":2}]';

function channelWritingTo(chunks: string[]): SseChannel {
  const sink: SseSink = { write: (chunk) => (chunks.push(chunk), true), end: (chunk) => void chunks.push(chunk), cut: () => undefined };
  return new SseChannel(sink, { retryMs: 1_000, ticker: new KeepAliveTicker(0), onClose: () => undefined });
}

describe('SseChannel framing', () => {
  test('the retry hint first, then one data frame per message, without an id', () => {
    const chunks: string[] = [];
    const channel = channelWritingTo(chunks);
    channel.send('[]');
    channel.send(message);
    assert.deepEqual(chunks, [formatSseRetry(1_000), formatSseMessage({ data: '[]' }), formatSseMessage({ data: message })]);
    assert.ok(!chunks.join('').includes('id:'), 'no frame names a position');
  });

  test('a message holding a line break is refused, not framed', () => {
    const channel = channelWritingTo([]);
    assert.throws(() => channel.send('[\n{"action":"ack"}]'), /must not contain CR or LF/);
    assert.throws(() => channel.send('[]\r'), /must not contain CR or LF/);
  });
});
