/**
 * The OpenTelemetry hook, with a recording stand-in for `@opentelemetry/api` passed as `tracing: { api }`: one
 * `nasc.event` span per event under the span active where it came in, and the handler, commit, publish and
 * delivery on this process as its children, over each transport.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defineHandler, NascError, type OtelApi, type OtelContext, type OtelSpan } from '../../server/index.js';
import { createMemoryLogger } from '../support/memory-logger.js';
import { acks, answers } from '../support/server-message.js';
import { startTestServer } from '../support/test-server.js';
import { transports } from '../support/transport.js';
import { waitFor } from '../support/wait-for.js';

interface RecordedSpan {
  name: string;
  parent: RecordedSpan | undefined;
  attributes: Record<string, string | number | boolean>;
  status?: number;
  ended: boolean;
}

/** What the stand-in's contexts are: the span they hold, if any. */
interface FakeContext {
  span?: RecordedSpan;
}

/** A stand-in for `@opentelemetry/api` that records every span, with its parent as the context named it. */
function recordingApi(): { api: OtelApi; spans: RecordedSpan[] } {
  const spans: RecordedSpan[] = [];
  const root: FakeContext = {};
  const api: OtelApi = {
    trace: {
      getTracer: () => ({
        startSpan(name, options, context) {
          const recorded: RecordedSpan = { name, parent: (context as FakeContext | undefined)?.span, attributes: { ...options?.attributes }, ended: false };
          spans.push(recorded);
          const span: OtelSpan & { recorded: RecordedSpan } = {
            recorded,
            setAttribute: (key, value) => void (recorded.attributes[key] = value),
            setStatus: (status) => void (recorded.status = status.code),
            recordException: () => undefined,
            isRecording: () => true,
            end: () => void (recorded.ended = true),
          };
          return span;
        },
      }),
      setSpan: (_context: OtelContext, span: OtelSpan): OtelContext => ({ span: (span as OtelSpan & { recorded: RecordedSpan }).recorded }),
    },
    context: { active: () => root },
    SpanKind: { INTERNAL: 0, SERVER: 1 },
    SpanStatusCode: { ERROR: 2 },
  };
  return { api, spans };
}

const Counter = defineHandler<{ count: number }>({
  mount: () => ({ count: 0 }),
  add: (_payload, state) => ({ count: state.count + 1 }),
  refuse: () => {
    throw new NascError('No.', { code: 'no' });
  },
  crash: () => {
    throw new Error('crashed');
  },
});

for (const transport of transports) {
  describe(`tracing over ${transport.name}`, () => {
    test('an event span holds the handler, commit, publish and delivery spans of its change', async (t) => {
      const { api, spans } = recordingApi();
      const server = await startTestServer({ handlers: { Counter }, logger: createMemoryLogger(), tracing: { api } });
      t.after(() => server.close());
      const a = await transport.open(server, 'tracer-a');
      const b = await transport.open(server, 'tracer-b');
      for (const [session, id] of [
        [a, 'm-a'],
        [b, 'm-b'],
      ] as const) {
        await session.send({ event: 'mount', type: 'Counter', instance: 'c', payload: {}, eventId: id });
        await session.messages.next(acks(id));
      }
      await a.send({ event: 'add', type: 'Counter', instance: 'c', payload: {}, eventId: 'e-add', attempt: 3 } as Parameters<typeof a.send>[0]);
      await a.messages.next(acks('e-add'));
      await a.send({ event: 'crash', type: 'Counter', instance: 'c', payload: {}, eventId: 'e-crash' });
      await a.messages.next(answers('e-crash'));
      // The span ends when the front door reports the answer, which may come after the client read it.
      await waitFor(() => spans.filter((span) => span.name === 'nasc.event').length === 4 && spans.filter((span) => span.name === 'nasc.event').every((span) => span.ended), 'every event span ended');

      const event = spans.find((span) => span.name === 'nasc.event' && span.attributes['nasc.event'] === 'add')!;
      // Event ids are shown keyed (see loggedEventId): a reader of traces cannot name a page's next events.
      assert.notEqual(event.attributes['nasc.event_id'], 'e-add');
      assert.deepEqual(event.attributes, {
        'nasc.transport': transport.name,
        'nasc.type': 'Counter',
        'nasc.instance': 'c',
        'nasc.event': 'add',
        'nasc.attempt': 3,
        'nasc.event_id': event.attributes['nasc.event_id'],
        'nasc.outcome': 'applied',
        'nasc.rev': 2,
      });
      assert.equal(event.parent, undefined, 'no span was active where it came in');
      const children = spans.filter((span) => span.parent === event);
      assert.deepEqual(
        children.map((span) => span.name),
        ['nasc.handler', 'nasc.commit', 'nasc.publish', 'nasc.deliver'],
      );
      assert.ok(children.every((span) => span.ended));
      assert.equal(children.find((span) => span.name === 'nasc.deliver')!.attributes['nasc.subscribers'], 2);

      const crash = spans.find((span) => span.name === 'nasc.event' && span.attributes['nasc.event'] === 'crash')!;
      assert.equal(crash.status, 2, 'a failed event is an error span');
      assert.equal(spans.find((span) => span.name === 'nasc.handler' && span.parent === crash)?.status, 2);
      const mounts = spans.filter((span) => span.name === 'nasc.event' && span.attributes['nasc.event'] === 'mount');
      assert.deepEqual(
        mounts.map((span) => span.attributes['nasc.outcome']),
        ['mounted', 'mounted'],
      );
    });
  });
}
