import { html, LitElement } from 'lit';
import '../../elements/index.js';
import { ScopeController } from '../../elements/index.js';
import { deepEqual, equal, ok } from '../browser-support/assert.js';
import { cleanupFixtures, fixture, otherClient, TRANSPORTS, uid, waitFor, waitForValue } from '../browser-support/harness.js';
import { afterEach, describe, it } from '../browser-support/mocha.js';

interface Profile {
  name: string;
  lastPayload: { via: string; n: number };
}

/** A small Lit component showing one instance through a ScopeController. */
class ProfileView extends LitElement {
  readonly profile = new ScopeController<Profile>(this, { type: 'Echo', instance: 'unset' });
  renders = 0;

  override render() {
    this.renders += 1;
    const { name, lastPayload } = this.profile.state;
    return html`<p id="name">${name ?? 'nobody'}</p><p id="payload">${lastPayload ? JSON.stringify(lastPayload) : ''}</p>
      <p id="error">${this.profile.error?.message ?? ''}</p>`;
  }
}
customElements.define('nasc-test-profile-view', ProfileView);

function text(view: ProfileView, id: string): string {
  return view.shadowRoot!.querySelector(`#${id}`)!.textContent!;
}

for (const transport of TRANSPORTS) {
  describe(`ScopeController over ${transport}`, () => {
    afterEach(() => cleanupFixtures());

    it('gives a LitElement the instance’s state reactively, and send() works', async () => {
      const instance = uid();
      const f = fixture(transport);
      const view = document.createElement('nasc-test-profile-view') as ProfileView;
      view.profile.setInstance({ type: 'Echo', instance, params: { name: 'Ada' } });
      f.root.append(view);
      await waitFor(() => view.shadowRoot && text(view, 'name') === 'Ada', 'the mounted state rendered');
      equal(view.profile.connection, f.connection, 'it found the connection through context');

      await otherClient('Echo', instance, 'set', { name: 'Grace' });
      await waitFor(() => text(view, 'name') === 'Grace', () => `a patch re-rendered it (shows "${text(view, 'name')}")`);

      const result = await view.profile.send('echo', { via: 'controller', n: 1 });
      ok(result.ok, `send resolved with an ack: ${JSON.stringify(result)}`);
      equal(typeof result.rev, 'number');
      await waitFor(() => text(view, 'payload') === '{"via":"controller","n":1}', () => `the payload rendered (${text(view, 'payload')})`);
      deepEqual(view.profile.state.lastPayload, { via: 'controller', n: 1 });

      const failed = await view.profile.send('fail', { message: 'Nope.' });
      equal(failed.ok, false);
      await waitFor(() => text(view, 'error') === 'Nope.', 'the error rendered');
      equal(view.profile.error?.message, 'Nope.');

      // Removed: unsubscribes (the connection unmounts the instance a moment later).
      const unmounted = new Promise<void>((resolve) =>
        f.connection.addEventListener('nasc-send', (event) => event.event.event === 'unmount' && event.event.instance === instance && resolve()),
      );
      view.remove();
      await unmounted;
      await waitFor(() => f.connection.value('Echo', instance, 'name') === undefined, 'the instance forgotten');
    });

    it('re-mounts another instance on setInstance()', async () => {
      const [first, second] = [uid('first'), uid('second')];
      const f = fixture(transport);
      const view = document.createElement('nasc-test-profile-view') as ProfileView;
      view.profile.setInstance({ type: 'Echo', instance: first, params: { name: 'First' } });
      f.root.append(view);
      await waitFor(() => view.shadowRoot && text(view, 'name') === 'First', 'first instance');
      view.profile.setInstance({ type: 'Echo', instance: second, params: { name: 'Second' } });
      await waitForValue(f.connection, 'Echo', second, 'name', 'Second');
      await waitFor(() => text(view, 'name') === 'Second', 'second instance rendered');
    });
  });
}
