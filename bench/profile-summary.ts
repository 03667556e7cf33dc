import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** One line of a profile summary: a function (or file) and its share of the samples. */
export interface ProfileEntry {
  name: string;
  selfMs: number;
  share: number;
  /** Share of the samples in which the process was not idle (a mostly idle server's shares are all small). */
  busyShare: number;
}

function shortUrl(url: string): string {
  const match = /node_modules\/(.*)$/.exec(url) ?? /\/(dist\/.*)$/.exec(url);
  return match ? match[1]! : url.replace(/^node:/, 'node:');
}

/**
 * Self time per function and per file of a V8 `.cpuprofile` (from `node --cpu-prof`), largest first. The
 * idle samples (`(idle)`, `(program)`) are kept so the shares show how busy the process was.
 */
export function summarizeProfile(
  path: string,
  top = 25,
): { functions: ProfileEntry[]; files: ProfileEntry[]; inclusive: ProfileEntry[]; totalMs: number; busyMs: number } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfByNode = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  for (const [id, micros] of selfByNode) {
    const frame = byId.get(id)!.callFrame;
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    const name = `${frame.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + micros);
    const file = frame.url ? shortUrl(frame.url) : frame.functionName;
    files.set(file, (files.get(file) ?? 0) + micros);
    total += micros;
  }
  // Inclusive time: a function's own samples plus its callees', counted once per stack (recursion aside).
  const nameOf = (node: ProfileNode): string => {
    const frame = node.callFrame;
    const where = frame.url ? ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    return `${frame.functionName || '(anonymous)'}${where}`;
  };
  const inclusive = new Map<string, number>();
  const walk = (id: number, onStack: Set<string>): number => {
    const node = byId.get(id)!;
    let sum = selfByNode.get(id) ?? 0;
    const name = nameOf(node);
    const fresh = !onStack.has(name);
    if (fresh) onStack.add(name);
    for (const child of node.children ?? []) sum += walk(child, onStack);
    if (fresh) {
      onStack.delete(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + sum);
    }
    return sum;
  };
  const root = profile.nodes[0];
  if (root) walk(root.id, new Set());
  inclusive.delete(nameOf(root!));
  const busy = total - (functions.get('(idle)') ?? 0);
  const rank = (map: Map<string, number>): ProfileEntry[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => ({ name, selfMs: micros / 1000, share: micros / total, busyShare: name === '(idle)' ? Number.NaN : micros / busy }));
  return { functions: rank(functions), files: rank(files), inclusive: rank(inclusive), totalMs: total / 1000, busyMs: busy / 1000 };
}

/** The summary as text: ranked lists, each line with its share of all samples and of the busy ones. */
export function formatProfileSummary(path: string, top = 25): string {
  const { functions, files, inclusive, totalMs, busyMs } = summarizeProfile(path, top);
  const busy = (entry: ProfileEntry) => (Number.isFinite(entry.busyShare) ? `${(entry.busyShare * 100).toFixed(1).padStart(5)}%` : '      ');
  const line = (entry: ProfileEntry) => `${(entry.share * 100).toFixed(1).padStart(5)}% ${busy(entry)}  ${entry.selfMs.toFixed(0).padStart(7)} ms  ${entry.name}`;
  return [`${path} (${totalMs.toFixed(0)} ms sampled, ${busyMs.toFixed(0)} ms not idle; shares: of all, of not idle)`, 'self time by function:', ...functions.map(line), 'self time by file:', ...files.map(line), 'total time (self + callees):', ...inclusive.map(line)].join('\n');
}
