/**
 * The default payload validator (Ajv, JSON Schema 2020-12 with formats): what `createNasc` checks payloads
 * with when the app passes none. Every field at fault is named at once, formats count, a property's own
 * `errorMessage` is what the page shows, and a schema Ajv cannot compile stops the server at start.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createNasc, defineHandler, withPayload } from '../../server/index.js';
import { startTestServer, transports } from '../../testing/index.js';

interface Profile {
  name: string;
  email: string;
}

const Profile = defineHandler<Profile>({
  mount: () => ({ name: '', email: '' }),
  save: withPayload(
    {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1, errorMessage: 'Enter a name.' },
        email: { type: 'string', format: 'email' },
      },
      required: ['name', 'email'],
      additionalProperties: false,
    },
    (payload) => ({ name: payload.name, email: payload.email }),
  ),
});

for (const transport of transports) {
  test(`${transport}: Ajv names every field at fault, with formats and the schema's own messages`, async () => {
    const server = await startTestServer({ handlers: { Profile } });
    try {
      const client = await server.connect(transport);
      const profile = await client.mount('Profile', 'p');
      const refused = await profile.expectRefused('save', { name: '', email: 'not an email' });
      assert.equal(refused.code, 'invalid_payload');
      assert.equal(refused.field, 'name');
      assert.equal(refused.message, 'Enter a name.');
      const errors = (refused.details as { errors: { field?: string; message: string }[] }).errors;
      assert.deepEqual(errors.map((error) => error.field).sort(), ['email', 'name']);
      assert.match(errors.find((error) => error.field === 'email')!.message, /"email" must match format "email"/);
      const missing = await profile.expectRefused('save', { name: 'Ada' });
      assert.equal(missing.field, 'email', 'a missing property is its own fault');
      await profile.expectApplied('save', { name: 'Ada', email: 'ada@example.com' });
      assert.deepEqual(profile.state, { name: 'Ada', email: 'ada@example.com' });
    } finally {
      await server.close();
    }
  });
}

test('a payload schema Ajv cannot compile stops createNasc, naming the event', () => {
  const Broken = defineHandler({ mount: () => ({}), go: withPayload({ type: 'object', properties: { x: { type: 'strnig' as 'string' } } }, (_payload, state) => state) });
  assert.throws(() => createNasc({ handlers: { Broken }, sessions: { secret: 'x'.repeat(40) } }), /payload schema of event "go" of type "Broken" is not valid/);
});
