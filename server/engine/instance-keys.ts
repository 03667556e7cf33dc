/**
 * The key of each `(type, instance)` pair (`type NUL instance`), made once and then looked up. Built anew for
 * every use, a key is a new string each time: an allocation, a copy when it is first used as a map key, and
 * its hash computed again, several times per event. Looked up, the instance id's hash is computed once per
 * event and the key comes back as one string whose hash is already known. Ids never contain control
 * characters, so NUL cannot be forged into a colliding key.
 *
 * Bounded: past `limit` pairs it starts again empty (keys are equal strings either way; only the saving is
 * lost until they are made again).
 *
 * @example
 * const keys = new InstanceKeys();
 * queue.run(keys.of(event.type, event.instance), task);
 */
export class InstanceKeys {
  readonly #limit: number;
  readonly #byType = new Map<string, Map<string, string>>();
  #size = 0;

  constructor(limit = 50_000) {
    this.#limit = limit;
  }

  /** The key of `instance` of `type`. */
  of(type: string, instance: string): string {
    let instances = this.#byType.get(type);
    if (instances === undefined) {
      instances = new Map();
      this.#byType.set(type, instances);
    }
    let key = instances.get(instance);
    if (key === undefined) {
      if (this.#size >= this.#limit) {
        this.#byType.clear();
        this.#size = 0;
        instances = new Map();
        this.#byType.set(type, instances);
      }
      key = `${type}\u0000${instance}`;
      instances.set(instance, key);
      this.#size += 1;
    }
    return key;
  }
}
