/**
 * The state and fan-out of the bare baseline servers: a Map of booleans flipped by events (a workload's
 * state, changed in place, for the types of `bench/workloads.ts`), and the open streams each instance is
 * written to. It does the least a live-HTML server must do for one event (parse, change the state, serialize
 * one frame, write it to every subscribed stream), so it stands for the physical limit.
 */
import type { JsonObject } from '../protocol/index.js';
import { WORKLOADS_BY_TYPE, type Workload } from './workloads.js';

/** Where the hub writes a frame (a JSON patch array): an SSE response or a WebSocket. */
export interface BareChannel {
  send(frame: string): void;
}

/** The fields of an event the hub reads. */
export interface BareEvent {
  event: string;
  type: string;
  instance: string;
  eventId?: string;
  payload?: JsonObject;
}

interface BareInstance {
  on: boolean;
  rev: number;
  readonly subscribers: Set<BareChannel>;
  /** Every workload type but `Toggle`: what changes its state, and the state. */
  readonly workload?: Workload;
  readonly state?: JsonObject;
}

/** A new instance of `type`: the boolean, or a workload's first state. */
function newInstance(type: string): BareInstance {
  const workload = WORKLOADS_BY_TYPE.get(type);
  const instance: BareInstance = { on: false, rev: 1, subscribers: new Set() };
  return workload && workload.name !== 'toggle' ? { ...instance, workload, state: workload.mount() } : instance;
}

/** Client ids → channels, instance keys → state and subscribers. */
export class BareHub {
  readonly #channels = new Map<string, BareChannel>();
  readonly #instances = new Map<string, BareInstance>();

  /** Registers a client's stream and writes the opening `[]`, as Nasc does. */
  open(clientId: string, channel: BareChannel): void {
    this.#channels.set(clientId, channel);
    channel.send('[]');
  }

  /** Forgets a closed stream. */
  close(clientId: string, channel: BareChannel): void {
    if (this.#channels.get(clientId) === channel) this.#channels.delete(clientId);
    for (const instance of this.#instances.values()) instance.subscribers.delete(channel);
  }

  /** Open streams. */
  get size(): number {
    return this.#channels.size;
  }

  /** Applies one event: `mount` subscribes the sender's stream, anything else changes the state. False: no stream. */
  handle(clientId: string, event: BareEvent): boolean {
    const key = `${event.type}\u0000${event.instance}`;
    let instance = this.#instances.get(key);
    if (!instance) this.#instances.set(key, (instance = newInstance(event.type)));
    const origin = this.#channels.get(clientId);
    if (event.event === 'mount') {
      if (!origin) return false;
      const ack = event.eventId === undefined ? '' : `,{"action":"ack","eventId":${JSON.stringify(event.eventId)},"rev":${instance.rev}}`;
      instance.subscribers.add(origin);
      const state = instance.state ?? { on: instance.on };
      const heads = Object.keys(state).map((prop) => ({ action: 'bindUpdate', type: event.type, instance: event.instance, prop, value: state[prop], rev: instance.rev, snapshot: true }));
      origin.send(`[{"action":"snapshot","rev":${instance.rev}},${JSON.stringify(heads).slice(1, -1)}${ack}]`);
      return true;
    }
    let patch: string;
    if (instance.workload) {
      const state = instance.state!;
      const changed = instance.workload.applyInPlace(event.payload ?? {}, state);
      instance.rev += 1;
      patch = JSON.stringify(changed.map((prop) => ({ action: 'bindUpdate', type: event.type, instance: event.instance, prop, value: state[prop], rev: instance.rev })));
    } else {
      instance.on = !instance.on;
      instance.rev += 1;
      patch = JSON.stringify([{ action: 'bindUpdate', type: event.type, instance: event.instance, prop: 'on', value: instance.on, rev: instance.rev }]);
    }
    const originAck = event.eventId === undefined ? '' : `,{"action":"ack","eventId":${JSON.stringify(event.eventId)},"rev":${instance.rev}}`;
    for (const channel of instance.subscribers) {
      channel.send(channel === origin && originAck ? `${patch.slice(0, -1)}${originAck}]` : patch);
    }
    return true;
  }
}
