// Builds what the package ships besides the browser bundles (scripts/build-client.mjs): dist/lib/.
//
// tsc writes one module per source file into dist/server, dist/elements, dist/protocol and dist/testing (about 130 of each
// kind), which is what the tests and benchmarks import. The package ships one ES module per public entry
// instead, bundled by esbuild from that output (other packages stay imports), and of the declaration files
// only those its entries reach: under 150 files in the tarball, and nothing internal that no type names.
//
// dist/lib mirrors dist/: dist/lib/server/index.js sits two folders below dist/ as dist/server/hono/*.js does,
// so the server finds the browser bundles at `../../client/` from either.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { inputsUnchanged, recordInputs } from './build-inputs.mjs';
import { syncDirectory } from './sync-directory.mjs';

const DIST = 'dist';
const OUT = 'dist/lib';
const STAMP = 'dist/.build/package-inputs.json';
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

/** Each public entry: the module bundled, and how. `nasc.d.ts` types the prebuilt `nasc/client/nasc.js`. */
const ENTRIES = [
  { entry: 'server/index', platform: 'node', target: 'node20' },
  { entry: 'elements/index', platform: 'browser', target: 'es2022' },
  { entry: 'protocol/index', platform: 'neutral', target: 'es2022' },
  { entry: 'testing/index', platform: 'node', target: 'node20' },
];

/**
 * The test kit uses the server and the wire types through their public entries: it imports those bundles
 * (`../server/index.js` from dist/lib/testing/) rather than carrying a second copy of the server, so that
 * `createNasc`, `NascError` and the stores it hands out are the app's own.
 */
const publicEntriesExternal = {
  name: 'public-entries-external',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/(server|protocol|elements)\/index\.js$/ }, (args) =>
      /[\\/]dist[\\/]testing[\\/]/.test(args.importer) ? { path: args.path, external: true } : undefined,
    );
  },
};
const TYPE_ONLY_ENTRIES = ['elements/nasc'];

/** Relative imports of a declaration file (`from './x.js'`, `import('./x.js')`, `import './x.js'`). */
const RELATIVE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

/** The declaration files reachable from the entries, as paths below dist/. */
function declarationClosure(entries) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    const path = join(DIST, file);
    if (!existsSync(path)) throw new Error(`${path} is missing: run tsc -b first`);
    seen.add(file);
    for (const match of readFileSync(path, 'utf8').matchAll(RELATIVE_IMPORT)) {
      visit(normalize(join(dirname(file), match[1])).replace(/\.js$/, '.d.ts'));
    }
  };
  for (const entry of entries) visit(`${entry}.d.ts`);
  return seen;
}

// Skipped when no module the bundles read and no declaration copied changed since the last run (tsc rewrites
// only what changed, so its mtimes say).
if (inputsUnchanged(STAMP, ENTRIES.map(({ entry }) => join(OUT, `${entry}.js`)))) process.exit(0);
const esbuild = await import('esbuild');

const files = new Map();
const declarations = [...declarationClosure([...ENTRIES.map(({ entry }) => entry), ...TYPE_ONLY_ENTRIES])];
for (const file of declarations) files.set(file, readFileSync(join(DIST, file)));
const results = [];
for (const { entry, platform, target } of ENTRIES) {
  const result = await esbuild.build({
    entryPoints: [join(DIST, `${entry}.js`)],
    bundle: true,
    format: 'esm',
    platform,
    target,
    // Lit, Hono, ws and the optional peers are the app's to install (and to share with its own code).
    packages: 'external',
    plugins: [publicEntriesExternal],
    // The elements' copy tells other copies on the same page which version it is (page-registry.ts).
    define: { NASC_BUILD_VERSION: JSON.stringify(version) },
    legalComments: 'none',
    logLevel: 'warning',
    write: false,
    metafile: true,
    outfile: join(OUT, `${entry}.js`),
  });
  results.push(result);
  files.set(`${entry}.js`, Buffer.from(result.outputFiles[0].contents));
}

const changed = syncDirectory(OUT, files);
if (changed.length > 0) console.log(`dist/lib: ${files.size} files (${changed.length} written or removed)`);
recordInputs(STAMP, results, declarations.map((file) => join(DIST, file)));
