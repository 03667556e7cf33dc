/**
 * The tabs of a browser share one connection per server: two tab-owned connections of this page to the same
 * base stand for two tabs (a lock and a channel do not tell pages apart from connections of one page). One
 * holds the stream, the other follows it; its events are its own, the stream's mounts are counted per tab,
 * and the follower takes the stream over when the holder goes.
 */
import '../../elements/index.js';
import { PageConnection, type InstanceChange, type NascSendEvent, type TransportKind } from '../../elements/index.js';
import { deepEqual, equal, ok } from '../browser-support/assert.js';
import { BASE, nextEvent, otherClient, TRANSPORTS, uid, waitFor, waitForValue } from '../browser-support/harness.js';
import { afterEach, describe, it } from '../browser-support/mocha.js';

const open: PageConnection[] = [];

/** A connection as a tab's page connection is: its client id the tab's own, sharing allowed. */
function tab(transport: TransportKind, share = true, base = BASE): PageConnection {
  const connection = new PageConnection({ transport, base, share });
  open.push(connection);
  return connection;
}

/** What a subscriber of one instance was told. */
function watch(connection: PageConnection, instance: string, params = {}): { changes: InstanceChange[]; stop: () => void } {
  const changes: InstanceChange[] = [];
  const stop = connection.subscribe('Echo', instance, params, (change) => changes.push(change));
  return { changes, stop };
}

interface Pair {
  holder: PageConnection;
  follower: PageConnection;
  /** What each one's subscriber to the instance was told, and how it unsubscribes. */
  seen: Map<PageConnection, InstanceChange[]>;
  leave: Map<PageConnection, () => void>;
}

async function pair(transport: TransportKind, instance: string): Promise<Pair> {
  const a = tab(transport);
  const b = tab(transport);
  const watches = new Map([a, b].map((connection) => [connection, watch(connection, instance, { n: 0 })]));
  await waitFor(() => a.state === 'live' && b.state === 'live', () => `both live (they are ${a.state} and ${b.state})`);
  ok(a.shared !== b.shared, 'one holds the stream, the other shares it');
  const [holder, follower] = a.shared ? [b, a] : [a, b];
  await waitForValue(follower, 'Echo', instance, 'n', 0);
  const seen = new Map([...watches].map(([connection, { changes }]) => [connection, changes]));
  const leave = new Map([...watches].map(([connection, { stop }]) => [connection, stop]));
  return { holder, follower, seen, leave };
}

for (const transport of TRANSPORTS) {
  describe(`tabs sharing one connection over ${transport}`, () => {
    afterEach(() => {
      for (const connection of open.splice(0)) connection.close();
    });

    it("applies a following tab's events and tells it alone of their acks and errors", async () => {
      const instance = uid();
      const { holder, follower, seen } = await pair(transport, instance);
      equal(follower.transport, transport, 'the follower reports the holder’s transport');
      const result = await follower.send('Echo', instance, 'set', { n: 1 });
      ok(result.ok, 'acknowledged');
      await waitForValue(holder, 'Echo', instance, 'n', 1);
      const refused = await follower.send('Echo', instance, 'fail', { message: 'not yours', field: 'n' });
      equal(!refused.ok && refused.code, 'rejected');
      const mine = (changes: InstanceChange[]) => changes.filter((change) => change.kind === 'ack' || change.kind === 'error');
      equal(mine(seen.get(follower)!).length, 2, 'the follower heard of its ack and its error');
      await holder.send('Echo', instance, 'set', { n: 2 });
      await waitForValue(follower, 'Echo', instance, 'n', 2);
      deepEqual(
        mine(seen.get(holder)!).map((change) => change.kind),
        ['ack'],
        "the holder heard of its own ack only, never of the follower's ack or error",
      );
    });

    it('keeps an instance on the stream while any tab shows it', async () => {
      const instance = uid();
      const { holder, follower, leave } = await pair(transport, instance);
      // The follower stops showing the instance (its unmount goes a second later); the holder still shows
      // it, so the stream must stay subscribed.
      const unmounting = nextEvent<NascSendEvent>(follower, 'nasc-send', ({ event }) => event.event === 'unmount' && event.instance === instance);
      leave.get(follower)!();
      await unmounting;
      // The holder sends a tab's mounts and unmounts one after another: once a mount the follower makes after
      // its unmount is answered, the unmount was handled (and, were it sent, applied).
      const next = uid();
      watch(follower, next, { n: 0 });
      await waitForValue(follower, 'Echo', next, 'n', 0);
      await otherClient('Echo', instance, 'set', { n: 5 });
      await waitForValue(holder, 'Echo', instance, 'n', 5);
    });

    it('hands the stream to the following tab when the holder closes, and keeps its instances live', async () => {
      const instance = uid();
      const { holder, follower } = await pair(transport, instance);
      const closedAt = performance.now();
      holder.close();
      await waitFor(() => !follower.shared && follower.state === 'live', 'the follower holds a live stream of its own');
      const tookMs = performance.now() - closedAt;
      ok(tookMs < 1_000, `taken over within a second (took ${Math.round(tookMs)} ms)`);
      await otherClient('Echo', instance, 'set', { n: 7 });
      await waitForValue(follower, 'Echo', instance, 'n', 7);
      ok((await follower.send('Echo', instance, 'set', { n: 8 })).ok, 'its events go on its own stream now');
    });

    it('mounts the following tab again when the holder opens its stream anew under another client id', async () => {
      const { holder, follower } = await pair(transport, uid());
      // An instance only the follower shows: nothing the holder mounts for itself brings it to the new stream.
      const instance = uid();
      watch(follower, instance, { n: 0 });
      await waitForValue(follower, 'Echo', instance, 'n', 0);
      const before = holder.clientId;
      // What a duplicated tab's twin says: this id is mine. The holder takes a new one and reopens at once.
      const ids = new BroadcastChannel('nasc:client-ids');
      ids.postMessage({ kind: 'taken', clientId: before, born: 0 });
      ids.close();
      await waitFor(() => holder.clientId !== before && holder.state === 'live', 'the holder is live under a new id');
      await otherClient('Echo', instance, 'set', { n: 9 });
      await waitForValue(follower, 'Echo', instance, 'n', 9);
      ok((await follower.send('Echo', instance, 'set', { n: 10 })).ok, "the follower's events reach the new stream");
      await waitForValue(follower, 'Echo', instance, 'n', 10);
    });

    it('shares only between connections to the same base', async () => {
      const instance = uid();
      // Another base, as far as the tabs can tell (its query changes no route): another connection.
      const [a, b, c] = [tab(transport), tab(transport, true, `${BASE}?elsewhere`), tab(transport)];
      for (const connection of [a, b, c]) watch(connection, instance, { n: 0 });
      await waitFor(() => [a, b, c].every((connection) => connection.state === 'live'), 'all live');
      deepEqual([a.shared, b.shared, c.shared], [false, false, true], 'the second base has a connection of its own; the first base is shared');
    });

    it('keeps a connection of its own when the page opts out, or when the browser has no Web Locks', async () => {
      const instance = uid();
      const optedOut = [tab(transport, false), tab(transport, false)];
      for (const connection of optedOut) watch(connection, instance, { n: 0 });
      await waitFor(() => optedOut.every((connection) => connection.state === 'live'), 'both live');
      ok(optedOut.every((connection) => !connection.shared), 'neither shares');

      const locks = Object.getOwnPropertyDescriptor(Navigator.prototype, 'locks')!;
      Object.defineProperty(Navigator.prototype, 'locks', { configurable: true, get: () => undefined });
      try {
        const bare = [tab(transport), tab(transport)];
        for (const connection of bare) watch(connection, instance);
        await waitFor(() => bare.every((connection) => connection.state === 'live'), 'both live without locks');
        ok(bare.every((connection) => !connection.shared), 'neither shares');
        await otherClient('Echo', instance, 'set', { n: 3 });
        for (const connection of [...optedOut, ...bare]) await waitForValue(connection, 'Echo', instance, 'n', 3);
      } finally {
        Object.defineProperty(Navigator.prototype, 'locks', locks);
      }
    });
  });
}
