// Builds the browser bundles the server serves: `dist/client/nasc.js` (production: minified by esbuild, then
// one terser pass, dev code removed), `dist/client/nasc.dev.js` (development: warnings, overlay, the traffic
// panel, a source map) and `dist/client/na-traffic.js` (the traffic panel alone, for pages on `nasc.js`),
// each with its brotli and gzip forms beside it (`.br`, `.gz`), which the server sends as they are.
// Skipped when no input changed since the last build (see build-inputs.mjs): `npm start` stays quick.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { inputsUnchanged, recordInputs } from './build-inputs.mjs';

const ENTRY = 'elements/nasc.ts';
const OUT = 'dist/client';
const STAMP = 'dist/.build/client-inputs.json';
const OUTPUTS = [`${OUT}/nasc.js`, `${OUT}/nasc.dev.js`, `${OUT}/nasc.dev.js.map`, `${OUT}/na-traffic.js`];
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
if (inputsUnchanged(STAMP, OUTPUTS)) process.exit(0);
// Loaded only for a build: a skipped run stays quick.
const esbuild = await import('esbuild');
const { minify } = await import('terser');

/**
 * Lit's `css-tag` module, which `ReactiveElement` imports to adopt component styles, in the prebuilt bundle
 * only: Nasc's elements render into the light DOM and declare no styles, and nothing else in that bundle
 * uses Lit (it exports no Lit API). Apps that bundle `nasc/elements` themselves get the real module.
 */
const withoutLitStyles = {
  name: 'without-lit-styles',
  setup(build) {
    build.onResolve({ filter: /\/css-tag\.js$/ }, (args) =>
      args.importer.includes('@lit/reactive-element') ? { path: 'css-tag', namespace: 'nasc-no-styles' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'nasc-no-styles' }, () => ({
      loader: 'js',
      contents: [
        'export const supportsAdoptingStyleSheets = false;',
        'export class CSSResult {}',
        'export const unsafeCSS = () => new CSSResult();',
        'export const css = () => new CSSResult();',
        'export const getCompatibleStyle = (style) => style;',
        'export const adoptStyles = () => {};',
      ].join('\n'),
    }));
  },
};

/** Writes a served file with its compressed forms, at levels too slow for a request (brotli 11, gzip 9). */
function writeServed(path, contents) {
  const bytes = Buffer.from(contents);
  writeFileSync(path, bytes);
  writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }));
  writeFileSync(`${path}.br`, brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }));
}

const common = {
  entryPoints: [ENTRY],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  // The version other copies of Nasc on the same page are compared with (elements/connection/page-registry.ts).
  define: { NASC_BUILD_VERSION: JSON.stringify(version) },
};
mkdirSync(OUT, { recursive: true });

const production = await esbuild.build({
  ...common,
  minify: true,
  define: { ...common.define, 'globalThis.NASC_DEV_MODE': 'false' },
  plugins: [withoutLitStyles],
  write: false,
});
const minified = await minify(production.outputFiles[0].text, { module: true, ecma: 2022, compress: { passes: 2 }, mangle: true });
writeServed(`${OUT}/nasc.js`, minified.code);

const development = await esbuild.build({
  ...common,
  entryPoints: ['elements/nasc-dev.ts'],
  define: { ...common.define, 'globalThis.NASC_DEV_MODE': 'true' },
  sourcemap: true,
  write: false,
  outfile: `${OUT}/nasc.dev.js`,
});
for (const { path, contents } of development.outputFiles) {
  // The map is fetched by developer tools only: the server compresses it when first asked.
  if (path.endsWith('.map')) writeFileSync(path, contents);
  else writeServed(path, contents);
}
const traffic = await esbuild.build({
  ...common,
  entryPoints: ['elements/tools/na-traffic.ts'],
  minify: true,
  write: false,
  outfile: `${OUT}/na-traffic.js`,
});
writeServed(`${OUT}/na-traffic.js`, traffic.outputFiles[0].contents);
recordInputs(STAMP, [production, development, traffic]);
