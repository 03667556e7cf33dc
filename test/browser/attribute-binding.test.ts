import '../../elements/index.js';
import { equal } from '../browser-support/assert.js';
import { cleanupFixtures, fixture, otherClient, params, TRANSPORTS, uid, waitFor, waitForText } from '../browser-support/harness.js';
import { afterEach, describe, it } from '../browser-support/mocha.js';

// Controls (and plain elements) may carry the binding themselves: <input na-bind="name">.
for (const transport of TRANSPORTS) {
  describe(`na-bind attributes over ${transport}`, () => {
    afterEach(() => cleanupFixtures());

    it('binds a control or element that carries na-bind, in the scope and in list items', async () => {
      const instance = uid();
      const f = fixture(
        transport,
        `<na-scope type="Echo" instance="${instance}" ${params({ name: 'Ada', done: true, items: [{ id: 1, title: 'one' }] })}>
          <input class="name" name="name" na-bind="name">
          <input class="done" type="checkbox" na-bind="done">
          <span class="shout" na-bind="name">fallback</span>
          <ul><na-bind prop="items" key="id"><template><li na-bind="title"></li></template></na-bind></ul>
          <na-scope type="Echo" instance="${uid()}" ${params({ name: 'inner' })}><i class="inner" na-bind="name"></i></na-scope>
        </na-scope>`,
      );
      const name = f.$<HTMLInputElement>('input.name');
      const done = f.$<HTMLInputElement>('input.done');
      await waitFor(() => name.value === 'Ada', 'the input to show the name');
      equal(done.checked, true);
      await waitForText(f.$('span.shout'), 'Ada');
      await waitForText(f.$('li'), 'one');
      await waitForText(f.$('i.inner'), 'inner');
      await otherClient('Echo', instance, 'set', { name: 'Grace', done: false, items: [{ id: 1, title: 'uno' }] });
      await waitFor(() => name.value === 'Grace', 'the input to follow the change');
      equal(done.checked, false);
      await waitForText(f.$('span.shout'), 'Grace');
      await waitForText(f.$('li'), 'uno');
      equal(f.$('i.inner').textContent, 'inner', 'a nested scope binds its own instance');
      await otherClient('Echo', instance, 'set', { name: null });
      await waitFor(() => name.value === '', 'null to clear the input');
      await waitForText(f.$('span.shout'), '');
    });
  });
}
