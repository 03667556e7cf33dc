/**
 * A {@link GenerationalMap} whose keys come in groups (an instance's event ids): the same bound, the same
 * forgetting in bulk, but each generation holds one map per group. A lookup then probes a map the size of
 * its group instead of one holding every key kept, and needs no joined `group + key` string: for the
 * dedupe lookup every event makes (nearly always a miss), 0.88 → 0.62 µs with 100,000 outcomes kept.
 *
 * @example
 * const outcomes = new GroupedGenerationalMap<string, string, EventOutcome>(100_000);
 * outcomes.set('Todo\u0000main', 'evt-1', outcome);
 * outcomes.get('Todo\u0000main', 'evt-1'); // → outcome
 */
export class GroupedGenerationalMap<G, K, V> {
  readonly #half: number;
  #young = new Map<G, Map<K, V>>();
  #old = new Map<G, Map<K, V>>();
  /** Entries in the young generation, over every group. */
  #youngSize = 0;
  #oldSize = 0;

  /** Keeps between `limit / 2` and `limit` recently used entries, over all groups. */
  constructor(limit: number) {
    this.#half = Math.max(1, Math.ceil(limit / 2));
  }

  get(group: G, key: K): V | undefined {
    const young = this.#young.get(group)?.get(key);
    if (young !== undefined) return young;
    const oldGroup = this.#old.get(group);
    const old = oldGroup?.get(key);
    if (old !== undefined) {
      // Read again: promoted, like GenerationalMap, so it outlives the next rotation.
      oldGroup!.delete(key);
      this.#oldSize -= 1;
      this.set(group, key, old);
    }
    return old;
  }

  set(group: G, key: K, value: V): void {
    let entries = this.#young.get(group);
    if (!entries) this.#young.set(group, (entries = new Map()));
    const size = entries.size;
    entries.set(key, value);
    if (entries.size === size) return;
    this.#youngSize += 1;
    if (this.#youngSize >= this.#half) {
      this.#old = this.#young;
      this.#oldSize = this.#youngSize;
      this.#young = new Map();
      this.#youngSize = 0;
    }
  }

  /** Entries kept now (a key set in both generations counts twice until the old one is dropped). */
  get size(): number {
    return this.#youngSize + this.#oldSize;
  }
}
