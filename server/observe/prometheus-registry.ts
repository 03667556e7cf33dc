import type { Metric, Registry } from 'prom-client';
import type { MetricFamily } from './metric-family.js';

/** prom-client is an optional peer: loaded by name, on first use, only by apps that turn metrics on. */
const PROM_CLIENT = 'prom-client';

type PromClient = typeof import('prom-client');

/**
 * A prom-client `Registry` over Nasc's metrics: what `GET <mount>/metrics` writes, and what an app that keeps
 * its own registry merges with it (`Registry.merge([appRegistry, await nasc.metrics.registry()])`). The numbers
 * stay plain counters where things happen (nothing of prom-client runs per event); each scrape reads them
 * once and hands prom-client every family, which writes the exposition format.
 */
export async function prometheusRegistry(metrics: { families(): readonly MetricFamily[] }): Promise<Registry> {
  const client = await loadPromClient();
  const registry = new client.Registry();
  // One read of the numbers per scrape, shared by every family's `get()` of that scrape.
  let read: { at: number; families: Map<string, MetricFamily> } | undefined;
  const familiesNow = (): Map<string, MetricFamily> => {
    const now = performance.now();
    if (!read || now - read.at > 50) read = { at: now, families: new Map(metrics.families().map((family) => [family.name, family])) };
    return read.families;
  };
  for (const family of metrics.families()) {
    const { name, help, type } = family;
    registry.registerMetric({
      name,
      help,
      type,
      aggregator: 'sum',
      get: async () => {
        const current = familiesNow().get(name)!;
        return {
          name,
          help,
          type,
          aggregator: 'sum',
          values: current.samples.map((sample) => ({ value: sample.value, labels: sample.labels, metricName: sample.name })),
        };
      },
    } as unknown as Metric);
  }
  return registry;
}

async function loadPromClient(): Promise<PromClient> {
  try {
    const loaded = (await import(PROM_CLIENT)) as PromClient & { default?: PromClient };
    return typeof loaded.Registry === 'function' ? loaded : loaded.default!;
  } catch {
    throw new Error('Nasc metrics need prom-client: npm install prom-client');
  }
}
