/**
 * The rules that make the rooms of `protocol/`, `server/`, `elements/` and `testing/` real (docs/architecture.md),
 * checked on the sources: which room may import which, which packages each may use, no import cycles, and no
 * file over about 300 lines unless it holds one lifecycle. A change that breaks a rule fails here, with the
 * import that broke it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ROOTS = ['protocol', 'server', 'elements', 'testing'];

/** A room: a folder whose files share rules. Matched by the longest prefix. */
interface Room {
  /** Rooms (path prefixes) this room may import from, besides itself. */
  imports: readonly string[];
  /** Packages (and `node:` modules) it may import; `*` for any. */
  packages: readonly string[] | '*';
}

/** The one file of `server/observe/` the rooms that report may import: the interface they report through. */
const OBSERVER = 'server/observe/observer.ts';

const ROOMS: Record<string, Room> = {
  'protocol/': { imports: [], packages: [] },
  'server/util/': { imports: [], packages: [] },
  // OpenTelemetry's API is an optional peer, imported on first use when it is installed.
  'server/observe/': { imports: ['protocol/', 'server/util/'], packages: ['node:crypto', '@opentelemetry/api', 'prom-client'] },
  'server/engine/': { imports: ['protocol/', 'server/store/', 'server/broker/', 'server/util/', OBSERVER], packages: ['node:crypto'] },
  'server/store/': { imports: ['protocol/', 'server/util/', OBSERVER], packages: ['better-sqlite3'] },
  'server/broker/': { imports: ['protocol/', 'server/store/', 'server/util/', OBSERVER], packages: [] },
  'server/redis/': { imports: ['protocol/', 'server/store/', 'server/broker/', 'server/util/', OBSERVER], packages: ['ioredis', 'node:crypto', 'node:events'] },
  'server/channels/': { imports: ['protocol/', 'server/engine/', 'server/util/', OBSERVER], packages: [] },
  'server/validation/': { imports: ['protocol/', 'server/engine/'], packages: ['ajv/dist/2020.js', 'ajv-formats'] },
  'server/security/': { imports: ['server/util/'], packages: ['node:crypto', 'node:fs', 'node:path', 'hono/utils/cookie'] },
  'server/endpoints/': {
    imports: ['protocol/', 'server/engine/', 'server/channels/', 'server/security/', 'server/store/', 'server/util/', OBSERVER],
    packages: [],
  },
  'server/hono/': { imports: ['protocol/', 'server/'], packages: ['hono', 'hono/cors', 'hono/http-exception', 'hono/utils/http-status', '@hono/node-server', '@hono/node-server/utils/response', 'node:http', 'node:crypto', 'node:fs'] },
  'server/node/': {
    imports: ['protocol/', 'server/engine/', 'server/endpoints/', 'server/channels/', 'server/security/', 'server/store/', 'server/util/'],
    packages: ['node:http', 'node:stream', 'node:util', 'ws'],
  },
  'server/': { imports: ['protocol/', 'server/'], packages: ['hono', 'ws'] },
  'elements/connection/': { imports: ['protocol/', 'elements/connection/', 'elements/dev/', 'elements/dom/pending-marks.ts'], packages: [] },
  'elements/scope/': { imports: ['protocol/', 'elements/connection/', 'elements/dev/'], packages: ['@lit/context', '@lit/reactive-element'] },
  'elements/dom/': {
    imports: [
      'protocol/',
      'elements/scope/',
      'elements/dev/',
      'elements/connection/page-connection.ts',
      'elements/connection/page-registry.ts',
      'elements/connection/transport-choice.ts',
      'elements/connection/events.ts',
      'elements/connection/instance-mirror.ts',
      'elements/connection/event-sender.ts',
    ],
    packages: ['@lit/reactive-element', '@lit/context'],
  },
  'elements/dev/': { imports: ['protocol/', 'elements/dev/', 'elements/scope/scope.ts'], packages: [] },
  'elements/tools/': {
    imports: ['protocol/', 'elements/connection/', 'elements/scope/', 'elements/dom/', 'elements/dev/'],
    packages: ['lit', 'lit/directives/guard.js', 'lit/directives/repeat.js', '@lit/reactive-element', '@lit/context'],
  },
  'elements/': { imports: ['protocol/', 'elements/'], packages: [] },
  // The public test kit drives a server as an app's tests would: through the public entry only.
  'testing/': {
    imports: ['protocol/', 'server/index.ts'],
    packages: ['node:crypto', 'node:http', 'node:net', 'hono', '@hono/node-server', 'ws'],
  },
};

/** Files allowed past {@link MAX_LINES}, each holding one lifecycle that splitting would scatter. */
const LONG_FILES: Record<string, string> = {
  'server/store/sqlite-store.ts': 'one store: its schema, statements and their transactions belong together',
  'elements/tools/na-traffic-styles.ts': "one stylesheet: the traffic panel's shadow-root CSS",
};
const MAX_LINES = 300;

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) files.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

const files = ROOTS.flatMap((root) => sourceFiles(root));
const SPECIFIER = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every import of a file: relative ones resolved to source paths, packages as named. */
function importsOf(file: string): { local: string[]; packages: string[] } {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const local: string[] = [];
  const packages: string[] = [];
  for (const match of text.matchAll(SPECIFIER)) {
    const specifier = match[1] ?? match[2] ?? match[3]!;
    if (specifier.startsWith('.')) local.push(normalize(join(dirname(file), specifier)).replace(/\.js$/, '.ts'));
    else packages.push(specifier);
  }
  return { local, packages };
}

function roomOf(file: string): [string, Room] {
  const prefix = Object.keys(ROOMS)
    .filter((candidate) => file.startsWith(candidate))
    .sort((a, b) => b.length - a.length)[0];
  assert.ok(prefix, `${file} is in no room`);
  return [prefix, ROOMS[prefix]!];
}

const graph = new Map(files.map((file) => [file, importsOf(file)]));

describe('architecture rules', () => {
  test('every import goes where its room may go', () => {
    const broken: string[] = [];
    for (const [file, { local, packages }] of graph) {
      const [prefix, room] = roomOf(file);
      for (const target of local) {
        if (target.startsWith(prefix)) continue;
        if (!room.imports.some((allowed) => target.startsWith(allowed))) broken.push(`${file} imports ${target}`);
      }
      if (room.packages === '*') continue;
      for (const name of packages) {
        if (!room.packages.includes(name)) broken.push(`${file} imports the package ${name}`);
      }
    }
    assert.deepEqual(broken, [], `imports outside the rules of docs/architecture.md:\n${broken.join('\n')}`);
  });

  test('no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'visiting');
      for (const target of graph.get(file)?.local ?? []) if (graph.has(target)) visit(target, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    assert.deepEqual(cycles, [], `import cycles:\n${cycles.join('\n')}`);
  });

  test(`no file over ${MAX_LINES} lines but the ones that hold one lifecycle`, () => {
    const long = files
      .map((file) => [file, readFileSync(join(ROOT, file), 'utf8').split('\n').length] as const)
      .filter(([file, lines]) => lines > MAX_LINES && !(file in LONG_FILES))
      .map(([file, lines]) => `${file}: ${lines} lines`);
    assert.deepEqual(long, []);
  });

  test('the rules know every room there is', () => {
    const rooms = new Set(files.map((file) => relative(ROOT, join(ROOT, dirname(file))) + '/'));
    const unknown = [...rooms].filter((room) => !(room in ROOMS) && !room.split('/').slice(0, 1).every((top) => ROOTS.includes(top) && room === `${top}/`));
    assert.deepEqual(unknown, [], 'folders without rules: add them to ROOMS and to docs/architecture.md');
  });
});
