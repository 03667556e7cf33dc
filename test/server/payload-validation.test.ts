/**
 * Payload schemas declared with `withPayload`: checked once per event before the handler, refused as a
 * handler's `NascError` is (code `invalid_payload`, `field`), the same over both transports; events without
 * a schema as before. The validator here is a stand-in that knows `required` and `type`, so these tests are
 * about the engine's part, not about JSON Schema.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JsonObject } from '../../protocol/index.js';
import { createNasc, defineHandler, NascEngine, withPayload, type PayloadIssue, type PayloadSchema, type PayloadValidator } from '../../server/index.js';
import { startTestServer, transports } from '../../testing/index.js';

/** Counts compilations and checks; knows `required` and the `type` of each property. */
function standInValidator(): PayloadValidator & { compiled: number; checked: number } {
  const validator = {
    compiled: 0,
    checked: 0,
    compile(schema: PayloadSchema) {
      validator.compiled += 1;
      return (payload: JsonObject): PayloadIssue[] => {
        validator.checked += 1;
        const issues: PayloadIssue[] = [];
        for (const name of schema.required ?? []) if (!(name in payload)) issues.push({ field: name, message: `${name} is required` });
        for (const [name, property] of Object.entries(schema.properties ?? {})) {
          const value = payload[name];
          const kind = Number.isInteger(value) ? 'integer' : typeof value;
          if (value !== undefined && property.type !== kind) issues.push({ field: name, message: `${name} must be ${String(property.type)}` });
        }
        return issues;
      };
    },
  };
  return validator;
}

function counterApp() {
  const ran: string[] = [];
  const Counter = defineHandler<{ count: number }>({
    mount: () => ({ count: 0 }),
    add: withPayload({ type: 'object', properties: { by: { type: 'integer' } }, required: ['by'] }, (payload, state) => {
      ran.push('add');
      return { count: state.count + payload.by };
    }),
    bump: (payload, state) => {
      ran.push('bump');
      return { count: state.count + (typeof payload.by === 'number' ? payload.by : 1) };
    },
  });
  return { handlers: { Counter }, ran };
}

for (const transport of transports) {
  test(`${transport}: a payload that fails its schema is refused with its field, before the handler runs`, async () => {
    const { handlers, ran } = counterApp();
    const validator = standInValidator();
    const server = await startTestServer({ handlers, payloadValidator: validator });
    try {
      const client = await server.connect(transport);
      const counter = await client.mount('Counter', 'c');
      const refused = await counter.expectRefused('add', { by: 'two' });
      assert.deepEqual(
        { code: refused.code, field: refused.field, message: refused.message, details: refused.details, status: refused.status },
        { code: 'invalid_payload', field: 'by', message: 'by must be integer', details: { errors: [{ field: 'by', message: 'by must be integer' }] }, status: undefined },
      );
      const missing = await counter.expectRefused('add', {});
      assert.equal(missing.field, 'by');
      assert.deepEqual(ran, [], 'the handler never saw a bad payload');
      const applied = await counter.expectApplied('add', { by: 2 });
      assert.equal(applied.rev, 2);
      assert.deepEqual(counter.state, { count: 2 });
      // An event without a schema takes what it is given, as before.
      await counter.expectApplied('bump', { by: 'anything', extra: true });
      assert.deepEqual(ran, ['add', 'bump']);
      assert.equal(validator.compiled, 1, 'compiled once, at start');
      assert.equal(validator.checked, 3, 'checked once per event that declares a schema');
      assert.ok(server.logs.some((entry) => entry.message === 'event rejected' && entry.fields.code === 'invalid_payload'));
    } finally {
      await server.close();
    }
  });
}

test('a payload refusal is remembered like any outcome: the same event id sent again is not checked again', async () => {
  const { handlers } = counterApp();
  const validator = standInValidator();
  const server = await startTestServer({ handlers, payloadValidator: validator });
  try {
    const event = { event: 'add', type: 'Counter', instance: 'd', payload: { by: 'x' }, eventId: 'same-id' };
    const client = await server.connect('ws');
    await client.mount('Counter', 'd');
    const first = await client.send('Counter', 'd', 'add', { by: 'x' });
    assert.equal(first.ok, false);
    const before = validator.checked;
    const again = await server.nasc.engine.dispatch(event);
    const twice = await server.nasc.engine.dispatch(event);
    assert.ok(again.accepted && twice.accepted);
    assert.equal(validator.checked, before + 1, 'the second dispatch of one event id was answered from its outcome');
  } finally {
    await server.close();
  }
});

test('an engine made without a validator refuses a declared schema at start, and the manifest lists payload schemas', () => {
  const { handlers } = counterApp();
  // createNasc hands the engine Ajv unless told otherwise; an engine made directly has none.
  assert.throws(() => new NascEngine({ handlers }), /"add" of type "Counter" declares a payload schema, but no payload validator/);
  const nasc = createNasc({ handlers, payloadValidator: standInValidator(), sessions: { secret: 'x'.repeat(40) } });
  try {
    assert.deepEqual(nasc.engine.manifest(), {
      Counter: { events: ['add', 'bump'], payloads: { add: { type: 'object', properties: { by: { type: 'integer' } }, required: ['by'] } } },
    });
  } finally {
    void nasc.close();
  }
});
