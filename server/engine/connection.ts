import type { JsonObject } from '../../protocol/index.js';

/** The narrow view of a transport the engine needs: send one patch array, or close. */
export interface ClientChannel {
  /** Sends one message (a JSON patch array). */
  send(message: string): void;
  /** Ends the stream; the client reconnects and mounts its instances again. */
  close(reason: string): void;
}

/** An idle stream's subscriptions: shared, and never written (writes go through `subscribe`). */
const NO_SUBSCRIPTIONS: ReadonlyMap<string, string | readonly string[]> = new Map();

/**
 * One open stream of one client (a tab of a session), and the instances it is subscribed to, each under the
 * name(s) the client mounted it by: with `resolveInstance`, `User/me` may be stored as `User/alice`, and a
 * page may show it under both names. Names are kept per instance key (type and instance), so an alias of one
 * type never renames another type's instance of the same name.
 */
export class Connection {
  /** The registry key: the client id within its session. */
  readonly key: string;
  readonly session: string;
  readonly clientId: string;
  readonly channel: ClientChannel;
  /**
   * Instance key → the name the client knows it by, or several. Made on first use: an idle stream holds no
   * map. The resolved name itself is kept too, so renaming never has to guess.
   */
  #subscriptions: Map<string, string | readonly string[]> | undefined;
  /** Subscriptions whose names are not just the stored instance's own: while 0, messages go out as they are. */
  #renamedCount = 0;

  constructor(key: string, caller: { session: string; clientId: string }, channel: ClientChannel) {
    this.key = key;
    this.session = caller.session;
    this.clientId = caller.clientId;
    this.channel = channel;
  }

  /** The instance keys this stream is subscribed to, with the names the client uses. */
  get subscriptions(): ReadonlyMap<string, string | readonly string[]> {
    return this.#subscriptions ?? NO_SUBSCRIPTIONS;
  }

  /** Records that the client shows the stored `instance` (key `key`) under `name`. */
  subscribe(key: string, instance: string, name: string): void {
    const subscriptions = (this.#subscriptions ??= new Map());
    const names = subscriptions.get(key);
    const before = names === undefined ? undefined : renames(names, instance);
    let next: string | readonly string[];
    if (names === undefined || names === name) next = name;
    else if (typeof names === 'string') next = [names, name];
    else next = names.includes(name) ? names : [...names, name];
    subscriptions.set(key, next);
    this.#renamedCount += Number(renames(next, instance)) - Number(before ?? false);
  }

  /**
   * Drops `name` of an instance (all its names without one); true when the stream is no longer subscribed
   * to the instance at all.
   */
  unsubscribe(key: string, instance: string, name?: string): boolean {
    const names = this.#subscriptions?.get(key);
    if (names === undefined) return true;
    const left = name === undefined ? [] : (typeof names === 'string' ? [names] : names).filter((each) => each !== name);
    this.#renamedCount -= Number(renames(names, instance));
    if (left.length === 0) {
      this.#subscriptions!.delete(key);
      return true;
    }
    const next = left.length === 1 ? left[0]! : left;
    this.#subscriptions!.set(key, next);
    this.#renamedCount += Number(renames(next, instance));
    return false;
  }

  /** Sends a message, naming each instance as this client knows it (once per name it mounted). */
  send(message: string): void {
    if (this.#renamedCount === 0) {
      this.channel.send(message);
      return;
    }
    for (const each of this.#renamed(message)) this.channel.send(each);
  }

  /**
   * The message as this client must read it. Every message the engine makes concerns one instance, so a
   * message is sent once per name the client gave that instance.
   */
  #renamed(message: string): string[] {
    const patches = JSON.parse(message) as JsonObject[];
    // Schema patches already carry the client's name (they are made for its mount alone).
    const subject = patches.find((patch) => patch.action !== 'schema' && typeof patch.type === 'string' && typeof patch.instance === 'string');
    if (!subject) return [message];
    const type = subject.type as string;
    const instance = subject.instance as string;
    const names = this.#subscriptions?.get(`${type}\u0000${instance}`);
    if (names === undefined || !renames(names, instance)) return [message];
    const named = patches.filter((patch) => patch.action !== 'schema' && patch.type === type && patch.instance === instance);
    return (typeof names === 'string' ? [names] : names).map((name) => {
      for (const patch of named) patch.instance = name;
      return JSON.stringify(patches);
    });
  }
}

/** Whether a subscription's names differ from the stored instance's own name. */
function renames(names: string | readonly string[], instance: string): boolean {
  return typeof names !== 'string' || names !== instance;
}
