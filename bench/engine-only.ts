/**
 * The engine's own cost per event, without a transport: `node dist/bench/engine-only.js [--state=list]
 * [--workload=list-50] [--events=200000] [--in-flight=8] [--metrics]`. One `NascEngine` (memory store, local broker, limits raised), one
 * stream on a channel that only counts, one instance; `toggle` events kept `in-flight` at a time. Prints µs
 * of wall time and of CPU per event for three runs after a warm-up. `--state=list` gives the instance a
 * 20-item list besides the flag, as a todo app would. `--workload=` runs a workload of `bench/workloads.ts`
 * instead (its state, its event, its payloads). `--parsed` gives each lane its own client and instance
 * and parses every event from JSON text, as the transports hand them: fresh id strings each time, whose
 * hashes V8 has not cached (constant strings hide the cost of building and hashing keys from them).
 * `--payload-schema` declares `toggle`'s payload schema (`withPayload`) with a validator that accepts every
 * payload at once: the engine's own cost of checking payloads, without the validator's.
 * `--metrics` reports every event as the front doors do (its metrics counted, its `info` line skipped: the
 * level is off), and every message as a channel does: the cost of metrics per event is the difference.
 * `--gap-us=300` puts the thread to sleep that long after every `in-flight` events (`Atomics.wait`), as a
 * server waits between events that come one at a time (or in small groups), and prints the CPU per event
 * with the sleeps' own cost (measured alone in the same process, the same number of times) taken out: what
 * the same events cost when they run after a pause, with whatever caches and predictors it left cold. `--bare` sends the same
 * events through the bare baseline's hub instead (`bench/bare-hub.ts`: the state change and the frame, the
 * least a live-HTML server does per event), for a side-by-side figure.
 */
import { randomBytes } from 'node:crypto';
import type { ClientEvent, JsonObject } from '../protocol/index.js';
import { observe } from '../server/observe/observation.js';
import { defineHandler, NascEngine, withPayload, type ClientChannel, type LevelledLogger, type PayloadValidator, type Handler } from '../server/index.js';
import { BareHub } from './bare-hub.js';
import { workloadHandler } from './workload-handlers.js';
import { WORKLOADS, type WorkloadName } from './workloads.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const events = Number(option('events', '200000'));
const inFlight = Number(option('in-flight', '8'));
const withList = option('state', 'flag') === 'list';
const parsed = args.includes('--parsed');
const withSchema = args.includes('--payload-schema');
const withMetrics = args.includes('--metrics');
const gapMicros = Number(option('gap-us', '0'));
const bare = args.includes('--bare');
const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Sleeps the thread (no spinning: the core is free, as a server's is between lone events). */
const pause = (): void => void Atomics.wait(sleeper, 0, 0, gapMicros / 1000);
const workload = args.some((arg) => arg.startsWith('--workload=')) ? WORKLOADS[option('workload', 'toggle') as WorkloadName] : undefined;
if (args.some((arg) => arg.startsWith('--workload=')) && !workload) throw new Error(`--workload: one of ${Object.keys(WORKLOADS).join(', ')}`);

interface ToggleState {
  on: boolean;
  items?: { id: string; text: string; done: boolean }[];
}

const Toggle = defineHandler<ToggleState>({
  mount: () => ({
    on: false,
    ...(withList ? { items: Array.from({ length: 20 }, (_unused, i) => ({ id: `t${i}`, text: `todo number ${i}`, done: i % 2 === 0 })) } : {}),
  }),
  toggle: withSchema ? withPayload({ type: 'object', properties: {} }, (_payload, state) => ({ ...state, on: !state.on })) : (_payload, state) => ({ ...state, on: !state.on }),
});
const acceptAll: PayloadValidator = { compile: () => () => undefined };

/** What the events are: `Toggle`'s `toggle`, or the workload's event with its n-th payload. */
const type = workload?.type ?? 'Toggle';
const eventName = workload?.event ?? 'toggle';
const payloadText = (n: number): string => workload?.payload(n) ?? '{}';
const handlers: Record<string, Handler<JsonObject> | typeof Toggle> = workload ? { [type]: workloadHandler(workload) } : { Toggle };

const logger: LevelledLogger = { debug() {}, info() {}, warn() {}, error() {}, isLevelEnabled: (level) => level === 'error' || level === 'warn' };
const observer = withMetrics ? observe({ logger, secret: randomBytes(32), metrics: true, tracing: false }).observer : undefined;
const engine = new NascEngine(
  {
    handlers,
    limits: { eventsPerSecond: 1e9, eventBurst: 1e9, streamsPerSession: 1e6, mountsPerSession: 1e6 },
    logger,
    ...(withSchema ? { payloadValidator: acceptAll } : {}),
  },
  observer,
);
let messages = 0;
const channel: ClientChannel = {
  send: observer
    ? (message) => {
        observer.sent('ws', message.length);
        messages += 1;
      }
    : () => void (messages += 1),
  close: () => undefined,
};
/** One client and instance per lane with `--parsed`; otherwise every lane sends as one client to one instance. */
const sharedCaller = { session: 'bench-session', clientId: 'bench-client' };
const lanes = Array.from({ length: inFlight }, (_unused, lane) =>
  parsed ? { caller: { session: 'bench-session', clientId: `bench-client-${lane}` }, instance: `instance-${lane}` } : { caller: sharedCaller, instance: 'one' },
);
const hub = new BareHub();
const opened = new Set<object>();
for (const { caller, instance } of lanes) {
  if (opened.has(caller)) continue;
  opened.add(caller);
  const mount = { event: 'mount', type, instance, payload: {}, eventId: `mount-${instance}` };
  if (bare) {
    hub.open(caller.clientId, { send: () => void (messages += 1) });
    hub.handle(caller.clientId, mount);
    continue;
  }
  engine.open(caller, channel);
  await engine.handle(caller, mount);
}

async function run(count: number, tag: string): Promise<{ wall: number; cpu: number }> {
  let next = 0;
  let completed = 0;
  /** With `--gap-us`, a pause after every `in-flight` events: each group of them runs back to back after one. */
  const afterEvent = (): void => {
    if (gapMicros > 0 && ++completed % inFlight === 0) pause();
  };
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const lane = async (index: number): Promise<void> => {
    const { caller, instance } = lanes[index]!;
    while (next < count) {
      const id = next++;
      const payload = payloadText(id);
      const event = parsed
        ? (JSON.parse(`{"event":"${eventName}","type":"${type}","instance":"${instance}","payload":${payload},"eventId":"${tag}-${id}"}`) as ClientEvent)
        : { event: eventName, type, instance, payload: workload ? (JSON.parse(payload) as JsonObject) : {}, eventId: `${tag}-${id}` };
      if (bare) {
        if (!hub.handle(caller.clientId, event)) throw new Error('the bare hub has no stream');
        afterEvent();
        continue;
      }
      let result;
      if (observer) {
        const startedAt = performance.now();
        const trace = observer.startEvent('ws', event);
        result = await engine.handle(caller, event);
        observer.eventDone('ws', caller, event, result, startedAt, trace);
      } else {
        result = await engine.handle(caller, event);
      }
      if (!result.accepted) throw new Error(`event refused: ${result.code}`);
      afterEvent();
    }
  };
  await Promise.all(lanes.map((_unused, index) => lane(index)));
  const used = process.cpuUsage(cpu);
  return { wall: Number(process.hrtime.bigint() - started) / 1000 / count, cpu: (used.user + used.system) / count };
}

await run(Math.min(events, 50_000), 'warm');
console.log(
  `engine only: ${events} events, ${inFlight} in flight, ${workload ? `${workload.label} (${workload.name})` : `${withList ? '20-item list' : 'one-flag'} state`}${parsed ? ', parsed events, one client and instance per lane' : ''}${withSchema ? ', payload schema checked' : ''}${withMetrics ? ', metrics on' : ''}${gapMicros > 0 ? `, a ${gapMicros} µs pause after ${inFlight === 1 ? 'each' : `every ${inFlight}`}` : ''}${bare ? ', through the bare hub' : ''}`,
);
/** CPU µs of one pause alone, as {@link run} pauses: the same count, nothing else. */
function pauseCost(count: number): number {
  const cpu = process.cpuUsage();
  for (let i = 0; i < count; i++) pause();
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / count;
}

for (let round = 1; round <= 3; round++) {
  const { wall, cpu } = await run(events, `run${round}`);
  if (gapMicros > 0) {
    const paused = pauseCost(Math.floor(events / inFlight)) / inFlight;
    console.log(`run ${round}: ${(cpu - paused).toFixed(2)} µs CPU per event with the pauses (${cpu.toFixed(2)} with their own cost, ${paused.toFixed(2)} of it)`);
  } else {
    console.log(`run ${round}: ${wall.toFixed(2)} µs wall, ${cpu.toFixed(2)} µs CPU per event`);
  }
}
if (messages === 0) throw new Error('no message reached the stream');
await engine.shutdown();
