/**
 * The engine keys a stream by its caller's session and client id, and remembers the key of a caller that
 * opened a stream: a caller object reused with other ids is another client, never the one it was before.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineHandler, NascEngine, type ClientChannel } from '../../server/index.js';

const Toggle = defineHandler<{ on: boolean }>({
  mount: () => ({ on: false }),
  toggle: (_payload, state) => ({ on: !state.on }),
});

function recordingChannel(): ClientChannel & { messages: string[]; closed: string[] } {
  const messages: string[] = [];
  const closed: string[] = [];
  return { messages, closed, send: (message) => void messages.push(message), close: (reason) => void closed.push(reason) };
}

test('a caller object reused with another client id opens a second stream, not a replacement', async () => {
  const engine = new NascEngine({ handlers: { Toggle }, logger: { debug() {}, info() {}, warn() {}, error() {} } });
  const caller = { session: 's1', clientId: 'tab-a' };
  const first = recordingChannel();
  engine.open(caller, first);
  caller.clientId = 'tab-b';
  const second = recordingChannel();
  engine.open(caller, second);
  assert.equal(engine.connectionCount, 2);
  assert.deepEqual(first.closed, [], 'tab-a keeps its stream');

  // Events go to the stream of the ids the caller has now.
  const result = await engine.handle(caller, { event: 'mount', type: 'Toggle', instance: 'one', payload: {}, eventId: 'm1' });
  assert.equal(result.accepted, true);
  assert.ok(second.messages.some((message) => message.includes('"snapshot"')), 'tab-b got the snapshot');
  assert.ok(!first.messages.some((message) => message.includes('"snapshot"')), 'tab-a did not');
  await engine.shutdown();
});
