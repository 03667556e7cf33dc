import { html, LitElement } from 'lit';
import type { JsonObject } from '../../protocol/index.js';
import '../../elements/index.js';
import { ScopeController } from '../../elements/index.js';
import { deepEqual, equal, ok } from '../browser-support/assert.js';
import { cleanupFixtures, escapeAttribute, fixture, otherClient, params, spyOnWarnings, TRANSPORTS, uid, waitFor } from '../browser-support/harness.js';
import { afterEach, describe, it } from '../browser-support/mocha.js';

interface Listed {
  title: string;
  items: { id: string; label: string }[];
}

/** A component showing an instance through a ScopeController; it counts its renders before any patch. */
class ListedView extends LitElement {
  readonly listed = new ScopeController<Listed>(this, { type: 'List', instance: this.getAttribute('instance') ?? 'unset' });

  override render() {
    return html`<p id="title">${this.listed.state.title ?? 'nothing yet'}</p>`;
  }
}
customElements.define('nasc-test-listed-view', ListedView);

/** Creates an instance on the server (mounted once by a connection of its own, then left): it is at revision 1. */
async function created(transport: 'sse' | 'ws', state: Listed): Promise<string> {
  const instance = uid('rendered');
  const setup = fixture(transport, `<na-scope type="List" instance="${instance}" ${params(state as unknown as JsonObject)}><na-bind prop="title"></na-bind></na-scope>`);
  await waitFor(() => setup.connection.value('List', instance, 'title') === state.title, 'the instance was created');
  setup.connection.close();
  setup.root.remove();
  return instance;
}

/** The page the server would render for `state` at revision `rev`: stamped, bound, list items keyed. */
function rendered(instance: string, state: Listed, rev: number): string {
  const items = state.items.map((item) => `<li na-key="${item.id}"><span na-bind="label">${item.label}</span><button na-click="echo">x</button></li>`).join('');
  return `<na-scope type="List" instance="${instance}" na-rev="${rev}" na-state="${escapeAttribute(JSON.stringify(state))}">
    <h2><na-bind prop="title">${state.title}</na-bind></h2>
    <ul><na-bind prop="items" key="id"><template><li><span na-bind="label"></span><button na-click="echo">x</button></li></template>${items}</na-bind></ul>
    <nasc-test-listed-view instance="${instance}"></nasc-test-listed-view>
  </na-scope>`;
}

for (const transport of TRANSPORTS) {
  describe(`a server-rendered scope over ${transport}`, () => {
    afterEach(() => cleanupFixtures());

    it('is taken over: state known at once, the mount resumes from the stamp, list items keep their nodes and send their keys', async () => {
      const state: Listed = { title: 'Rendered', items: [{ id: 'a', label: 'A' }, { id: 'b', label: 'B' }] };
      const instance = await created(transport, state);
      const f = fixture(transport, rendered(instance, state, 1));
      const [first, second] = [...f.root.querySelectorAll('li')];
      const title = f.$('na-bind[prop="title"]').firstChild;
      // Before anything came from the server: the page's copy and a ScopeController already hold the state.
      deepEqual(f.connection.snapshot('List', instance), state as unknown as JsonObject);
      const view = f.$<ListedView>('nasc-test-listed-view');
      deepEqual(view.listed.state, state, 'the controller has the rendered state before any patch');
      equal(f.root.querySelectorAll('[na-rev], [na-state]').length, 0, 'the stamp was taken over');

      await waitFor(() => f.patches.some((patches) => patches.some((patch) => patch.action === 'ack')), 'the mount was answered');
      const mount = f.sent.find((event) => event.event === 'mount');
      equal(mount?.rev, 1, 'the mount said which revision the page holds');
      deepEqual(f.patches.flat().filter((patch) => patch.action === 'snapshot' || patch.action === 'bindUpdate'), [], 'nothing was sent again');
      equal(f.$('na-bind[prop="title"]').firstChild, title, 'the text node is the rendered one');

      await otherClient('List', instance, 'set', { items: [{ id: 'b', label: 'B2' }, { id: 'a', label: 'A' }, { id: 'c', label: 'C' }] });
      await waitFor(() => f.root.querySelectorAll('li').length === 3, 'the change after the stamp applied');
      const now = [...f.root.querySelectorAll('li')];
      equal(now[0], second, 'item b kept its node (moved first)');
      equal(now[1], first, 'item a kept its node');
      equal(now[0]!.querySelector('span')!.textContent, 'B2');
      await waitFor(() => view.shadowRoot?.querySelector('#title')?.textContent === 'Rendered', 'the component rendered the state');

      now[1]!.querySelector('button')!.click();
      await waitFor(() => f.connection.value('List', instance, 'lastPayload') !== undefined, 'the event applied');
      deepEqual(f.connection.value('List', instance, 'lastPayload'), { id: 'a' }, 'an adopted item sends its key');
    });

    it('in development, its first mount asks for the schemas a resume goes without, and its bindings are checked', async () => {
      const warnings = spyOnWarnings();
      try {
        const state = { title: 'Typed', count: 1 };
        const setup = fixture(transport, `<na-scope type="Typed" instance="${uid('typed')}" ${params(state)}><na-bind prop="title"></na-bind></na-scope>`);
        const instance = setup.scope().instance;
        await waitFor(() => setup.connection.value('Typed', instance, 'title') === 'Typed', 'the instance was created');
        setup.connection.close();
        setup.root.remove();
        const prop = `undeclared_${transport}`;
        const f = fixture(transport, `<na-scope type="Typed" instance="${instance}" na-rev="1" na-state="${escapeAttribute(JSON.stringify({ ...state, [prop]: 'x' }))}"><na-bind prop="${prop}">x</na-bind></na-scope>`);
        await waitFor(() => f.patches.some((patches) => patches.some((patch) => patch.action === 'ack')), 'the mount was answered');
        const mount = f.sent.find((event) => event.event === 'mount');
        deepEqual([mount?.rev, mount?.schemas], [1, true], 'it resumed, asking for the schemas');
        ok(f.patches.flat().some((patch) => patch.action === 'schema' && patch.type === 'Typed'), 'the schema came');
        ok(!f.patches.flat().some((patch) => patch.action === 'snapshot'), 'and no snapshot');
        await waitFor(() => warnings.messages.find((message) => message.includes(`binds "${prop}"`)), () => `a warning about ${prop} (got ${JSON.stringify(warnings.messages)})`);
      } finally {
        warnings.restore();
      }
    });

    it('a stamp older than the server catches up from the log; rendered items the state no longer has are removed', async () => {
      const state: Listed = { title: 'Old', items: [{ id: 'a', label: 'A' }, { id: 'gone', label: 'Gone' }] };
      const instance = await created(transport, state);
      await otherClient('List', instance, 'set', { title: 'New', items: [{ id: 'a', label: 'A' }] });
      const f = fixture(transport, rendered(instance, state, 1));
      const kept = f.root.querySelector('li');
      await waitFor(() => f.$('na-bind[prop="title"]').textContent === 'New', 'caught up');
      equal(f.root.querySelectorAll('li').length, 1);
      equal(f.root.querySelector('li'), kept, 'the item still there kept its node');
      ok(!f.patches.flat().some((patch) => patch.action === 'snapshot'), `caught up from the log, not a snapshot: ${JSON.stringify(f.patches)} ${JSON.stringify(f.sent)}`);
      ok(f.patches.flat().some((patch) => patch.action === 'bindUpdate' && patch.rev === 2), 'revision 2 came');
    });
  });
}
