/**
 * The engine's own cost per event, without a transport: `node dist/bench/engine-only.js [--state=list]
 * [--workload=list-50] [--events=200000] [--in-flight=8]`. One `NascEngine` (memory store, local broker,
 * limits raised), one stream on a channel that only counts, one instance; `toggle` events kept `in-flight`
 * at a time. Prints µs of wall time and of CPU per event for three runs after a warm-up. `--state=list`
 * gives the instance a 20-item list besides the flag, as a todo app would. `--workload=` runs a workload of
 * `bench/workloads.ts` instead (its state, its event, its payloads). `--parsed` gives each lane its own
 * client and instance and parses every event from JSON text, as the transports hand them: fresh id strings
 * each time, whose hashes V8 has not cached (constant strings hide the cost of building and hashing keys
 * from them).
 */
import type { ClientEvent, JsonObject } from '../protocol/index.js';
import { defineHandler, NascEngine, type ClientChannel, type Handler } from '../server/index.js';
import { workloadHandler } from './workload-handlers.js';
import { WORKLOADS, type WorkloadName } from './workloads.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const events = Number(option('events', '200000'));
const inFlight = Number(option('in-flight', '8'));
const withList = option('state', 'flag') === 'list';
const parsed = args.includes('--parsed');
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
  toggle: (_payload, state) => ({ ...state, on: !state.on }),
});

/** What the events are: `Toggle`'s `toggle`, or the workload's event with its n-th payload. */
const type = workload?.type ?? 'Toggle';
const eventName = workload?.event ?? 'toggle';
const payloadText = (n: number): string => workload?.payload(n) ?? '{}';
const handlers: Record<string, Handler<JsonObject> | typeof Toggle> = workload ? { [type]: workloadHandler(workload) } : { Toggle };

const engine = new NascEngine({
  handlers,
  limits: { eventsPerSecond: 1e9, eventBurst: 1e9, streamsPerSession: 1e6, mountsPerSession: 1e6 },
  logger: { debug() {}, info() {}, warn() {}, error() {} },
});
let messages = 0;
const channel: ClientChannel = {
  send: () => void (messages += 1),
  close: () => undefined,
};
/** One client and instance per lane with `--parsed`; otherwise every lane sends as one client to one instance. */
const sharedCaller = { session: 'bench-session', clientId: 'bench-client' };
const lanes = Array.from({ length: inFlight }, (_unused, lane) =>
  parsed ? { caller: { session: 'bench-session', clientId: `bench-client-${lane}` }, instance: `instance-${lane}` } : { caller: sharedCaller, instance: 'one' },
);
const opened = new Set<object>();
for (const { caller, instance } of lanes) {
  if (opened.has(caller)) continue;
  opened.add(caller);
  engine.open(caller, channel);
  await engine.handle(caller, { event: 'mount', type, instance, payload: {}, eventId: `mount-${instance}` });
}

async function run(count: number, tag: string): Promise<{ wall: number; cpu: number }> {
  let next = 0;
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
      const result = await engine.handle(caller, event);
      if (!result.ok) throw new Error(`event refused: ${result.code}`);
    }
  };
  await Promise.all(lanes.map((_unused, index) => lane(index)));
  const used = process.cpuUsage(cpu);
  return { wall: Number(process.hrtime.bigint() - started) / 1000 / count, cpu: (used.user + used.system) / count };
}

await run(Math.min(events, 50_000), 'warm');
const what = workload ? `${workload.label} (${workload.name})` : `${withList ? '20-item list' : 'one-flag'} state`;
console.log(`engine only: ${events} events, ${inFlight} in flight, ${what}${parsed ? ', parsed events, one client and instance per lane' : ''}`);
for (let round = 1; round <= 3; round++) {
  const { wall, cpu } = await run(events, `run${round}`);
  console.log(`run ${round}: ${wall.toFixed(2)} µs wall, ${cpu.toFixed(2)} µs CPU per event`);
}
if (messages === 0) throw new Error('no message reached the stream');
await engine.shutdown();
