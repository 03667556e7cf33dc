import '../../elements/index.js';
import { deepEqual, equal, ok } from '../browser-support/assert.js';
import { cleanupFixtures, fixture, otherClient, params, TRANSPORTS, uid, waitFor, waitForText, waitForValue } from '../browser-support/harness.js';
import { afterEach, describe, it } from '../browser-support/mocha.js';

declare global {
  interface Window {
    __naBindXss?: number;
  }
}

const HOSTILE = '<img src="data:," onerror="window.__naBindXss = 1"><b>bold</b>';

for (const transport of TRANSPORTS) {
  describe(`<na-bind> over ${transport}`, () => {
    afterEach(() => cleanupFixtures());

    it('renders values as text, never as HTML', async () => {
      const instance = uid();
      const f = fixture(transport, `<na-scope type="Echo" instance="${instance}" ${params({ name: HOSTILE })}><na-bind prop="name"></na-bind></na-scope>`);
      const bind = f.$('na-bind');
      await waitForText(bind, HOSTILE);
      equal(bind.children.length, 0, 'no element was created from the value');
      await otherClient('Echo', instance, 'set', { name: `${HOSTILE}<script>window.__naBindXss = 2</script>` });
      await waitForText(bind, `${HOSTILE}<script>window.__naBindXss = 2</script>`);
      equal(bind.children.length, 0, 'a patch is text too');
      // Give an <img onerror> that was created by mistake the chance to fire before checking.
      await new Promise((resolve) => requestAnimationFrame(resolve));
      equal(window.__naBindXss, undefined, 'no markup from the value ran');
    });

    it('shows its fallback content until the first value arrives', async () => {
      const instance = uid();
      const f = fixture(
        transport,
        `<na-scope type="Echo" instance="${instance}" ${params({ ready: true })}><na-bind prop="later"><em>Loading…</em></na-bind></na-scope>`,
      );
      const bind = f.$('na-bind');
      ok(bind.querySelector('em'), 'fallback shown before the mount answered');
      await waitForValue(f.connection, 'Echo', instance, 'ready', true);
      ok(bind.querySelector('em'), 'fallback still shown: the mounted state has no "later"');
      equal(bind.textContent, 'Loading…');
      await otherClient('Echo', instance, 'set', { later: 'now' });
      await waitForText(bind, 'now');
      equal(bind.querySelector('em'), null, 'fallback replaced');
    });

    it('clears what it shows when the value becomes null', async () => {
      const instance = uid();
      const f = fixture(transport, `<na-scope type="Echo" instance="${instance}" ${params({ name: 'Ada' })}><na-bind prop="name">fallback</na-bind></na-scope>`);
      const bind = f.$('na-bind');
      await waitForText(bind, 'Ada');
      await otherClient('Echo', instance, 'set', { name: null });
      await waitFor(() => bind.textContent === '', () => `empty (it is "${bind.textContent}")`);
      equal(f.connection.value('Echo', instance, 'name'), undefined);
    });

    it('binds a dotted path into an object', async () => {
      const instance = uid();
      const f = fixture(
        transport,
        `<na-scope type="Echo" instance="${instance}" ${params({ address: { city: 'Paris', zip: '75001', geo: { lat: 48.85 } } })}>
           <na-bind id="city" prop="address.city"></na-bind> <na-bind id="zip" prop="address.zip"></na-bind>
           <na-bind id="lat" prop="address.geo.lat"></na-bind> <na-bind id="whole" prop="address.geo"></na-bind>
         </na-scope>`,
      );
      await waitForText(f.$('#city'), 'Paris');
      equal(f.$('#zip').textContent, '75001');
      equal(f.$('#lat').textContent, '48.85');
      deepEqual(JSON.parse(f.$('#whole').textContent!), { lat: 48.85 }, 'an object shows as JSON text');
      await otherClient('Echo', instance, 'set', { address: { city: 'Oslo', geo: { lat: 59.91 } } });
      await waitForText(f.$('#city'), 'Oslo');
      equal(f.$('#zip').textContent, '', 'a path that no longer exists shows nothing');
      equal(f.$('#lat').textContent, '59.91');
    });

    it('drives form controls: checkbox, checkbox group, radio group, select, select multiple, textarea, text input', async () => {
      const instance = uid();
      const first = {
        agree: true,
        flags: ['x'],
        size: 'm',
        color: 'green',
        tags: ['a', 'c'],
        bio: 'line one\nline two',
        title: '<b>not bold</b>',
        age: 41,
      };
      const f = fixture(
        transport,
        `<na-scope type="Echo" instance="${instance}" ${params(first)}>
           <na-bind prop="agree"><input id="agree" type="checkbox"></na-bind>
           <na-bind prop="flags"><input id="flag-x" type="checkbox" value="x"><input id="flag-y" type="checkbox" value="y"></na-bind>
           <na-bind prop="size">
             <label><input id="size-s" type="radio" name="size" value="s">S</label>
             <label><input id="size-m" type="radio" name="size" value="m">M</label>
             <label><input id="size-l" type="radio" name="size" value="l">L</label>
           </na-bind>
           <na-bind prop="color"><select id="color"><option value="red">Red</option><option value="green">Green</option><option value="blue">Blue</option></select></na-bind>
           <na-bind prop="tags"><select id="tags" multiple><option value="a">A</option><option value="b">B</option><option value="c">C</option></select></na-bind>
           <na-bind prop="bio"><textarea id="bio"></textarea></na-bind>
           <na-bind prop="title"><input id="title"></na-bind>
           <na-bind prop="age"><input id="age" type="number"></na-bind>
         </na-scope>`,
      );
      const input = (id: string) => f.$<HTMLInputElement>(`#${id}`);
      const selected = (id: string) => [...f.$<HTMLSelectElement>(`#${id}`).selectedOptions].map((option) => option.value);
      await waitFor(() => input('agree').checked, 'checkbox checked by true');
      equal(input('flag-x').checked, true, 'checkbox group: x listed');
      equal(input('flag-y').checked, false, 'checkbox group: y not listed');
      deepEqual(['s', 'm', 'l'].map((v) => input(`size-${v}`).checked), [false, true, false], 'radio group');
      equal(f.$<HTMLSelectElement>('#color').value, 'green', 'select');
      deepEqual(selected('tags'), ['a', 'c'], 'select multiple');
      equal(f.$<HTMLTextAreaElement>('#bio').value, 'line one\nline two', 'textarea');
      equal(input('title').value, '<b>not bold</b>', 'text input holds the text as is');
      equal(input('age').value, '41', 'number input');
      ok(f.root.querySelector('b') === null, 'no markup created');

      await otherClient('Echo', instance, 'set', { agree: false, flags: ['y', 'x'], size: 'l', color: 'blue', tags: ['b'], bio: 'rewritten', title: 'plain', age: 42 });
      await waitFor(() => !input('agree').checked, 'checkbox unchecked by false');
      await waitFor(() => input('age').value === '42', 'number input updated');
      deepEqual([input('flag-x').checked, input('flag-y').checked], [true, true], 'checkbox group');
      deepEqual(['s', 'm', 'l'].map((v) => input(`size-${v}`).checked), [false, false, true], 'radio group');
      equal(f.$<HTMLSelectElement>('#color').value, 'blue', 'select');
      deepEqual(selected('tags'), ['b'], 'select multiple');
      equal(f.$<HTMLTextAreaElement>('#bio').value, 'rewritten', 'textarea');
      equal(input('title').value, 'plain', 'text input');

      await otherClient('Echo', instance, 'set', { size: null, tags: null, title: null });
      await waitFor(() => input('title').value === '', 'null clears a text input');
      deepEqual(['s', 'm', 'l'].map((v) => input(`size-${v}`).checked), [false, false, false], 'null clears a radio group');
      deepEqual(selected('tags'), [], 'null clears a select multiple');
    });
  });
}
