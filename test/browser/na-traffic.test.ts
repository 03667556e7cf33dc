import { ContextProvider } from '@lit/context';
import { sendKeys } from '@web/test-runner-commands';
import '../../elements/index.js';
import { connectionContext, PageConnection, type TransportKind } from '../../elements/index.js';
import '../../elements/tools/na-traffic.js';
import type { NaTraffic } from '../../elements/tools/na-traffic.js';
import { deepEqual, equal, ok } from '../browser-support/assert.js';
import { BASE, cleanupFixtures, fixture, params, SERVER_ORIGIN, TRANSPORTS, uid, waitFor, waitForValue, type Fixture } from '../browser-support/harness.js';
import { afterEach, describe, it } from '../browser-support/mocha.js';

/** One row of the panel, as it reads. */
interface Row {
  kind: string;
  time: string;
  datetime: string;
  direction: string;
  instance: string;
  message: string[];
  rev: string;
  result: string[];
  via: string;
}

function panelOf(f: Fixture): NaTraffic {
  return f.$<NaTraffic>('na-traffic');
}

/** The rows the panel shows, newest first. */
function rows(panel: NaTraffic): Row[] {
  return [...panel.shadowRoot!.querySelectorAll<HTMLTableRowElement>('tbody tr.entry')].map((row) => {
    const cell = (name: string): HTMLElement => row.querySelector<HTMLElement>(`td.${name}`)!;
    const lines = (name: string, line: string): string[] => [...cell(name).querySelectorAll(line)].map((part) => part.textContent ?? '');
    return {
      kind: row.dataset.kind ?? '',
      time: cell('time').textContent?.trim() ?? '',
      datetime: cell('time').querySelector('time')?.getAttribute('datetime') ?? '',
      direction: cell('dir').textContent?.trim() ?? '',
      instance: cell('instance').textContent ?? '',
      message: lines('message', 'code'),
      rev: cell('rev').textContent ?? '',
      result: lines('result', 'span'),
      via: cell('via').textContent ?? '',
    };
  });
}

/** Waits until a row matching `match` shows, and returns it. */
async function waitForRow(panel: NaTraffic, what: string, match: (row: Row) => boolean, timeoutMs = 15_000): Promise<Row> {
  let found: Row | undefined;
  await waitFor(() => (found = rows(panel).find(match)), () => `a row with ${what} (rows: ${JSON.stringify(rows(panel), null, 1)})`, timeoutMs);
  return found!;
}

/**
 * A fixture holding a panel (with `attributes`) and a scope of a fresh `Echo` instance around `inside`;
 * resolves once the instance is mounted.
 */
async function setUp(transport: TransportKind, attributes: string, inside = ''): Promise<{ f: Fixture; panel: NaTraffic; instance: string }> {
  const instance = uid();
  const f = fixture(transport, `<na-traffic ${attributes}></na-traffic><na-scope type="Echo" instance="${instance}" ${params({ ready: true })}>${inside}</na-scope>`);
  await waitForValue(f.connection, 'Echo', instance, 'ready', true);
  return { f, panel: panelOf(f), instance };
}

function stats(panel: NaTraffic): string {
  return panel.shadowRoot!.querySelector('.stats')?.textContent?.trim() ?? '';
}

for (const transport of TRANSPORTS) {
  const via = transport === 'ws' ? 'WS' : 'SSE';

  describe(`<na-traffic> over ${transport}`, () => {
    afterEach(() => cleanupFixtures());

    it('lists each event sent and each message received: direction, name, instance, revision, answer, transport, timings', async () => {
      const { f, panel, instance } = await setUp(transport, 'open', '<button id="echo" na-click="echo" data-word="hello">Echo</button>');
      equal(panel.connection, f.connection, 'the panel records the connection context provides where it sits');
      f.$('#echo').click();
      await waitForValue(f.connection, 'Echo', instance, 'echoCount', 1);

      const sent = await waitForRow(panel, 'the echo event, answered', (row) => row.kind === 'sent' && row.message[0] === 'echo {"word":"hello"}' && row.result.length === 1 && row.result[0] !== 'waiting…');
      equal(sent.direction, '↑ sent');
      equal(sent.instance, `Echo/${instance}`);
      ok(/^ack · \d+ ms$/.test(sent.result[0]!), `the event's ack and its time since the send (got ${sent.result[0]})`);
      equal(sent.rev, '2', 'the revision its ack names (the mount made revision 1)');
      equal(sent.via, via);
      ok(/^\d+\.\d{3} s$/.test(sent.time), `time since page load (got ${sent.time})`);
      ok(/^PT\d+\.\d{3}S$/.test(sent.datetime), `a machine-readable duration (got ${sent.datetime})`);

      const answer = await waitForRow(panel, 'the message acknowledging the echo', (row) => row.kind === 'received' && row.message.includes('ack of echo'));
      equal(answer.direction, '↓ received');
      equal(answer.instance, `Echo/${instance}`);
      equal(answer.rev, '2');
      ok(answer.message.includes('bindUpdate echoCount = 1'), `the patches of the change (got ${JSON.stringify(answer.message)})`);
      ok(/^ack · \d+ ms$/.test(answer.result[0] ?? ''), `the answer's time since the send (got ${JSON.stringify(answer.result)})`);
      equal(answer.via, via);

      const mount = await waitForRow(panel, 'the mount', (row) => row.kind === 'sent' && row.message[0] === 'mount {"ready":true}');
      ok(/^ack · \d+ ms$/.test(mount.result[0] ?? ''), `the mount's ack (got ${JSON.stringify(mount.result)})`);
      equal(mount.rev, '1');
      const snapshot = await waitForRow(panel, 'the mount’s snapshot', (row) => row.kind === 'received' && row.message.includes('snapshot'));
      ok(snapshot.message.includes('  ready = true'), `the snapshot's properties, indented (got ${JSON.stringify(snapshot.message)})`);
      ok(rows(panel).some((row) => row.kind === 'stream' && row.message[0] === 'live' && row.via === via), 'the stream going live');

      // Newest first, and one row per event sent and per message received.
      const shown = rows(panel).filter((row) => row.kind === 'sent' || row.kind === 'received');
      equal(shown.length, f.sent.length + f.patches.length);
      const position = (message: string): number => rows(panel).findIndex((row) => row.kind === 'sent' && row.message[0] === message);
      ok(position('echo {"word":"hello"}') < position('mount {"ready":true}'), 'the event above the mount');
      equal(stats(panel), `↑ ${f.sent.length} sent · ↓ ${f.patches.length} received`);
    });

    it('shows a refused event’s error code on its row and on the message that refused it', async () => {
      const { f, panel, instance } = await setUp(transport, 'open', '<button id="fail" na-click="fail" data-message="No." data-field="email">Fail</button>');
      f.$('#fail').click();
      const sent = await waitForRow(panel, 'the refused event', (row) => row.kind === 'sent' && row.message[0]!.startsWith('fail ') && /^error/.test(row.result[0] ?? ''));
      ok(/^error rejected · \d+ ms$/.test(sent.result[0]!), `the code and the time (got ${sent.result[0]})`);
      equal(sent.rev, '', 'no revision: nothing changed');
      const refusal = await waitForRow(panel, 'the error patch', (row) => row.kind === 'received' && row.message.some((line) => line.startsWith('error rejected (email): No.')));
      equal(refusal.instance, `Echo/${instance}`);
      ok(/^error rejected · \d+ ms$/.test(refusal.result[0] ?? ''));
      ok(!rows(panel).some((row) => row.kind === 'error'), 'the nasc-error of a patch already listed is not listed again');
    });

    it('filters by instance and by type, from markup and from its keyboard-usable selects', async () => {
      const first = uid('first');
      const second = uid('second');
      const f = fixture(
        transport,
        `<na-traffic open instance="${first}"></na-traffic>
         <na-scope type="Echo" instance="${first}" ${params({ ready: true })}></na-scope>
         <na-scope type="Outer" instance="${second}" ${params({ ready: true })}></na-scope>`,
      );
      const panel = panelOf(f);
      await waitForValue(f.connection, 'Echo', first, 'ready', true);
      await waitForValue(f.connection, 'Outer', second, 'ready', true);
      const instances = (): string[] => rows(panel).filter((row) => row.kind !== 'stream').map((row) => row.instance);
      await waitFor(() => instances().length >= 2, 'the first instance’s mount and answer');
      deepEqual([...new Set(instances())], [`Echo/${first}`], 'only the filtered instance');

      const select = panel.shadowRoot!.querySelector<HTMLSelectElement>('select[name="instance"]')!;
      equal(select.labels?.[0]?.textContent?.trim().startsWith('Instance'), true, 'the select is labelled');
      equal(select.value, first, 'the select shows the attribute');
      select.focus();
      // The options are sorted: "All", then "first-…", then "second-…".
      await sendKeys({ press: 'ArrowDown' });
      await waitFor(() => panel.getAttribute('instance') === second, () => `the instance attribute follows the select (it is ${panel.getAttribute('instance')})`);
      await waitFor(() => instances().length >= 2 && instances().every((name) => name === `Outer/${second}`), () => `only the second instance (rows: ${instances()})`);

      panel.removeAttribute('instance');
      panel.type = 'Echo';
      await waitFor(() => panel.getAttribute('type') === 'Echo', 'the type property reflects');
      await waitFor(() => instances().length >= 2 && instances().every((name) => name === `Echo/${first}`), () => `only the Echo type (rows: ${instances()})`);
      ok(panel.shadowRoot!.querySelector('caption')!.textContent!.includes('match the filter'), 'the caption says rows are filtered');

      panel.type = undefined;
      await waitFor(() => new Set(instances()).size === 2, 'both instances once the filters are gone');
    });

    it('keeps at most `limit` entries', async () => {
      const { f, panel, instance } = await setUp(transport, 'open limit="5"', '<button id="echo" na-click="echo">Echo</button>');
      for (let count = 1; count <= 8; count++) {
        f.$('#echo').click();
        await waitForValue(f.connection, 'Echo', instance, 'echoCount', count);
      }
      await waitFor(() => f.patches.length >= 9 && rows(panel).length === 5 && panel.entries.length === 5, () => `5 rows (there are ${rows(panel).length}, ${panel.entries.length} entries)`);
      const newest = panel.entries.at(-1)!;
      ok(newest.kind === 'received' && newest.patches.some((patch) => patch.action === 'bindUpdate' && patch.prop === 'echoCount' && patch.value === 8), 'the newest entries are kept');
      await waitFor(() => stats(panel) === `↑ ${f.sent.length} sent · ↓ ${f.patches.length} received · the last 5 kept`, () => `the counts cover everything (stats: ${stats(panel)})`);

      panel.limit = 2;
      await waitFor(() => rows(panel).length === 2 && panel.entries.length === 2, 'a lower limit drops the oldest at once');
    });

    it('closed, records the traffic without rendering anything per message; opened, shows it', async () => {
      const { f, panel, instance } = await setUp(transport, '', '<button id="echo" na-click="echo">Echo</button>');
      await panel.updateComplete;
      const root = panel.shadowRoot!;
      equal(root.querySelector('.toggle')!.getAttribute('aria-expanded'), 'false');
      const mutations: MutationRecord[] = [];
      const observer = new MutationObserver((records) => mutations.push(...records));
      observer.observe(root, { subtree: true, childList: true, attributes: true, characterData: true });
      try {
        for (let count = 1; count <= 3; count++) {
          f.$('#echo').click();
          await waitForValue(f.connection, 'Echo', instance, 'echoCount', count);
        }
        await waitFor(() => panel.entries.some((entry) => entry.kind === 'received' && entry.answers.some((answer) => answer.event === 'echo')), 'the answers recorded');
        // A frame later any render the traffic asked for would have happened.
        await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
        equal(mutations.length, 0, 'no DOM work while closed');
        equal(root.querySelector('tbody'), null, 'no table');
        equal(root.querySelector('#body')?.hasAttribute('hidden'), true);
      } finally {
        observer.disconnect();
      }

      (root.querySelector('.toggle') as HTMLButtonElement).focus();
      await sendKeys({ press: 'Enter' });
      await waitFor(() => panel.open && panel.hasAttribute('open'), 'the keyboard opens it');
      equal(root.querySelector('.toggle')!.getAttribute('aria-expanded'), 'true');
      await waitForRow(panel, 'the traffic recorded while closed', (row) => row.kind === 'sent' && row.message[0] === 'echo' && row.result[0]?.startsWith('ack') === true);
      equal(rows(panel).filter((row) => row.kind === 'sent' || row.kind === 'received').length, f.sent.length + f.patches.length);
      equal(root.querySelectorAll('tr.fresh').length, 0, 'what was there before it opened is not highlighted as new');
      f.$('#echo').click();
      await waitForValue(f.connection, 'Echo', instance, 'echoCount', 4);
      const fresh = await waitFor(() => root.querySelector<HTMLElement>('tr.fresh[data-kind="sent"]'), 'the new event’s row highlighted');
      equal(fresh.querySelector('td.message')?.textContent, 'echo');
    });

    it('expands a row to its whole JSON, and Clear forgets rows and counts', async () => {
      const { f, panel } = await setUp(transport, 'open', '<button id="echo" na-click="echo" data-word="whole">Echo</button>');
      f.$('#echo').click();
      // Answered: nothing more comes after Clear below.
      await waitForRow(panel, 'the echo, answered', (row) => row.kind === 'sent' && row.message[0] === 'echo {"word":"whole"}' && row.result[0]?.startsWith('ack') === true);
      await waitForRow(panel, 'its answer', (row) => row.kind === 'received' && row.message.includes('ack of echo'));
      const root = panel.shadowRoot!;
      const row = [...root.querySelectorAll('tbody tr.entry')].find((tr) => tr.querySelector('td.message')?.textContent === 'echo {"word":"whole"}')!;
      const button = row.querySelector<HTMLButtonElement>('td.json button')!;
      equal(button.getAttribute('aria-expanded'), 'false');
      button.click();
      await waitFor(() => button.getAttribute('aria-expanded') === 'true', 'the button says it is expanded');
      const details = root.getElementById(button.getAttribute('aria-controls')!)!;
      equal(details.previousElementSibling, row, 'the JSON right below its row');
      const event = f.sent.find((sent) => sent.event === 'echo')!;
      deepEqual(JSON.parse(details.querySelector('pre')!.textContent!), event);

      (root.querySelector('button.clear') as HTMLButtonElement).click();
      await waitFor(() => rows(panel).length === 0 && panel.entries.length === 0, 'no rows after Clear');
      equal(stats(panel), '↑ 0 sent · ↓ 0 received');
      equal(root.querySelector('td.empty')?.textContent, 'No traffic yet.');
    });
  });
}

/** An open panel (and `html`) under a provider of `connection`; `dispose()` closes the connection and removes them. */
function panelOn(connection: PageConnection, html = ''): { panel: NaTraffic; dispose(): void } {
  const root = document.createElement('div');
  new ContextProvider(root, { context: connectionContext, initialValue: connection });
  document.body.append(root);
  root.innerHTML = `<na-traffic open></na-traffic>${html}`;
  return {
    panel: root.querySelector('na-traffic')!,
    dispose() {
      connection.close();
      root.remove();
      document.querySelector('nasc-dev-overlay')?.remove();
    },
  };
}

/** `13 ms` or `1.25 s`, in ms. */
function milliseconds(text: string): number {
  const [, value, unit] = /([\d.]+) (ms|s)\b/.exec(text) ?? [];
  return Number(value) * (unit === 's' ? 1000 : 1);
}

describe('<na-traffic> beyond one transport', () => {
  afterEach(() => cleanupFixtures());

  it('shows a fallback from WebSocket to SSE, then the stream live over SSE', async () => {
    // Same server, mounted where the WebSocket upgrade is refused.
    const connection = new PageConnection({ transport: 'ws', base: new URL('../nows/', BASE).href, clientId: `traffic-${crypto.randomUUID()}` });
    const { panel, dispose } = panelOn(connection, `<na-scope type="Echo" instance="${uid()}"></na-scope>`);
    try {
      const fallback = await waitForRow(panel, 'the fallback', (row) => row.kind === 'stream' && row.message[0]!.startsWith('fell back to SSE: WS never connected'), 30_000);
      equal(fallback.via, 'WS → SSE');
      ok(/^retry in [\d.]+ m?s \(attempt 3\)$/.test(fallback.result[0] ?? ''), `when it tries again (got ${JSON.stringify(fallback.result)})`);
      ok(rows(panel).some((row) => row.kind === 'stream' && row.message[0]!.startsWith('dropped: ') && row.via === 'WS'), 'the failed WebSocket tries');
      await waitForRow(panel, 'the stream live over SSE', (row) => row.kind === 'stream' && row.message[0] === 'live' && row.via === 'SSE', 30_000);
      await waitForRow(panel, 'the mount over SSE', (row) => row.kind === 'sent' && row.message[0] === 'mount' && row.via === 'SSE');
    } finally {
      dispose();
    }
  });

  it('marks the resends of an event, and times each send to its one answer', async () => {
    // Same server behind a proxy that answers this client's next two event POSTs with a bare 502.
    const clientId = crypto.randomUUID();
    const connection = new PageConnection({ transport: 'sse', base: `${SERVER_ORIGIN}/flaky/`, clientId });
    const { panel, dispose } = panelOn(connection);
    try {
      const instance = uid('flaky');
      await new Promise<void>((resolve) => connection.subscribe('Echo', instance, { ready: true }, (change) => change.kind === 'prop' && resolve()));
      const armed = await fetch(new URL('/test/flaky', SERVER_ORIGIN), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ clientId, failures: 2 }),
      });
      equal(armed.status, 200);
      ok((await connection.send('Echo', instance, 'set', { note: 'again' })).ok, 'applied in the end');
      let sends: Row[] = [];
      await waitFor(
        () => (sends = rows(panel).filter((row) => row.kind === 'sent' && row.message[0]!.startsWith('set '))).length === 3 && sends.every((row) => row.result[0]?.startsWith('ack')),
        () => `three sends, each acknowledged (rows: ${JSON.stringify(sends)})`,
      );
      deepEqual(
        sends.map((row) => row.message[0]),
        ['set {"note":"again"} (again)', 'set {"note":"again"} (again)', 'set {"note":"again"}'],
        'newest first, the resends marked',
      );
      const [last, , first] = sends.map((row) => milliseconds(row.result[0]!));
      ok(first! > last! + 100, `the first send waited through both retries (first ${first} ms, last ${last} ms)`);
    } finally {
      dispose();
    }
  });

  it('joining a live connection, says it missed what came before', async () => {
    const { f } = await setUp('sse', 'hidden');
    // A panel that joins once the instance is mounted: the one above was there from the start.
    f.root.insertAdjacentHTML('beforeend', '<na-traffic open></na-traffic>');
    const panel = f.root.querySelectorAll('na-traffic')[1]!;
    const attached = await waitForRow(panel, 'the note', (row) => row.kind === 'stream');
    equal(attached.message[0], 'live (before this panel listened)');
    equal(attached.via, 'SSE');
    equal(panel.entries.length, 1, 'nothing from before it listened');
  });
});
