import type { Metric, Registry } from 'prom-client';
import { loadOptionalPeer } from '../util/optional-peer.js';
import type { MetricFamily } from './metric-family.js';

type PromClient = typeof import('prom-client');

/**
 * A prom-client `Registry` over Nasc's metrics: what `GET <mount>/metrics` writes, and what an app that keeps
 * its own registry merges with it (`Registry.merge([appRegistry, nasc.metrics.registry()])`). The numbers
 * stay plain counters where things happen (nothing of prom-client runs per event); each scrape reads them
 * once and hands prom-client every family, which writes the exposition format.
 */
export function prometheusRegistry(metrics: { families(): readonly MetricFamily[] }): Registry {
  // An optional peer: installed by apps that serve metrics, loaded when the first registry is made.
  const client = loadOptionalPeer<PromClient>('prom-client', 'Serving Nasc metrics');
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
