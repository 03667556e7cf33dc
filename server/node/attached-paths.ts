/**
 * The paths one server is attached on, each counted, so that every `attach` has its own detach: a path
 * attached twice stays taken until both are undone. Shared by the WebSocket and the event POST attachments.
 */
export class AttachedPaths {
  readonly #counts = new Map<string, number>();

  /** Whether requests on `path` (without its query) are taken. */
  has(path: string): boolean {
    return this.#counts.has(path);
  }

  /**
   * One more attach on `path`. Returns its detach: it undoes this attach once, however often it is called,
   * and calls `emptied` when that left no path at all.
   */
  add(path: string, emptied: () => void): () => void {
    this.#counts.set(path, (this.#counts.get(path) ?? 0) + 1);
    let detached = false;
    return () => {
      if (detached) return;
      detached = true;
      const count = this.#counts.get(path) ?? 1;
      if (count > 1) this.#counts.set(path, count - 1);
      else this.#counts.delete(path);
      if (this.#counts.size === 0) emptied();
    };
  }
}
