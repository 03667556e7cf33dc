/**
 * Event ids are the server's dedupe key (per instance): an id sent again is answered from the outcome it
 * already had, not applied again. So a page that comes back (a reload, the same tab's client id) must never
 * reuse an id it sent before, or its new events would be silently taken for repeats.
 */
import '../../elements/index.js';
import { PageConnection, type NascSendEvent } from '../../elements/index.js';
import { equal, ok } from '../browser-support/assert.js';
import { BASE, TRANSPORTS, uid } from '../browser-support/harness.js';
import { describe, it } from '../browser-support/mocha.js';

function mounted(connection: PageConnection, instance: string, prop: string): Promise<void> {
  return new Promise((resolve) => connection.subscribe('Echo', instance, { [prop]: 'start' }, (change) => change.kind === 'prop' && resolve()));
}

for (const transport of TRANSPORTS) {
  describe(`event ids over ${transport.toUpperCase()}`, () => {
    it('a page back under the same client id sends new ids, and its events are applied', async () => {
      const clientId = crypto.randomUUID();
      const instance = uid('ids');
      const sent: string[] = [];
      const record = (event: NascSendEvent) => event.event.eventId && sent.push(event.event.eventId);

      const before = new PageConnection({ transport, base: BASE, clientId });
      before.addEventListener('nasc-send', record);
      await mounted(before, instance, 'note');
      const first = await before.send('Echo', instance, 'set', { note: 'before the reload' });
      ok(first.ok, JSON.stringify(first));
      before.close();

      const after = new PageConnection({ transport, base: BASE, clientId });
      after.addEventListener('nasc-send', record);
      const values: unknown[] = [];
      after.subscribe('Echo', instance, {}, (change) => change.kind === 'prop' && change.prop === 'note' && values.push(change.value));
      const second = await after.send('Echo', instance, 'set', { note: 'after the reload' });
      ok(second.ok, JSON.stringify(second));
      try {
        equal(new Set(sent).size, sent.length, `every id sent once: ${JSON.stringify(sent)}`);
        ok(
          values.includes('after the reload'),
          `the event after the reload was applied, not answered as a repeat (saw ${JSON.stringify(values)})`,
        );
      } finally {
        after.close();
      }
    });
  });
}
