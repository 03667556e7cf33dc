/**
 * The dev bundle's checks of names against the server's manifest (a misspelt `type` or event name, with the
 * nearest right one), and the other mistakes it reports: a scope without `instance`, a binding outside any
 * scope. Each warning is issued once per page, so every test uses names of its own.
 */
import '../../elements/index.js';
import { equal, ok } from '../browser-support/assert.js';
import { cleanupFixtures, fixture, params, spyOnWarnings, TRANSPORTS, uid, waitFor, waitForText } from '../browser-support/harness.js';
import { afterEach, describe, it } from '../browser-support/mocha.js';

function overlayText(): string {
  return document.querySelector('nasc-dev-overlay')?.shadowRoot?.textContent ?? '';
}

/** A misspelling per transport: warnings are once per page, and both runs share the page. */
const TYPOS = {
  sse: { type: 'Ecoh', event: 'tgogle', formEvent: 'zzz_sse' },
  ws: { type: 'Eho', event: 'toggel', formEvent: 'zzz_ws' },
} as const;

for (const transport of TRANSPORTS) {
  describe(`dev checks of names over ${transport}`, () => {
    let warnings: ReturnType<typeof spyOnWarnings>;
    afterEach(() => {
      warnings?.restore();
      cleanupFixtures();
    });

    it('names a misspelt type, with the nearest type the server has, in the console and the overlay', async () => {
      warnings = spyOnWarnings();
      const typo = TYPOS[transport].type;
      const f = fixture(transport, `<na-scope type="${typo}" instance="${uid()}"><na-bind prop="name">—</na-bind></na-scope>`);
      const found = await waitFor(
        () => warnings.messages.find((message) => message.includes(`type="${typo}"`)),
        () => `a warning about type "${typo}" (got ${JSON.stringify(warnings.messages)})`,
      );
      ok(found.includes('did you mean "Echo"?'), `it suggests Echo: ${found}`);
      await waitFor(() => overlayText().includes(`did you mean "Echo"?`), 'the overlay lists it');
      equal(f.scope().type, typo);
    });

    it('names misspelt event names on buttons, in list templates and on forms, once each', async () => {
      warnings = spyOnWarnings();
      const { event, formEvent } = TYPOS[transport];
      const f = fixture(
        transport,
        `<na-scope type="List" instance="${uid()}" ${params({ items: [{ id: 'a', label: 'A' }, { id: 'b', label: 'B' }] })}>
           <button id="good" na-click="echo">fine</button>
           <button id="bad" na-click="${event}">bad</button>
           <form na-submit="${formEvent}"><button>go</button></form>
           <na-bind prop="items" key="id"><template><p><na-bind prop="label"></na-bind><button na-click="${event}">x</button></p></template></na-bind>
         </na-scope>`,
      );
      await waitFor(() => f.root.querySelectorAll('na-bind[prop="items"] p').length === 2, 'both list items rendered');
      const about = (name: string) => warnings.messages.filter((message) => message.includes(`"${name}"`));
      await waitFor(() => about(event).length > 0 && about(formEvent).length > 0, () => `warnings about both names (got ${JSON.stringify(warnings.messages)})`);
      equal(about(event).length, 1, `one warning about "${event}", though three elements carry it: ${JSON.stringify(about(event))}`);
      ok(about(event)[0]!.includes(`na-click="${event}"`) && about(event)[0]!.includes('did you mean "toggle"?'), about(event)[0]);
      ok(about(formEvent)[0]!.includes('na-submit') && about(formEvent)[0]!.includes('"echo"'), `no near name: it lists the events (${about(formEvent)[0]})`);
      equal(warnings.messages.filter((message) => message.includes('"echo"') && !message.includes(formEvent)).length, 0, 'a right name is not reported');
      // Clicking the misspelt button does not report it again.
      f.$('#bad').click();
      await new Promise((resolve) => requestAnimationFrame(resolve));
      equal(about(event).length, 1);
    });

    it('reports an event a script sends under an unknown name', async () => {
      warnings = spyOnWarnings();
      const name = `sned_${transport}`;
      const f = fixture(transport, `<na-scope type="Echo" instance="${uid()}" ${params({ name: 'x' })}><na-bind prop="name"></na-bind></na-scope>`);
      await waitForText(f.$('na-bind'), 'x');
      void f.scope().send(name, {}).catch(() => undefined);
      const found = await waitFor(() => warnings.messages.find((message) => message.includes(`"${name}"`)), () => `a warning about ${name} (got ${JSON.stringify(warnings.messages)})`);
      ok(found.includes(`send("${name}")`) && found.includes('"Echo"'), found);
    });
  });
}

describe('dev checks of incomplete markup', () => {
  let warnings: ReturnType<typeof spyOnWarnings>;
  afterEach(() => {
    warnings?.restore();
    cleanupFixtures();
  });

  it('a scope without instance is never live, and says so once', async () => {
    warnings = spyOnWarnings();
    const f = fixture(
      'sse',
      `<na-scope id="whole" type="Echo" instance="${uid()}" ${params({ name: 'x' })}><na-bind prop="name"></na-bind></na-scope>
       <na-scope id="half" type="Echo"><na-bind prop="name">fallback</na-bind></na-scope>`,
    );
    await waitFor(() => f.scope('#whole').status === 'live', 'the complete scope is live');
    equal(f.scope('#half').status, 'error', 'the scope without instance reports error, not live');
    equal(f.scope('#half').getAttribute('status'), 'error');
    const about = warnings.messages.filter((message) => message.includes('needs both type and instance'));
    equal(about.length, 1, `exactly one warning (got ${JSON.stringify(warnings.messages)})`);
    ok(about[0]!.includes('no instance'), about[0]);
  });

  it('a binding outside any scope keeps its content, as the guide says, and warns once', async () => {
    warnings = spyOnWarnings();
    const prop = `orphan${uid().slice(3, 9)}`;
    const f = fixture('sse', `<p><na-bind id="a" prop="${prop}">written</na-bind><na-bind id="b" prop="${prop}">also</na-bind></p>`);
    await waitFor(() => warnings.messages.some((message) => message.includes(`prop="${prop}"`)), 'the orphan warning');
    equal(f.$('#a').textContent, 'written');
    equal(f.$('#b').textContent, 'also');
    equal(warnings.messages.filter((message) => message.includes(`prop="${prop}"`)).length, 1);
  });
});
