/**
 * A bounded map that forgets in bulk: entries go into a young generation; when it is full it becomes the old
 * one and the previous old one is dropped whole. Reads promote old entries. So it keeps between `limit / 2`
 * and `limit` recently used entries at O(1) per operation (deleting one oldest key at a time from a Map
 * walks over every deleted slot, which grows costly under steady churn).
 */
export class GenerationalMap<K, V> {
  readonly #half: number;
  #young = new Map<K, V>();
  #old = new Map<K, V>();

  constructor(limit: number) {
    this.#half = Math.max(1, Math.ceil(limit / 2));
  }

  get(key: K): V | undefined {
    const young = this.#young.get(key);
    if (young !== undefined) return young;
    const old = this.#old.get(key);
    if (old !== undefined) {
      this.#old.delete(key);
      this.set(key, old);
    }
    return old;
  }

  set(key: K, value: V): void {
    this.#young.set(key, value);
    if (this.#young.size >= this.#half) {
      this.#old = this.#young;
      this.#young = new Map();
    }
  }

  delete(key: K): void {
    this.#young.delete(key);
    this.#old.delete(key);
  }

  /** Entries held now (a key in both generations counts twice; it happens only briefly). */
  get size(): number {
    return this.#young.size + this.#old.size;
  }
}
