import '../../elements/index.js';
import {
  chooseTransport,
  NascConnectedEvent,
  NascDisconnectedEvent,
  NascErrorEvent,
  NascPatchEvent,
  NascSendEvent,
} from '../../elements/index.js';
import type { BindUpdatePatch } from '../../protocol/index.js';
import { equal, ok } from '../browser-support/assert.js';
import { cleanupFixtures, dropStreams, fixture, nextEvent, params, TRANSPORTS, uid, waitForText, waitForValue } from '../browser-support/harness.js';
import { afterEach, describe, it } from '../browser-support/mocha.js';

for (const transport of TRANSPORTS) {
  describe(`PageConnection over ${transport}`, () => {
    afterEach(() => cleanupFixtures());

    it('dispatches nasc-connected, nasc-send, nasc-patch, nasc-error and nasc-disconnected as typed events', async () => {
      const instance = uid();
      const f = fixture(transport);
      const connected = nextEvent<NascConnectedEvent>(f.connection, 'nasc-connected');
      const mountSent = nextEvent<NascSendEvent>(f.connection, 'nasc-send', (event) => event.event.event === 'mount');
      const snapshot = nextEvent<NascPatchEvent>(f.connection, 'nasc-patch', (event) => event.patches.some((patch) => patch.action === 'bindUpdate'));
      f.root.innerHTML = `<na-scope type="Echo" instance="${instance}" ${params({ name: 'Ada' })}>
        <na-bind prop="name"></na-bind><button na-click="fail" data-message="no such thing">fail</button></na-scope>`;

      const open = await connected;
      ok(open instanceof NascConnectedEvent, 'NascConnectedEvent');
      equal(open.transport, transport);
      equal(f.connection.state, 'live');

      const send = await mountSent;
      ok(send instanceof NascSendEvent, 'NascSendEvent');
      equal(send.event.type, 'Echo');
      equal(send.event.instance, instance);
      equal(send.event.payload.name, 'Ada', 'the mount carries the scope’s params');

      const patch = await snapshot;
      ok(patch instanceof NascPatchEvent, 'NascPatchEvent');
      const update = patch.patches.find((p): p is BindUpdatePatch => p.action === 'bindUpdate' && p.prop === 'name')!;
      ok(update, 'the snapshot holds "name"');
      equal(update.instance, instance);
      equal(update.value, 'Ada');
      equal(update.snapshot, true);

      const failed = nextEvent<NascErrorEvent>(f.connection, 'nasc-error');
      f.$('button').click();
      const error = await failed;
      ok(error instanceof NascErrorEvent, 'NascErrorEvent');
      equal(error.error.message, 'no such thing');
      equal(error.error.code, 'rejected');

      const disconnected = nextEvent<NascDisconnectedEvent>(f.connection, 'nasc-disconnected');
      const reconnected = disconnected.then(() => nextEvent<NascConnectedEvent>(f.connection, 'nasc-connected'));
      await dropStreams([f.connection.clientId]);
      const down = await disconnected;
      ok(down instanceof NascDisconnectedEvent, 'NascDisconnectedEvent');
      equal(down.transport, transport);
      equal(down.attempt, 1);
      ok(down.retryInMs >= 0 && down.retryInMs <= 1_000, `retryInMs ${down.retryInMs}`);
      ok(typeof down.reason === 'string' && down.reason.length > 0, 'a reason');
      ok(['reconnecting', 'offline'].includes(f.connection.state), `state while down: ${f.connection.state}`);
      equal((await reconnected).transport, transport);
      equal(f.connection.state, 'live');
      equal(f.connection.attempt, 0, 'attempts reset once live');
    });

    it('keeps unacknowledged events across a drop and sends them once it is back', async () => {
      const instance = uid();
      const f = fixture(transport, `<na-scope type="Echo" instance="${instance}" ${params({ n: 0 })}><na-bind prop="n"></na-bind></na-scope>`);
      await waitForText(f.$('na-bind'), '0');
      const disconnected = nextEvent(f.connection, 'nasc-disconnected');
      await dropStreams([f.connection.clientId]);
      await disconnected;
      // Sent while the stream is down: it waits in the outbox.
      const result = f.scope().send('set', { n: 1 });
      const outcome = await result;
      ok(outcome.ok, `acknowledged: ${JSON.stringify(outcome)}`);
      await waitForText(f.$('na-bind'), '1');
      equal(f.sent.filter((event) => event.event === 'set').length >= 1, true);
    });
  });
}

describe('the transport rule', () => {
  const originalUrl = location.href;
  afterEach(() => {
    history.replaceState(history.state, '', originalUrl);
    cleanupFixtures();
  });

  function setUrlTransport(value: string | null): void {
    const url = new URL(originalUrl);
    if (value === null) url.searchParams.delete('transport');
    else url.searchParams.set('transport', value);
    history.replaceState(history.state, '', url);
  }

  it('is SSE by default, else the connection’s own setting', () => {
    equal(chooseTransport('auto'), 'sse');
    equal(chooseTransport('sse'), 'sse');
    equal(chooseTransport('ws'), 'ws');
  });

  it('picks WS when any <na-scope transport="ws"> (or na-transport="ws") is in the document, and stops when it is removed', () => {
    const holder = document.createElement('div');
    document.body.append(holder);
    try {
      // Scopes without type/instance never connect: only their attributes count here.
      holder.innerHTML = '<section><na-scope transport="ws"></na-scope></section>';
      equal(chooseTransport('auto'), 'ws');
      equal(chooseTransport('sse'), 'ws', 'a ws scope outranks the connection setting');
      holder.innerHTML = '<na-scope na-transport="ws"></na-scope>';
      equal(chooseTransport('sse'), 'ws', 'na-transport="ws" counts too');
      holder.innerHTML = '<na-scope transport="sse"></na-scope>';
      equal(chooseTransport('auto'), 'sse', 'transport="sse" forces nothing');
      holder.innerHTML = '';
      equal(chooseTransport('sse'), 'sse');
    } finally {
      holder.remove();
      document.querySelector('nasc-dev-overlay')?.remove();
    }
  });

  it('lets ?transport= in the page URL outrank everything', () => {
    const holder = document.createElement('div');
    document.body.append(holder);
    try {
      holder.innerHTML = '<na-scope transport="ws"></na-scope>';
      setUrlTransport('sse');
      equal(chooseTransport('ws'), 'sse', '?transport=sse beats a ws scope and the setting');
      setUrlTransport('ws');
      holder.innerHTML = '';
      equal(chooseTransport('sse'), 'ws', '?transport=ws beats the setting');
      setUrlTransport('carrier-pigeon');
      equal(chooseTransport('auto'), 'sse', 'an unknown value is ignored');
    } finally {
      holder.remove();
      document.querySelector('nasc-dev-overlay')?.remove();
    }
  });

  it('a connection set to SSE connects over WS when a scope asks for it, and works', async () => {
    const instance = uid();
    const f = fixture('sse', `<na-scope transport="ws" type="Echo" instance="${instance}" ${params({ name: 'over ws' })}><na-bind prop="name"></na-bind></na-scope>`);
    await waitForText(f.$('na-bind'), 'over ws');
    equal(f.connection.transport, 'ws');
  });

  it('a connection set to WS connects over SSE when the URL says ?transport=sse, and works', async () => {
    setUrlTransport('sse');
    const instance = uid();
    const f = fixture('ws', `<na-scope type="Echo" instance="${instance}" ${params({ name: 'over sse' })}><na-bind prop="name"></na-bind></na-scope>`);
    await waitForText(f.$('na-bind'), 'over sse');
    equal(f.connection.transport, 'sse');
    await waitForValue(f.connection, 'Echo', instance, 'name', 'over sse');
  });
});
