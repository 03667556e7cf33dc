/**
 * The tabs of a browser share one stream: the holding tab's. An event another tab sends through it names that
 * tab (`from`): its answers go to the stream, while the limits, the order after a refusal and the handler's
 * `clientId` stay the sending tab's own, as when each tab had a stream.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateClientEvent, type ClientEvent } from '../../protocol/index.js';
import { defineHandler, NascEngine, type ClientChannel, type EngineLimits } from '../../server/index.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function recordingChannel(): ClientChannel & { messages: string[] } {
  const messages: string[] = [];
  return { messages, send: (message) => void messages.push(message), close: () => {} };
}

function setup(limits: Partial<EngineLimits> = {}) {
  const senders: string[] = [];
  const authorized: string[] = [];
  const Counter = defineHandler<{ count: number }>({
    mount: () => ({ count: 0 }),
    add: (_payload, state, context) => {
      senders.push(context.clientId);
      return { count: state.count + 1 };
    },
  });
  const engine = new NascEngine({
    handlers: { Counter },
    logger: quiet,
    limits,
    authorize: ({ clientId, event }) => {
      if (event !== 'mount') authorized.push(clientId);
      return true;
    },
  });
  const caller = { session: 'browser-1', clientId: 'holder-tab' };
  const channel = recordingChannel();
  engine.open(caller, channel);
  const event = (eventId: string, from?: string): ClientEvent => ({ event: 'add', type: 'Counter', instance: 'c', payload: {}, eventId, ...(from ? { from } : {}) });
  return { engine, caller, channel, senders, authorized, event };
}

test("another tab's event is answered on the shared stream, and its handler sees that tab's client id", async () => {
  const { engine, caller, channel, senders, authorized, event } = setup();
  assert.equal((await engine.handle(caller, { event: 'mount', type: 'Counter', instance: 'c', payload: {}, eventId: 'm', from: 'other-tab' })).accepted, true);
  assert.ok(channel.messages.some((message) => message.includes('"snapshot"')), 'the mount answer went to the stream');
  assert.equal((await engine.handle(caller, event('e1', 'other-tab'))).accepted, true);
  assert.equal((await engine.handle(caller, event('e2'))).accepted, true);
  assert.deepEqual(senders, ['other-tab', 'holder-tab']);
  assert.deepEqual(authorized, ['other-tab', 'holder-tab']);
  assert.ok(channel.messages.some((message) => message.includes('"ack"') && message.includes('"e1"')), "the other tab's ack is on the stream");
  await engine.shutdown();
});

test('each tab behind a shared stream has its own rate and its own order; the session still caps them all', async () => {
  const { engine, caller, event } = setup({ eventsPerSecond: 1, eventBurst: 3 });
  await engine.handle(caller, { event: 'mount', type: 'Counter', instance: 'c', payload: {}, eventId: 'm' });
  for (const id of ['a1', 'a2', 'a3']) assert.equal((await engine.handle(caller, event(id, 'tab-a'))).accepted, true);
  const refused = await engine.handle(caller, event('a4', 'tab-a'));
  assert.equal(!refused.accepted && refused.code, 'rate_limited');
  const b = await engine.handle(caller, event('b1', 'tab-b'));
  assert.equal(b.accepted, true, "tab A's refusal neither spends tab B's budget nor holds B's events behind A's");
  // The session's budget (twice a tab's: six at once) is spent now: m, a1, a2, a3, a4 (refused), b1.
  const capped = await engine.handle(caller, event('c1', 'tab-c'));
  assert.equal(!capped.accepted && capped.code, 'rate_limited', 'however many tabs, the session is capped');
  await engine.shutdown();
});

test("a tab's refused event stops leading once the shared stream opens anew, as its own stream's would", async () => {
  const { engine, caller, event } = setup({ eventsPerSecond: 50, eventBurst: 2 });
  await engine.handle(caller, { event: 'mount', type: 'Counter', instance: 'c', payload: {}, eventId: 'm' });
  for (const id of ['a1', 'a2']) assert.equal((await engine.handle(caller, event(id, 'tab-a'))).accepted, true);
  const refused = await engine.handle(caller, event('a3', 'tab-a'));
  assert.equal(!refused.accepted && refused.code, 'rate_limited');
  await new Promise((resolve) => setTimeout(resolve, 60));
  // `a3` leads: anything else of tab A waits for it (told to try again shortly).
  const behind = await engine.handle(caller, event('a0', 'tab-a'));
  assert.equal(!behind.accepted && behind.code, 'rate_limited');
  // The stream reopens (the holder reconnected): the tab sends its unanswered events again from the oldest,
  // which may be one applied before `a3` whose ack the old stream lost.
  engine.open(caller, recordingChannel());
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal((await engine.handle(caller, event('a0', 'tab-a'))).accepted, true);
  await engine.shutdown();
});

test("`from` never names a tab of another session: a handler's clientId is always the caller session's", async () => {
  const { engine, caller, senders, event } = setup();
  await engine.handle(caller, { event: 'mount', type: 'Counter', instance: 'c', payload: {}, eventId: 'm' });
  engine.open({ session: 'browser-2', clientId: 'their-tab' }, recordingChannel());
  const refused = await engine.handle(caller, event('x1', 'their-tab'));
  assert.equal(!refused.accepted && refused.code, 'client_id_taken');
  assert.deepEqual(senders, []);
  await engine.shutdown();
});

test('`from` must be an id', () => {
  const base = { event: 'add', type: 'Counter', instance: 'c', payload: {} };
  const checked = validateClientEvent({ ...base, from: 'tab-a' });
  assert.equal(checked.ok && checked.value.from, 'tab-a');
  for (const from of ['', 7, 'line\nbreak', 'x'.repeat(201)]) {
    const bad = validateClientEvent({ ...base, from });
    assert.equal(!bad.ok && bad.code, 'bad_field', JSON.stringify(from));
  }
});
