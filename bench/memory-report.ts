/** What a bench server answers at `GET /__bench/memory`: its memory after a full garbage collection. */
export interface MemoryReport {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** Streams the server holds open, as it counts them. */
  streams: number;
}

/** Collects garbage (when run with `--expose-gc`) and reports the process's memory. */
export function memoryReport(streams: number): MemoryReport {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  const usage = process.memoryUsage();
  return { rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external, arrayBuffers: usage.arrayBuffers, streams };
}

/** What a bench server answers at `GET /__bench/cpu`: CPU time it has used so far, in µs (user + system). */
export function cpuReport(): { cpuMicros: number } {
  const usage = process.cpuUsage();
  return { cpuMicros: usage.user + usage.system };
}

/** Makes a bench server stop when asked (SIGTERM, so `--cpu-prof` writes its profile) or orphaned (stdin ends). */
export function stopWithParent(close: () => void): void {
  const stop = (): void => {
    close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.stdin.once('end', stop);
  process.stdin.resume();
}
