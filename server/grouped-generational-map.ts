import { randomBytes } from 'node:crypto';

/** Slots looked at before an entry goes to its generation's overflow map (only a crafted flood gets there). */
const MAX_PROBES = 32;
const FIRST_CAPACITY = 256;

/**
 * A bounded map of `(group, key)` string pairs that forgets in bulk, like {@link GenerationalMap}: entries go
 * into a young generation; when it holds `limit / 2` it becomes the old one and the previous old one is
 * dropped whole; reads promote old entries. So it keeps between `limit / 2` and `limit` recently used entries
 * over all groups (an instance's event ids are a group).
 *
 * Each generation is an open-addressing table whose slots keep a 32-bit hash of the pair in an `Int32Array`,
 * so a lookup (nearly always a miss: the dedupe check every event makes) reads one or two slots of that array
 * instead of walking a `Map`'s chains through scattered key strings, and needs no joined key string. With
 * 100,000 entries kept, a lookup and a store went from 0.37 to 0.26 µs, and the engine's whole event from
 * 3.4 to 2.9 µs (`bench/findings.md`, fix 22). The hash is seeded per map, and a pair whose slot lies past
 * {@link MAX_PROBES} taken slots goes to a plain `Map`, so ids chosen to collide cost their sender, not
 * everyone's lookups.
 *
 * @example
 * const outcomes = new GroupedGenerationalMap<EventOutcome>(100_000);
 * outcomes.set('Todo\u0000main', 'evt-1', outcome);
 * outcomes.get('Todo\u0000main', 'evt-1'); // → outcome
 */
export class GroupedGenerationalMap<V> {
  readonly #half: number;
  /** Slots of a full generation: at most half of them are taken, so a miss usually reads one or two. */
  readonly #capacity: number;
  readonly #hash: PairHash;
  #young: PairTable<V>;
  #old: PairTable<V>;
  /**
   * The group last stored. Callers build a new group string per call (a joined type and instance), and one
   * kept per entry would be as many strings to keep alive and copy through garbage collection as there are
   * entries; runs of one group share this one.
   */
  #lastGroup = '';

  /**
   * Keeps between `limit / 2` and `limit` recently used entries, over all groups. `hash` is for tests (one
   * that collides); by default a hash seeded for this map.
   */
  constructor(limit: number, hash: PairHash = seededPairHash(randomBytes(4).readInt32LE(0))) {
    this.#hash = hash;
    this.#half = Math.max(1, Math.ceil(limit / 2));
    this.#capacity = 2 ** Math.ceil(Math.log2(Math.max(2 * this.#half, 2)));
    this.#young = new PairTable(Math.min(FIRST_CAPACITY, this.#capacity));
    this.#old = new PairTable(Math.min(FIRST_CAPACITY, this.#capacity));
  }

  get(group: string, key: string): V | undefined {
    const hash = this.#hash(group, key);
    const young = this.#young.get(hash, group, key);
    if (young !== undefined) return young;
    const old = this.#old.get(hash, group, key);
    // Read again: promoted, so it outlives the next rotation (its old slot goes with its generation).
    if (old !== undefined) this.#setHashed(hash, group, key, old);
    return old;
  }

  set(group: string, key: string, value: V): void {
    this.#setHashed(this.#hash(group, key), group, key, value);
  }

  /** Entries kept now (a promoted key counts in both generations until the old one is dropped). */
  get size(): number {
    return this.#young.size + this.#old.size;
  }

  #setHashed(hash: number, group: string, key: string, value: V): void {
    if (group === this.#lastGroup) group = this.#lastGroup;
    else this.#lastGroup = group;
    const young = this.#young;
    if (!young.set(hash, group, key, value)) return;
    if (young.size >= this.#half) {
      // The dropped generation's slots are cleared and reused once it has grown to full size.
      const recycled = this.#old;
      this.#old = young;
      this.#young = recycled.capacity === this.#capacity ? recycled.clear() : new PairTable(Math.min(FIRST_CAPACITY, this.#capacity));
    } else if (young.capacity < this.#capacity && young.size * 2 > young.capacity) {
      this.#young = young.grown(2 * young.capacity, this.#hash);
    }
  }
}

/** One generation: linear probing over parallel arrays; a slot whose hash is 0 is free. */
class PairTable<V> {
  readonly capacity: number;
  size = 0;
  readonly #mask: number;
  readonly #hashes: Int32Array;
  readonly #groups: (string | undefined)[];
  readonly #keys: (string | undefined)[];
  readonly #values: (V | undefined)[];
  /** Pairs that found no free slot within MAX_PROBES: group → key → value. */
  #overflow: Map<string, Map<string, V>> | undefined;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#mask = capacity - 1;
    this.#hashes = new Int32Array(capacity);
    this.#groups = new Array<string | undefined>(capacity).fill(undefined);
    this.#keys = new Array<string | undefined>(capacity).fill(undefined);
    this.#values = new Array<V | undefined>(capacity).fill(undefined);
  }

  get(hash: number, group: string, key: string): V | undefined {
    const hashes = this.#hashes;
    for (let probe = 0, slot = hash & this.#mask; probe < MAX_PROBES; probe++, slot = (slot + 1) & this.#mask) {
      const found = hashes[slot];
      if (found === 0) return undefined;
      if (found === hash && this.#keys[slot] === key && this.#groups[slot] === group) return this.#values[slot];
    }
    return this.#overflow?.get(group)?.get(key);
  }

  /** Stores the pair's value; true when it was not there before. */
  set(hash: number, group: string, key: string, value: V): boolean {
    const hashes = this.#hashes;
    for (let probe = 0, slot = hash & this.#mask; probe < MAX_PROBES; probe++, slot = (slot + 1) & this.#mask) {
      const found = hashes[slot];
      if (found === 0) {
        hashes[slot] = hash;
        this.#groups[slot] = group;
        this.#keys[slot] = key;
        this.#values[slot] = value;
        this.size += 1;
        return true;
      }
      if (found === hash && this.#keys[slot] === key && this.#groups[slot] === group) {
        this.#values[slot] = value;
        return false;
      }
    }
    let keys = this.#overflow?.get(group);
    if (!keys) (this.#overflow ??= new Map()).set(group, (keys = new Map()));
    const before = keys.size;
    keys.set(key, value);
    if (keys.size === before) return false;
    this.size += 1;
    return true;
  }

  /** Empties the table for reuse. */
  clear(): this {
    this.#hashes.fill(0);
    this.#groups.fill(undefined);
    this.#keys.fill(undefined);
    this.#values.fill(undefined);
    this.#overflow = undefined;
    this.size = 0;
    return this;
  }

  /** A copy with `capacity` slots, the entries placed again (`hash` is needed for those in the overflow map). */
  grown(capacity: number, hash: PairHash): PairTable<V> {
    const grown = new PairTable<V>(capacity);
    for (let slot = 0; slot < this.capacity; slot++) {
      const taken = this.#hashes[slot]!;
      if (taken !== 0) grown.set(taken, this.#groups[slot]!, this.#keys[slot]!, this.#values[slot]!);
    }
    if (this.#overflow) {
      for (const [group, keys] of this.#overflow) for (const [key, value] of keys) grown.set(hash(group, key), group, key, value);
    }
    return grown;
  }
}

/** A 32-bit hash of a `(group, key)` pair, never 0 (which marks a free slot). */
export type PairHash = (group: string, key: string) => number;

/**
 * A seeded hash of pairs: FNV-1a over the UTF-16 units, the group's length first so that no two pairs spell
 * the same input, then MurmurHash3's finalizer.
 */
function seededPairHash(seed: number): PairHash {
  return (group, key) => hashPair(seed, group, key);
}

function hashPair(seed: number, group: string, key: string): number {
  let hash = Math.imul(seed ^ group.length, 0x01000193);
  for (let i = 0; i < group.length; i++) hash = Math.imul(hash ^ group.charCodeAt(i), 0x01000193);
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash === 0 ? 1 : hash;
}
