import type { BenchConfig } from './bench-config.js';
import type { BenchServer } from './server-process.js';
import { measureThroughput } from './throughput.js';
import { WORKLOADS, type Workload } from './workloads.js';

/** Events kept in flight while warming up: enough for several per loop turn, as under load. */
const WARM_UP_CONCURRENCY = 8;

/**
 * Runs a fresh server hot before its first measured case: `config.warmUpMs` of events over SSE and then
 * WebSocket for each workload a section will measure, nothing recorded. A fresh V8 spends its first seconds
 * optimizing (finding 47: a server's first measured window at concurrency 1 optimized 218 functions and cost
 * 281 µs of CPU per event, the same case a minute later 197 µs), so without this the first run of a section
 * measured start-up, and more so for the server with the longer path. A deployed server has been up for a
 * while when a user meets it.
 */
export async function warmUp(server: BenchServer, config: BenchConfig, workloads: readonly Workload[] = [WORKLOADS.toggle]): Promise<void> {
  if (config.warmUpMs <= 0) return;
  for (const workload of workloads) {
    for (const transport of ['sse', 'ws'] as const) {
      await measureThroughput(server, transport, WARM_UP_CONCURRENCY, 0, config.warmUpMs, workload);
    }
  }
}
