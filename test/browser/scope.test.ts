import '../../elements/index.js';
import type { NaScope, NascDisconnectedEvent } from '../../elements/index.js';
import { deepEqual, equal, ok } from '../browser-support/assert.js';
import {
  cleanupFixtures,
  dropStreams,
  fixture,
  nextEvent,
  otherClient,
  params,
  TRANSPORTS,
  uid,
  waitFor,
  waitForText,
  waitForValue,
} from '../browser-support/harness.js';
import { afterEach, describe, it } from '../browser-support/mocha.js';

for (const transport of TRANSPORTS) {
  describe(`<na-scope> over ${transport}`, () => {
    afterEach(() => cleanupFixtures());

    it('mounts its instance when it connects', async () => {
      const instance = uid();
      const f = fixture(transport, `<na-scope type="Echo" instance="${instance}" ${params({ name: 'Ada' })}><na-bind prop="name">Guest</na-bind></na-scope>`);
      await waitForText(f.$('na-bind'), 'Ada');
      equal(f.connection.transport, transport, 'transport in use');
      const mounts = f.sent.filter((event) => event.event === 'mount');
      deepEqual(mounts.map((event) => [event.type, event.instance]), [['Echo', instance]], 'one mount sent');
      await waitFor(() => f.scope().status === 'live', () => `status live (it is ${f.scope().status})`);
      equal(f.scope().getAttribute('status'), 'live', 'status is reflected');
    });

    it('reconnects by itself after the server drops the stream, re-mounts, and shows what changed meanwhile', async () => {
      const instance = uid();
      const f = fixture(transport, `<na-scope type="Echo" instance="${instance}" ${params({ name: 'Ada' })}><na-bind prop="name"></na-bind></na-scope>`);
      await waitForText(f.$('na-bind'), 'Ada');
      const mountsBefore = f.sent.filter((event) => event.event === 'mount').length;
      const disconnected = nextEvent<NascDisconnectedEvent>(f.connection, 'nasc-disconnected');
      const reconnected = disconnected.then(() => nextEvent(f.connection, 'nasc-connected'));
      // Another client renames it while this one is down.
      await dropStreams([f.connection.clientId], [{ type: 'Echo', instance, event: 'set', payload: { name: 'Grace' } }]);
      await disconnected;
      await reconnected;
      await waitForText(f.$('na-bind'), 'Grace');
      const remounts = f.sent.filter((event) => event.event === 'mount').slice(mountsBefore);
      ok(remounts.length >= 1, 'the instance was mounted again after the reconnect');
      equal(remounts[0]!.instance, instance);
      equal(typeof remounts[0]!.rev, 'number', 'the re-mount says which revision it holds');
    });

    it('stops receiving once removed from the DOM', async () => {
      const gone = uid('gone');
      const marker = uid('marker');
      const f = fixture(
        transport,
        `<na-scope id="gone" type="Echo" instance="${gone}" ${params({ name: 'before' })}><na-bind prop="name"></na-bind></na-scope>
         <na-scope id="marker" type="Echo" instance="${marker}" ${params({ name: 'm0' })}><na-bind prop="name"></na-bind></na-scope>`,
      );
      const goneBind = f.$('#gone na-bind');
      await waitForText(goneBind, 'before');
      await waitForText(f.$('#marker na-bind'), 'm0');
      const unmounted = nextEvent(f.connection, 'nasc-send', (event: Event & { event?: { event: string; instance: string } }) => event.event?.event === 'unmount' && event.event.instance === gone);
      const scope = f.scope('#gone');
      scope.remove();
      await unmounted;
      // An acknowledged event sent after the unmount, on the same connection: the server has processed the unmount.
      const synced = await f.scope('#marker').send('set', { name: 'm-sync' });
      ok(synced.ok, 'marker event acknowledged');
      const patchesBefore = f.patches.length;
      await otherClient('Echo', gone, 'set', { name: 'after' });
      // The marker's change is applied after the removed instance's, so it arrives after it on the stream.
      await otherClient('Echo', marker, 'set', { name: 'm1' });
      await waitForValue(f.connection, 'Echo', marker, 'name', 'm1');
      const later = f.patches.slice(patchesBefore).flat();
      ok(!later.some((patch) => 'instance' in patch && patch.instance === gone), `no patch of the removed instance arrived: ${JSON.stringify(later)}`);
      equal(goneBind.textContent, 'before', 'the removed scope kept what it showed');
      equal(f.connection.value('Echo', gone, 'name'), undefined, 'the connection forgot the instance');
    });

    it('stays mounted when moved within the DOM', async () => {
      const instance = uid();
      const f = fixture(
        transport,
        `<section id="from"><na-scope type="Echo" instance="${instance}" ${params({ name: 'n0' })}><na-bind prop="name"></na-bind></na-scope></section><section id="to"></section>`,
      );
      await waitForText(f.$('na-bind'), 'n0');
      const movedAt = performance.now();
      f.$('#to').append(f.scope());
      const result = await f.scope().send('set', { name: 'sent after the move' });
      ok(result.ok);
      await waitForText(f.$('#to na-bind'), 'sent after the move');
      // Keep changing it until well past the connection's 1 s unmount grace period: every change must show.
      for (let n = 1; performance.now() - movedAt < 1_500; n++) {
        await otherClient('Echo', instance, 'set', { name: `n${n}` });
        await waitForText(f.$('#to na-bind'), `n${n}`);
      }
      equal(f.sent.filter((event) => event.event === 'unmount').length, 0, 'no unmount was sent');
    });

    it('delivers an instance’s patches to every scope showing it, and only to those', async () => {
      const shared = uid('shared');
      const other = uid('other');
      const f = fixture(
        transport,
        `<na-scope id="a" type="Echo" instance="${shared}" ${params({ name: 's0' })}><na-bind prop="name"></na-bind></na-scope>
         <na-scope id="b" type="Echo" instance="${shared}" ${params({ name: 's0' })}><na-bind prop="name"></na-bind></na-scope>
         <na-scope id="c" type="Echo" instance="${other}" ${params({ name: 'o0' })}><na-bind prop="name"></na-bind></na-scope>`,
      );
      // A second client (its own connection) shows the shared instance too. Its mount may reach the server
      // first and create the instance, so it asks for the same first state.
      const g = fixture(transport, `<na-scope type="Echo" instance="${shared}" ${params({ name: 's0' })}><na-bind prop="name"></na-bind></na-scope>`);
      const [a, b, c, d] = [f.$('#a na-bind'), f.$('#b na-bind'), f.$('#c na-bind'), g.$('na-bind')];
      await waitForText(a, 's0');
      await waitForText(b, 's0');
      await waitForText(c, 'o0');
      await waitForText(d, 's0');
      equal(f.sent.filter((event) => event.event === 'mount' && event.instance === shared).length, 1, 'two scopes of one instance mount it once');
      await otherClient('Echo', shared, 'set', { name: 's1' });
      await waitForText(a, 's1');
      await waitForText(b, 's1');
      await waitForText(d, 's1');
      equal(c.textContent, 'o0', 'a scope of another instance is left alone');
      await otherClient('Echo', other, 'set', { name: 'o1' });
      await waitForText(c, 'o1');
      equal(a.textContent, 's1');
      equal(b.textContent, 's1');
    });

    it('isolates a nested scope from its parent (same prop names, different types)', async () => {
      const outer = uid('outer');
      const inner = uid('inner');
      const f = fixture(
        transport,
        `<na-scope id="outer" type="Outer" instance="${outer}" ${params({ name: 'Outer name', count: 1 })}>
           <na-bind id="outer-name" prop="name"></na-bind> <na-bind id="outer-event" prop="lastEvent">none</na-bind>
           <button id="outer-mark" na-click="set" data-mark="m1">mark</button>
           <na-scope id="inner" type="Inner" instance="${inner}" ${params({ name: { first: 'In', last: 'Ner' }, count: 'two' })}>
             <na-bind id="inner-name" prop="name.first"></na-bind> <na-bind id="inner-count" prop="count"></na-bind>
             <na-bind id="inner-event" prop="lastEvent">none</na-bind>
             <button id="inner-echo" na-click="echo" data-from="inner"><span>echo</span></button>
           </na-scope>
           <na-bind id="outer-count" prop="count"></na-bind>
         </na-scope>`,
      );
      await waitForText(f.$('#outer-name'), 'Outer name');
      await waitForText(f.$('#inner-name'), 'In');
      await waitForText(f.$('#inner-count'), 'two');
      await waitForText(f.$('#outer-count'), '1');
      await otherClient('Inner', inner, 'set', { count: 'three' });
      await waitForText(f.$('#inner-count'), 'three');
      equal(f.$('#outer-count').textContent, '1', 'the parent scope ignores the nested one’s patches');

      // An event from inside the nested scope goes to the nested scope only.
      f.$('#inner-echo span').click();
      await waitForText(f.$('#inner-event'), 'echo');
      deepEqual(f.connection.value('Inner', inner, 'lastPayload'), { from: 'inner' });
      f.$('#outer-mark').click();
      await waitForValue(f.connection, 'Outer', outer, 'mark', 'm1');
      equal(f.$('#outer-event').textContent, 'none', 'the parent scope did not also send the nested click');
      deepEqual(
        f.sent.filter((event) => event.event === 'echo').map((event) => event.type),
        ['Inner'],
        'the click was sent once, for the nested type',
      );
    });

    it('shows its status: connecting → live → offline (dropped) → live', async () => {
      const instance = uid();
      const f = fixture(transport);
      const scope = document.createElement('na-scope') as NaScope;
      scope.setAttribute('type', 'Echo');
      scope.setAttribute('instance', instance);
      scope.setAttribute('params', JSON.stringify({ name: 'x' }));
      const seen: string[] = [];
      const observer = new MutationObserver(() => {
        const status = scope.getAttribute('status');
        if (status !== null && seen[seen.length - 1] !== status) seen.push(status);
      });
      observer.observe(scope, { attributes: true, attributeFilter: ['status'] });
      f.root.append(scope);
      try {
        await waitFor(() => scope.status === 'live', () => `live (saw ${seen.join(' → ')})`);
        await waitForValue(f.connection, 'Echo', instance, 'name', 'x');
        await dropStreams([f.connection.clientId]);
        await waitFor(() => seen.includes('offline'), () => `offline after the drop (saw ${seen.join(' → ')})`);
        await waitFor(() => seen[seen.length - 1] === 'live' && seen.length >= 4, () => `live again (saw ${seen.join(' → ')})`);
        deepEqual(seen.slice(0, 4), ['connecting', 'live', 'offline', 'live']);
      } finally {
        observer.disconnect();
      }
    });
  });
}
