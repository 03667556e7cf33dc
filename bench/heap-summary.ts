/**
 * Summarizes a V8 heap snapshot (`.heapsnapshot`, e.g. from `node --heapsnapshot-signal=SIGUSR2`): objects
 * and self sizes per constructor, largest first. With two snapshots, the difference (after − before) per
 * constructor, which shows what each extra connection holds.
 *
 *   node dist/bench/heap-summary.js after.heapsnapshot [before.heapsnapshot] [per=N]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Count and self bytes of the objects of one constructor (or node type). */
export interface HeapGroup {
  name: string;
  count: number;
  bytes: number;
}

/** Groups a snapshot's nodes by constructor name (objects) or by node type (strings, code, closures…). */
export function groupHeap(path: string): Map<string, HeapGroup> {
  const data = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const fields = data.snapshot.meta.node_fields;
  const types = data.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const groups = new Map<string, HeapGroup>();
  for (let i = 0; i < data.nodes.length; i += width) {
    const type = types[data.nodes[i + typeAt]!]!;
    const name = type === 'object' || type === 'closure' ? `${type === 'closure' ? 'closure ' : ''}${data.strings[data.nodes[i + nameAt]!]}` : `(${type})`;
    const group = groups.get(name) ?? { name, count: 0, bytes: 0 };
    group.count += 1;
    group.bytes += data.nodes[i + sizeAt]!;
    groups.set(name, group);
  }
  return groups;
}

/** after − before, per group, largest byte growth first. */
export function diffHeap(after: Map<string, HeapGroup>, before: Map<string, HeapGroup>): HeapGroup[] {
  const names = new Set([...after.keys(), ...before.keys()]);
  return [...names]
    .map((name) => ({
      name,
      count: (after.get(name)?.count ?? 0) - (before.get(name)?.count ?? 0),
      bytes: (after.get(name)?.bytes ?? 0) - (before.get(name)?.bytes ?? 0),
    }))
    .sort((a, b) => b.bytes - a.bytes);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [afterPath, beforePath, perArg] = process.argv.slice(2);
  if (!afterPath) {
    console.error('usage: node dist/bench/heap-summary.js after.heapsnapshot [before.heapsnapshot] [per=N]');
    process.exit(1);
  }
  const per = Number(perArg?.replace('per=', '') ?? 1) || 1;
  const after = groupHeap(afterPath);
  const rows = beforePath ? diffHeap(after, groupHeap(beforePath)) : [...after.values()].sort((a, b) => b.bytes - a.bytes);
  console.log(`${'bytes'.padStart(12)} ${'count'.padStart(9)}${per > 1 ? `  (per ${per}: bytes, count)` : ''}  name`);
  for (const row of rows.slice(0, 40)) {
    const perText = per > 1 ? `  ${(row.bytes / per).toFixed(0).padStart(6)} ${(row.count / per).toFixed(2).padStart(6)}` : '';
    console.log(`${String(row.bytes).padStart(12)} ${String(row.count).padStart(9)}${perText}  ${row.name}`);
  }
}
