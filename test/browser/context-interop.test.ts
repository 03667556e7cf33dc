import { ContextConsumer, ContextProvider } from '@lit/context';
import { LitElement } from 'lit';
import '../../elements/index.js';
import { connect, connectionContext, getPageConnection, PageConnection, scopeContext, type NaScope, type Scope } from '../../elements/index.js';
import { equal, ok } from '../browser-support/assert.js';
import { BASE, cleanupFixtures, fixture, params, uid, waitFor } from '../browser-support/harness.js';
import { afterEach, describe, it } from '../browser-support/mocha.js';

// This page's singleton talks to the test server (the last test mounts a scope on it first).
connect({ base: BASE });

/** A Lit component consuming both Nasc contexts through `@lit/context` itself, as docs/lit-composers.md shows. */
class LitConsumer extends LitElement {
  scopes: Scope[] = [];
  connections: PageConnection[] = [];
  readonly scope = new ContextConsumer(this, { context: scopeContext, subscribe: true, callback: (s) => this.scopes.push(s) });
  readonly connection = new ContextConsumer(this, { context: connectionContext, subscribe: true, callback: (c) => this.connections.push(c) });
  once: PageConnection | undefined;
  readonly oneShot = new ContextConsumer(this, { context: connectionContext, callback: (c) => (this.once = c) });
}
customElements.define('nasc-test-lit-consumer', LitConsumer);

function consumer(root: ParentNode, selector = 'nasc-test-lit-consumer'): LitConsumer {
  return root.querySelector(selector) as LitConsumer;
}

describe('contexts with @lit/context', () => {
  afterEach(() => cleanupFixtures());

  it('a @lit/context consumer gets the page connection, a fixture’s connection, and the nearest <na-scope>', async () => {
    const outside = document.createElement('nasc-test-lit-consumer') as LitConsumer;
    document.body.append(outside);
    try {
      equal(outside.connection.value, getPageConnection(), 'the page connection, from <html>');
      equal(outside.once, getPageConnection(), 'a one-time request is answered too');
      equal(outside.scope.value, undefined, 'no scope outside <na-scope>');
    } finally {
      outside.remove();
    }

    const instance = uid();
    const f = fixture('sse', `<na-scope type="Echo" instance="${instance}" ${params({ name: 'Ada' })}><nasc-test-lit-consumer></nasc-test-lit-consumer></na-scope>`);
    const inside = consumer(f.root);
    equal(inside.connection.value, f.connection, 'the fixture’s connection, from its @lit/context provider');
    equal(inside.scope.value, f.scope() as Scope, 'the <na-scope> around it');
    await waitFor(() => inside.scope.value?.read('name') === 'Ada', 'reads through the scope');
  });

  it('a consumer inside a keyed-list item gets the item’s scope', async () => {
    const instance = uid();
    const f = fixture(
      'sse',
      `<na-scope type="List" instance="${instance}" ${params({ ready: true, items: [{ id: 'a', title: 'A' }] })}>
        <na-bind prop="items" key="id"><template><div class="item"><nasc-test-lit-consumer></nasc-test-lit-consumer></div></template></na-bind>
      </na-scope>`,
    );
    const inside = await waitFor(() => consumer(f.root, '.item nasc-test-lit-consumer'), 'the item rendered');
    equal(inside.scope.value?.read('title'), 'A', 'the item scope');
    ok(inside.scope.value !== (f.scope() as Scope), 'not the <na-scope> itself');
  });

  it('requests made before their provider existed are answered when it connects', async () => {
    const f = fixture('sse');
    const tag = `nasc-test-late-scope-${uid('x').toLowerCase()}`;
    f.root.innerHTML = `<${tag}><nasc-test-lit-consumer></nasc-test-lit-consumer></${tag}>`;
    const inside = consumer(f.root);
    equal(inside.scope.value, undefined, 'no provider yet');
    const fake = { type: 'Fake', instance: 'late' } as Scope;
    customElements.define(
      tag,
      class extends LitElement {
        readonly provider = new ContextProvider(this, { context: scopeContext, initialValue: fake });
      },
    );
    await waitFor(() => inside.scope.value === fake, 'the late provider answered the held request');
  });

  it('a connection provider appearing between consumers and <html> takes them over, <na-scope> included', async () => {
    const other = new PageConnection({ transport: 'sse', base: BASE, clientId: crypto.randomUUID() });
    const tag = `nasc-test-late-connection-${uid('x').toLowerCase()}`;
    const holder = document.createElement('div');
    holder.innerHTML = `<${tag}><nasc-test-lit-consumer></nasc-test-lit-consumer><na-scope type="Echo" instance="${uid()}" ${params({ name: 'X' })}></na-scope></${tag}>`;
    document.body.append(holder);
    try {
      const inside = consumer(holder);
      equal(inside.connection.value, getPageConnection(), 'first the page connection');
      customElements.define(
        tag,
        class extends LitElement {
          readonly provider = new ContextProvider(this, { context: connectionContext, initialValue: other });
        },
      );
      await waitFor(() => inside.connection.value === other, 'the consumer moved to the new provider');
      equal(inside.connections.length, 2, 'called once per provider');
      const scope = holder.querySelector('na-scope') as NaScope;
      await waitFor(() => other.value('Echo', scope.instance, 'name') === 'X', 'the scope mounted over the new connection');
    } finally {
      holder.remove();
      other.close();
    }
  });
});
