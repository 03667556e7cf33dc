/**
 * Prototype pollution: `__proto__`, `constructor` and `prototype` keys, at any depth of an event (sent as raw
 * JSON text: `JSON.stringify` would drop an object literal's `__proto__`), are refused before any handler
 * sees them, even handlers that merge payloads naively; such keys in state a handler returns never become
 * patches; names like `__proto__` used as ids are only strings. The server runs in this process, so a
 * polluted prototype would show here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { JsonObject, JsonValue } from '../../protocol/index.js';
import { openAs, prototypePollution, type CookieClient } from '../support/adversary.js';
import { acks, bindUpdatesOf, type ServerMessage } from '../support/server-message.js';
import { createTestApp } from '../support/test-app.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { transports } from '../support/transport.js';

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];

/** The textbook vulnerable merge: the kind of handler code the key guard exists for. */
function naiveDeepMerge(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  for (const key in source) {
    const value = source[key];
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      if (!target[key] || typeof target[key] !== 'object') target[key] = {};
      naiveDeepMerge(target[key] as Record<string, unknown>, value as Record<string, unknown>);
    } else {
      target[key] = value;
    }
  }
  return target;
}

function createPoisonApp() {
  const ran: string[] = [];
  const Poison = {
    // State holding the keys as own properties, the way JSON.parse builds it.
    mount: (): JsonObject => JSON.parse('{"ok":1,"__proto__":{"polluted":"mount"},"constructor":{"prototype":{"polluted":"mount"}}}') as JsonObject,
    poison(_payload: JsonObject, state: JsonObject): JsonObject {
      ran.push('poison');
      return JSON.parse(
        `{"ok":${Number(state.ok) + 1},"__proto__":{"polluted":"event"},"prototype":{"polluted":"event"},` +
          '"nested":{"list":[{"__proto__":{"polluted":"deep"}}],"constructor":{"prototype":{"polluted":"deep"}}}}',
      ) as JsonObject;
    },
    merge(payload: JsonObject, state: JsonObject): JsonObject {
      ran.push('merge');
      return naiveDeepMerge(structuredClone(state), payload) as JsonObject;
    },
  };
  return { handlers: { ...createTestApp().handlers, Poison }, ran };
}

/** Raw event texts: each hides a prototype key somewhere. */
function hostileEvents(withClientId: string | undefined): [string, string][] {
  const client = withClientId === undefined ? '' : `,"clientId":"${withClientId}"`;
  const event = (fields: string) => `{"event":"merge","type":"Poison","instance":"p"${client},${fields}}`;
  return [
    ['__proto__ in the payload', event('"payload":{"__proto__":{"polluted":true}}')],
    ['__proto__ deep in the payload', event('"payload":{"a":{"b":{"c":[1,{"d":{"__proto__":{"polluted":true}}}]}}}')],
    ['constructor.prototype in the payload', event('"payload":{"constructor":{"prototype":{"polluted":true}}}')],
    ['prototype in the payload', event('"payload":{"x":{"prototype":{"polluted":true}}}')],
    ['__proto__ escaped as \\u005f\\u005fproto\\u005f\\u005f', event('"payload":{"\\u005f\\u005fproto\\u005f\\u005f":{"polluted":true}}')],
    ['constructor escaped as \\u0063onstructor', event('"payload":{"\\u0063onstructor":{"prototype":{"polluted":true}}}')],
    ['__proto__ beside the event fields', event('"payload":{},"__proto__":{"polluted":true}')],
    ['constructor beside the event fields', event('"payload":{},"constructor":{"prototype":{"polluted":true}}')],
    ['__proto__ in mount params', `{"event":"mount","type":"Poison","instance":"p-new"${client},"payload":{"__proto__":{"polluted":true}}}`],
    ['a duplicated __proto__ key', event('"payload":{"__proto__":{},"__proto__":{"polluted":true}}')],
    ['__proto__ as an array element holder', event('"payload":{"list":[{"__proto__":{"polluted":true}}]}')],
  ];
}

for (const transport of transports) {
  describe(`prototype keys over ${transport.name}`, () => {
    let server: TestServer;
    let ran: string[];
    let client: CookieClient;
    let observer: CookieClient;

    before(async () => {
      const app = createPoisonApp();
      ran = app.ran;
      server = await startTestServer({ handlers: app.handlers });
      observer = await openAs('sse', server, 'observer', undefined);
      await observer.mount('Poison', 'p');
      client = await openAs(transport.name, server, 'poisoner', undefined);
      await client.mount('Poison', 'p');
    });
    after(() => server.close());

    test('prototype keys anywhere in an event → 400 forbidden_key, and no handler runs', async () => {
      for (const [label, text] of hostileEvents(transport.name === 'sse' ? client.clientId : undefined)) {
        const refusal = await client.refuse(text);
        assert.equal(refusal.code, 'forbidden_key', `${label}: ${refusal.message}`);
        if (transport.name === 'sse') assert.equal(refusal.status, 400);
      }
      assert.deepEqual(ran, [], 'a handler ran with a prototype key in its payload');
      assert.deepEqual(prototypePollution(), []);
    });

    test('a harmless merge still works, so the refusals above were about the keys', async () => {
      await client.send({ event: 'merge', type: 'Poison', instance: 'p', payload: { extra: { deep: true } }, eventId: 'merge-ok' });
      const batch = await client.messages.next(acks('merge-ok'));
      assert.deepEqual(bindUpdatesOf(batch).map((patch) => [patch.prop, patch.value]), [['extra', { deep: true }]]);
      assert.deepEqual(prototypePollution(), []);
    });

    test('prototype keys in state a handler returns never become patches, on mount or after an event', async () => {
      const fresh = await openAs(transport.name, server, 'fresh', undefined);
      const snapshot = await fresh.mount('Poison', 'p2');
      await fresh.send({ event: 'poison', type: 'Poison', instance: 'p2', payload: {}, eventId: 'poison-1' });
      const batch = await fresh.messages.next(acks('poison-1'));
      const messages: ServerMessage[] = [snapshot, batch];
      for (const message of messages) {
        for (const patch of bindUpdatesOf(message)) {
          assert.ok(!PROTOTYPE_KEYS.includes(patch.prop), `a patch sets "${patch.prop}": ${message.text}`);
        }
        for (const key of PROTOTYPE_KEYS) assert.ok(!message.text.includes(`"${key}"`), `"${key}" reached the client: ${message.text}`);
      }
      assert.deepEqual(bindUpdatesOf(snapshot).map((patch) => patch.prop), ['ok']);
      assert.deepEqual(
        bindUpdatesOf(batch).map((patch) => [patch.prop, patch.value]),
        [
          ['ok', 2],
          ['nested', { list: [{}] }],
        ],
      );
      await fresh.close();
      assert.deepEqual(prototypePollution(), []);
    });

    test('"__proto__", "constructor" and "toString" as instance or event ids are plain strings', async () => {
      for (const instance of ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']) {
        const snapshot = await client.mount('Doc', instance);
        assert.ok(bindUpdatesOf(snapshot).length > 0, instance);
        await client.send({ event: 'increment', type: 'Doc', instance, payload: {}, eventId: instance });
        const batch = await client.messages.next(acks(instance));
        assert.deepEqual(bindUpdatesOf(batch).map((patch) => [patch.instance, patch.prop, patch.value]), [[instance, 'count', 1]]);
      }
      // A prototype key arriving as a string value, which a handler then uses as a key (`{ ...state, [prop]: value }`).
      for (const prop of PROTOTYPE_KEYS) {
        await client.send({ event: 'set', type: 'Doc', instance: '__proto__', payload: { prop, value: { polluted: true } }, eventId: `set-${prop}` });
        const answer = await client.messages.next(acks(`set-${prop}`));
        assert.deepEqual(bindUpdatesOf(answer), [], `setting "${prop}" produced a patch: ${answer.text}`);
      }
      for (const event of ['__proto__', 'constructor', 'hasOwnProperty', '__defineGetter__', 'valueOf']) {
        const refusal = await client.refuse({ event, type: 'Doc', instance: '__proto__', payload: {} });
        assert.equal(refusal.code, 'unknown_event', event);
      }
      for (const type of ['__proto__', 'constructor', 'Object', 'toString']) {
        const refusal = await client.refuse({ event: 'mount', type, instance: 'x', payload: {} });
        assert.equal(refusal.code, 'unknown_type', type);
      }
      assert.deepEqual(prototypePollution(), []);
    });

    test('nothing reached the observer but what it asked for, and Object.prototype is clean', async () => {
      await observer.send({ event: 'merge', type: 'Poison', instance: 'p', payload: {}, eventId: 'observer-last' });
      const values: JsonValue[] = observer.messages.received.flatMap((message) => bindUpdatesOf(message).map((patch) => patch.value));
      assert.ok(!JSON.stringify(values).includes('polluted'), JSON.stringify(values));
      const probe: Record<string, unknown> = {};
      assert.equal(probe.polluted, undefined);
      assert.deepEqual(prototypePollution(), []);
    });
  });
}
