/**
 * Applies each instance's changes only in revision order. A delta is applied when it is the next one,
 * ignored when stale or duplicated (or before any snapshot gave a base), and a gap asks for a resync. A
 * snapshot applies unless older than what is shown (a late one), or when it says the instance started over.
 * It also remembers the highest revision seen, so a client that ignored something newer knows it is behind.
 */
export class RevisionGate {
  readonly #applied = new Map<string, number>();
  readonly #seen = new Map<string, number>();

  /** The last revision applied for an instance. */
  position(key: string): number | undefined {
    return this.#applied.get(key);
  }

  snapshot(key: string, rev: number, reset: boolean): boolean {
    const last = this.#applied.get(key);
    if (reset) this.#seen.set(key, rev);
    else this.#see(key, rev);
    if (!reset && last !== undefined && rev < last) return false;
    this.#applied.set(key, rev);
    return true;
  }

  /** Whether a change to `rev` applies now: it is the next one. A gap makes the instance `behind`. */
  delta(key: string, rev: number): boolean {
    this.#see(key, rev);
    const last = this.#applied.get(key);
    if (last === undefined || rev !== last + 1) return false;
    this.#applied.set(key, rev);
    return true;
  }

  /** True when a newer revision was seen than applied: the client must catch up. */
  behind(key: string): boolean {
    const seen = this.#seen.get(key);
    return seen !== undefined && seen > (this.#applied.get(key) ?? 0);
  }

  forget(key: string): void {
    this.#applied.delete(key);
    this.#seen.delete(key);
  }

  #see(key: string, rev: number): void {
    if (rev > (this.#seen.get(key) ?? 0)) this.#seen.set(key, rev);
  }
}
