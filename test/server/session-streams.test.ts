/**
 * The streams of each session, kept without a Set while a session has one: counts, membership and removal
 * behave the same at one, two and back to one stream, and a late removal of a stream no longer held is a no-op.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Connection, type ClientChannel } from '../../server/engine/connection.js';
import { SessionStreams } from '../../server/engine/session-streams.js';

const channel: ClientChannel = { send: () => undefined, close: () => undefined };
const stream = (session: string, clientId: string) => new Connection(`${session}\u001f${clientId}`, { session, clientId }, channel);

test('one, two, back to one and none', () => {
  const streams = new SessionStreams();
  const a = stream('s', 'a');
  const b = stream('s', 'b');
  const other = stream('t', 'a');
  assert.equal(streams.count('s'), 0);
  assert.deepEqual([...streams.of('s')], []);
  streams.add(a);
  streams.add(a);
  streams.add(other);
  assert.equal(streams.count('s'), 1, 'adding the same stream twice counts once');
  assert.deepEqual([...streams.of('s')], [a]);
  streams.add(b);
  assert.equal(streams.count('s'), 2);
  assert.deepEqual(new Set(streams.of('s')), new Set([a, b]));
  streams.delete(a);
  assert.equal(streams.count('s'), 1);
  assert.deepEqual([...streams.of('s')], [b]);
  streams.delete(a);
  assert.equal(streams.count('s'), 1, 'removing a stream no longer held changes nothing');
  streams.delete(b);
  assert.equal(streams.count('s'), 0);
  assert.deepEqual([...streams.of('s')], []);
  assert.equal(streams.count('t'), 1, 'other sessions are their own');
});

test('a stream is never removed in place of another of its session', () => {
  const streams = new SessionStreams();
  const replaced = stream('s', 'a');
  const newer = stream('s', 'a');
  streams.add(newer);
  streams.delete(replaced);
  assert.deepEqual([...streams.of('s')], [newer]);
});
