import { ReservedEvent, type ClientEvent } from '../../protocol/index.js';
import type { SendResult, Transport } from './transport.js';

/** Instance key (`type␀instance`, as the tabs name it) → the tabs showing it (`''` for the holding tab). */
export type ShownBy = Map<string, Set<string>>;

/**
 * The holding tab's transport, which every tab of the browser sends through. The stream is subscribed to an
 * instance once for all the tabs that show it, so mounts are counted per tab and an unmount goes to the
 * server only when no tab shows the instance any more; and mounts and unmounts go one after another, so that
 * one tab's unmount and another's mount of the same instance never cross on the way (over SSE each is a
 * POST of its own).
 */
export class SharedTransport implements Transport {
  readonly #real: Transport;
  readonly #shownBy: ShownBy;
  #controls: Promise<unknown> = Promise.resolve();

  /** `shownBy` outlives the transport: the tabs keep showing what they show when the stream is opened anew. */
  constructor(real: Transport, shownBy: ShownBy) {
    this.#real = real;
    this.#shownBy = shownBy;
  }

  get kind(): Transport['kind'] {
    return this.#real.kind;
  }

  get window(): number {
    return this.#real.window;
  }

  get canSend(): boolean {
    return this.#real.canSend;
  }

  open(): void {
    this.#real.open();
  }

  close(): void {
    this.#real.close();
  }

  /** Sends an event of the tab `tab` (`''`: the holding tab itself). */
  send(event: ClientEvent, tab = ''): Promise<SendResult> {
    const { event: name, type, instance } = event;
    if (name !== ReservedEvent.Mount && name !== ReservedEvent.Unmount) return this.#real.send(event);
    const key = `${type}\u0000${instance}`;
    const tabs = this.#shownBy.get(key) ?? new Set();
    if (name === ReservedEvent.Mount) {
      this.#shownBy.set(key, tabs.add(tab));
    } else {
      tabs.delete(tab);
      if (tabs.size > 0) return Promise.resolve({ status: 'sent' });
      this.#shownBy.delete(key);
    }
    return this.#control(event);
  }

  /** A tab is gone (closed, crashed): what it alone showed is unmounted. */
  gone(tab: string): void {
    for (const [key, tabs] of this.#shownBy) {
      if (!tabs.delete(tab) || tabs.size > 0) continue;
      this.#shownBy.delete(key);
      const [type = '', instance = ''] = key.split('\u0000');
      void this.#control({ event: ReservedEvent.Unmount, type, instance, payload: {} });
    }
  }

  #control(event: ClientEvent): Promise<SendResult> {
    const sending = this.#controls.then(() => this.#real.send(event));
    this.#controls = sending;
    return sending;
  }
}
