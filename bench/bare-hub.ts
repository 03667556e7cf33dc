/**
 * The state and fan-out of the bare baseline servers: a Map of booleans flipped by events, and the open
 * streams each instance is written to. It does the least a live-HTML server must do for one toggle (parse,
 * flip, serialize one frame, write it to every subscribed stream), so it stands for the physical limit.
 */

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
}

interface BareInstance {
  on: boolean;
  rev: number;
  readonly subscribers: Set<BareChannel>;
}

/** Client ids → channels, instance keys → boolean state and subscribers. */
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

  /** Applies one event: `mount` subscribes the sender's stream, anything else flips the boolean. False: no stream. */
  handle(clientId: string, event: BareEvent): boolean {
    const key = `${event.type}\u0000${event.instance}`;
    let instance = this.#instances.get(key);
    if (!instance) this.#instances.set(key, (instance = { on: false, rev: 1, subscribers: new Set() }));
    const origin = this.#channels.get(clientId);
    if (event.event === 'mount') {
      if (!origin) return false;
      const ack = event.eventId === undefined ? '' : `,{"action":"ack","eventId":${JSON.stringify(event.eventId)},"rev":${instance.rev}}`;
      instance.subscribers.add(origin);
      const head = { action: 'bindUpdate', type: event.type, instance: event.instance, prop: 'on', value: instance.on, rev: instance.rev, snapshot: true };
      origin.send(`[{"action":"snapshot","rev":${instance.rev}},${JSON.stringify(head)}${ack}]`);
      return true;
    }
    instance.on = !instance.on;
    instance.rev += 1;
    const patch = JSON.stringify([{ action: 'bindUpdate', type: event.type, instance: event.instance, prop: 'on', value: instance.on, rev: instance.rev }]);
    const originAck = event.eventId === undefined ? '' : `,{"action":"ack","eventId":${JSON.stringify(event.eventId)},"rev":${instance.rev}}`;
    for (const channel of instance.subscribers) {
      channel.send(channel === origin && originAck ? `${patch.slice(0, -1)}${originAck}]` : patch);
    }
    return true;
  }
}
