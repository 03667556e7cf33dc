/** What to do with a batch of one instance. */
export const BatchVerdict = { Apply: 'apply', Ignore: 'ignore', Resync: 'resync' } as const;
export type BatchVerdict = (typeof BatchVerdict)[keyof typeof BatchVerdict];

/**
 * Applies each instance's batches only in revision order: the next one is applied, a duplicate or stale one
 * ignored, a gap answered with a resync. A snapshot always applies and sets the position.
 */
export class RevisionGate {
  readonly #positions = new Map<string, number>();

  /** The last revision applied for an instance. */
  position(key: string): number | undefined {
    return this.#positions.get(key);
  }

  judge(key: string, rev: number, snapshot: boolean): BatchVerdict {
    const last = this.#positions.get(key);
    if (snapshot || last === undefined || rev === last + 1) {
      this.#positions.set(key, rev);
      return BatchVerdict.Apply;
    }
    return rev <= last ? BatchVerdict.Ignore : BatchVerdict.Resync;
  }

  forget(key: string): void {
    this.#positions.delete(key);
  }
}
