/**
 * Where one event's server time goes, phase by phase, for each workload of `bench/workloads.ts`: each step
 * the engine takes for an event (`NascEngine.#apply` and around it) timed alone over the same 2,000
 * events, in the engine's order, with the library's own functions. A tool for findings 41–43, not part of
 * `npm run bench`. The transport's part (reading the socket, `ws.send`, the `writev`) is not here: it is
 * measured by the CPU profiles of `npm run bench -- --only=workloads --profile=dir`.
 *
 * The phases are timed apart, each in a loop over the 2,000 events (warm caches, no queue or GC pressure
 * from the other phases), so their sum is less than what the engine spends per event with everything
 * interleaved (`engine-only.js --workload=… --in-flight=1`, printed last as the reference).
 *
 * @example
 * npm run build && taskset -c 0 node dist/bench/event-phases.js --workload=list-50
 */
import type { ClientEvent, JsonObject } from '../protocol/index.js';
import { MemoryStore, NascEngine } from '../server/index.js';
import { decodeEvent } from '../server/endpoints/decode-event.js';
import { copyState, toJsonState } from '../server/engine/json-state.js';
import { KeyedQueue } from '../server/engine/keyed-queue.js';
import { ackJson, bindUpdateBatchJson } from '../server/engine/patch-json.js';
import { diffState, type PropertyChange } from '../server/engine/state-diff.js';
import { parseJsonGuarded } from '../protocol/index.js';
import { BareHub, type BareEvent } from './bare-hub.js';
import { median } from './stats.js';
import { workloadHandler as workloadHandlerFor } from './workload-handlers.js';
import { WORKLOADS, WORKLOAD_NAMES, type Workload, type WorkloadName } from './workloads.js';

const EVENTS = 2_000;
const ROUNDS = 7;
const ROUND_NS = 30e6;
const INSTANCE = 'phases';
const MAX_BYTES = 64 * 1024;
const CLIENT = 'phases-client';

const args = process.argv.slice(2);
const only = args.find((arg) => arg.startsWith('--workload='))?.slice('--workload='.length);

/** Everything the engine makes for one event, computed once, so each phase can be timed on its own inputs. */
interface EventTrace {
  text: string;
  event: ClientEvent;
  before: JsonObject;
  copy: JsonObject;
  result: JsonObject;
  next: JsonObject;
  resultText: string;
  changes: PropertyChange[];
  batch: string;
  ack: string;
}

function trace(workload: Workload): EventTrace[] {
  let stored = toJsonState(workload.mount());
  const traces: EventTrace[] = [];
  for (let n = 1; n <= EVENTS; n++) {
    const text = `{"event":"${workload.event}","type":"${workload.type}","instance":"${INSTANCE}","payload":${workload.payload(n)},"eventId":"evt-${n}"}`;
    const decoded = decodeEvent(text, MAX_BYTES, false);
    if (!decoded.ok) throw new Error(decoded.refusal.message);
    const event = decoded.value;
    const copy = copyState(stored);
    const result = workload.handle(event.payload, copyState(stored));
    const next = toJsonState(result, stored);
    const changes = diffState(stored, next);
    const batch = bindUpdateBatchJson(workload.type, INSTANCE, n + 1, changes);
    traces.push({ text, event, before: stored, copy, result, next, resultText: JSON.stringify(result), changes, batch, ack: ackJson(event.eventId!, workload.type, INSTANCE, n + 1) });
    stored = next;
  }
  return traces;
}

let sink = 0;
const keep = (value: unknown): void => {
  if (value === sink) sink += 1;
};

/** CPU time of this process so far, in ns: other processes on a shared core then barely count. */
function cpuNanos(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
}

/**
 * Median over {@link ROUNDS} rounds of the CPU ns per event `body` takes over the traces; a round passes over
 * them as often as it takes to last {@link ROUND_NS} (the clock counts in µs).
 */
async function time(traces: EventTrace[], body: (each: EventTrace, n: number) => unknown, setup?: () => void): Promise<number> {
  const pass = async (): Promise<void> => {
    setup?.();
    for (let n = 0; n < traces.length; n++) {
      const value = body(traces[n]!, n);
      keep(value instanceof Promise ? await value : value);
    }
  };
  // The first pass warms the code up and says how many passes a round needs.
  const first = cpuNanos();
  await pass();
  const passes = Math.max(1, Math.ceil(ROUND_NS / Math.max(1, cpuNanos() - first)));
  const perRound: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = cpuNanos();
    for (let i = 0; i < passes; i++) await pass();
    perRound.push((cpuNanos() - started) / (passes * traces.length));
  }
  return median(perRound);
}

/** The store as the engine commits to it: a mounted instance at revision 1, then one commit per event. */
function committer(workload: Workload, traces: EventTrace[], withBatch: boolean, withOutcome: boolean): { setup: () => void; commit: (each: EventTrace, n: number) => unknown } {
  let store = new MemoryStore();
  return {
    setup: () => {
      store = new MemoryStore();
      store.commit(workload.type, INSTANCE, { state: traces[0]!.before, rev: 1, expectedRev: 0 });
    },
    commit: (each, n) =>
      store.commit(workload.type, INSTANCE, {
        state: each.next,
        rev: n + 2,
        expectedRev: n + 1,
        ...(withBatch ? { batch: each.batch } : {}),
        ...(withOutcome ? { outcome: { eventId: each.event.eventId!, sender: CLIENT, outcome: { ok: true, type: workload.type, instance: INSTANCE, rev: n + 2 } } } : {}),
      }),
  };
}

async function phases(workload: Workload): Promise<[string, number][]> {
  const traces = trace(workload);
  const { type } = workload;
  const rows: [string, number][] = [];
  const add = async (name: string, body: (each: EventTrace, n: number) => unknown, setup?: () => void): Promise<void> => {
    rows.push([name, await time(traces, body, setup)]);
  };
  await add('decode (decodeEvent: size, JSON.parse, shape)', (each) => decodeEvent(each.text, MAX_BYTES, false));
  const queue = new KeyedQueue();
  await add('queue (KeyedQueue.run, idle key, + await)', () => queue.run(INSTANCE, () => 1));
  const full = committer(workload, traces, true, true);
  full.setup();
  for (let n = 0; n < traces.length; n++) full.commit(traces[n]!, n);
  // A miss, as nearly every event's: the ids asked for were never stored.
  const store = new MemoryStore();
  store.commit(type, INSTANCE, { state: traces[0]!.before, rev: 1, expectedRev: 0 });
  for (let n = 0; n < traces.length; n++) store.commit(type, INSTANCE, { state: traces[n]!.next, rev: n + 2, expectedRev: n + 1, batch: traces[n]!.batch, outcome: { eventId: `kept-${n}`, sender: CLIENT, outcome: { ok: true, type, instance: INSTANCE, rev: n + 2 } } });
  await add('dedupe lookup (MemoryStore.recallOutcome, a miss)', (each) => store.recallOutcome(type, INSTANCE, each.event.eventId!));
  await add('store load (MemoryStore.load)', () => store.load(type, INSTANCE));
  await add('copy for the handler (copyState)', (each) => copyState(each.before));
  await add('handler (the workload\'s own code)', (each) => workload.handle(each.event.payload, each.copy));
  await add('normalise (toJsonState, sharing what equals the state before)', (each) => toJsonState(each.result, each.before));
  // For scale: the walk without a previous state, and the JSON round trip it stands for.
  await add('  normalise without a previous state', (each) => toJsonState(each.result));
  await add('  the round trip instead: JSON.stringify of the whole result', (each) => JSON.stringify(each.result));
  await add('  the round trip instead: parseJsonGuarded of that text', (each) => parseJsonGuarded(each.resultText));
  await add('diff (diffState: jsonEqual per top-level prop)', (each) => diffState(each.before, each.next));
  await add('serialise the patch (bindUpdateBatchJson)', (each) => bindUpdateBatchJson(type, INSTANCE, 2, each.changes));
  await add('serialise the ack (ackJson)', (each) => ackJson(each.event.eventId!, type, INSTANCE, 2));
  for (const [name, withBatch, withOutcome] of [
    ['commit (MemoryStore.commit: state, log entry, outcome)', true, true],
    ['commit without the log entry', false, true],
    ['commit without the outcome record', true, false],
    ['commit of the state alone', false, false],
  ] as const) {
    const { setup, commit } = committer(workload, traces, withBatch, withOutcome);
    await add(name, commit, setup);
  }
  await add('deliver (the origin\'s message: batch + ack)', (each) => `${each.batch.slice(0, -1)},${each.ack}]`);
  // Not on the bench's path: only a stream that mounted an instance under another name (resolveInstance).
  await add('(aliases only) renaming a message (Connection: JSON.parse + JSON.stringify)', (each) => JSON.stringify(JSON.parse(each.batch)));
  // The bare server's whole job for the same event, for scale: parse it, change the state in place, write the patch.
  const hub = new BareHub();
  hub.open('phases-client', { send: (frame) => keep(frame) });
  hub.handle('phases-client', { event: 'mount', type, instance: INSTANCE, eventId: 'mount' });
  await add('bare server, for scale (JSON.parse + BareHub.handle)', (each) => hub.handle('phases-client', JSON.parse(each.text) as BareEvent));
  return rows;
}

/**
 * JSON work of whole events through a real engine (memory store, one stream), counted by wrapping
 * `JSON.parse` and `JSON.stringify`: calls and characters per event, decoding the event included. Counts do
 * not depend on how busy the machine is.
 */
async function jsonCounts(workload: Workload): Promise<{ parses: number; parsed: number; stringifies: number; written: number; message: number }> {
  const engine = new NascEngine({
    handlers: { [workload.type]: workloadHandlerFor(workload) },
    limits: { eventsPerSecond: 1e9, eventBurst: 1e9, streamsPerSession: 1e6, mountsPerSession: 1e6 },
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  let message = 0;
  const caller = { session: 'phases-session', clientId: 'phases-client' };
  engine.open(caller, { send: (text) => void (message = text.length), close: () => undefined });
  await engine.handle(caller, { event: 'mount', type: workload.type, instance: INSTANCE, payload: {}, eventId: 'mount' });
  const counts = { parses: 0, parsed: 0, stringifies: 0, written: 0 };
  const { parse, stringify } = JSON;
  const events = 1_000;
  try {
    JSON.parse = ((text: string, reviver?: (key: string, value: unknown) => unknown) => {
      counts.parses += 1;
      counts.parsed += text.length;
      return parse(text, reviver);
    }) as typeof JSON.parse;
    JSON.stringify = ((value: unknown, replacer?: never, space?: never) => {
      const text = stringify(value, replacer, space);
      counts.stringifies += 1;
      counts.written += text?.length ?? 0;
      return text;
    }) as typeof JSON.stringify;
    for (let n = 1; n <= events; n++) {
      const decoded = decodeEvent(`{"event":"${workload.event}","type":"${workload.type}","instance":"${INSTANCE}","payload":${workload.payload(n)},"eventId":"count-${n}"}`, MAX_BYTES, false);
      if (!decoded.ok) throw new Error(decoded.refusal.message);
      await engine.handle(caller, decoded.value);
    }
  } finally {
    JSON.parse = parse;
    JSON.stringify = stringify;
    await engine.shutdown();
  }
  return { parses: counts.parses / events, parsed: counts.parsed / events, stringifies: counts.stringifies / events, written: counts.written / events, message };
}

// Once through the smallest workload first, so the first phases printed are not the ones that warmed V8 up.
await phases(WORKLOADS.toggle);
for (const name of only ? [only as WorkloadName] : WORKLOAD_NAMES) {
  const workload = WORKLOADS[name];
  if (!workload) throw new Error(`unknown workload ${name}`);
  const rows = await phases(workload);
  console.log(`\n${workload.label} (${name}): CPU ns per event, median of ${ROUNDS} rounds of ${EVENTS.toLocaleString('en')} events (or more)`);
  const commit = rows.find(([phase]) => phase.startsWith('commit ('))![1];
  for (const [phase, ns] of rows) {
    let note = '';
    if (phase === 'commit without the log entry') note = `  → the log entry: ${(commit - ns).toFixed(0)} ns`;
    if (phase === 'commit without the outcome record') note = `  → the outcome record: ${(commit - ns).toFixed(0)} ns`;
    console.log(`${ns.toFixed(0).padStart(8)}  ${phase}${note}`);
  }
  const json = await jsonCounts(workload);
  console.log(
    `JSON per event through the engine: ${json.parses.toFixed(1)} JSON.parse of ${Math.round(json.parsed).toLocaleString('en')} characters, ` +
      `${json.stringifies.toFixed(1)} JSON.stringify making ${Math.round(json.written).toLocaleString('en')}; the message sent is ${json.message.toLocaleString('en')}`,
  );
  const counted = rows.filter(([phase]) => !phase.startsWith('  ') && !phase.startsWith('commit w') && !phase.startsWith('commit of') && !phase.startsWith('bare') && !phase.startsWith('('));
  console.log(`${counted.reduce((sum, [, ns]) => sum + ns, 0).toFixed(0).padStart(8)}  sum of Nasc's phases`);
}
if (sink < 0) console.log(sink);
