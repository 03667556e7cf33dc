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

  /** One more attach on `path`. */
  add(path: string): void {
    this.#counts.set(path, (this.#counts.get(path) ?? 0) + 1);
  }

  /** Undoes one attach on `path`; true when that was the last path of the server. */
  remove(path: string): boolean {
    const count = this.#counts.get(path);
    if (count === undefined) return false;
    if (count > 1) this.#counts.set(path, count - 1);
    else this.#counts.delete(path);
    return this.#counts.size === 0;
  }
}
