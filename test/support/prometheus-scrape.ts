/** One sample of a Prometheus text exposition: `name{label="value",…} value`. */
export interface ScrapedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** What a scrape found: every sample, and each metric's declared type. */
export interface Scrape {
  samples: ScrapedSample[];
  types: Map<string, string>;
  /** The sum of the samples of `name` whose labels include `labels`. */
  value(name: string, labels?: Record<string, string>): number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * Parses Prometheus's text format (0.0.4) strictly: every line must be a `# HELP`, a `# TYPE` or a sample,
 * every sample must belong to a declared metric, or this throws.
 */
export function parseScrape(text: string): Scrape {
  const samples: ScrapedSample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ')) continue;
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      types.set(name!, type!);
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const [, name, labelText, valueText] = match;
    const family = [...types.keys()].find((declared) => name === declared || (types.get(declared) === 'histogram' && name!.startsWith(`${declared}_`)));
    if (!family) throw new Error(`a sample of an undeclared metric: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, label, value] of (labelText ?? '').matchAll(LABEL)) labels[label!] = value!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    const value = valueText === '+Inf' ? Number.POSITIVE_INFINITY : Number(valueText);
    if (Number.isNaN(value) && valueText !== 'NaN') throw new Error(`not a number: ${line}`);
    samples.push({ name: name!, labels, value });
  }
  return {
    samples,
    types,
    value: (name, labels = {}) =>
      samples.filter((sample) => sample.name === name && Object.entries(labels).every(([label, value]) => sample.labels[label] === value)).reduce((sum, sample) => sum + sample.value, 0),
  };
}
