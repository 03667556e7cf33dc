// Builds the browser bundles the server serves: `dist/client/nasc.js` (production: minified by esbuild, then
// one terser pass, dev code removed), `dist/client/nasc.dev.js` (development: warnings, overlay, the traffic
// panel, a source map) and `dist/client/na-traffic.js` (the traffic panel alone, for pages on `nasc.js`).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as esbuild from 'esbuild';
import { minify } from 'terser';

const ENTRY = 'elements/nasc.ts';
const OUT = 'dist/client';

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

const common = { entryPoints: [ENTRY], bundle: true, format: 'esm', target: 'es2022', legalComments: 'none', logLevel: 'warning' };
mkdirSync(OUT, { recursive: true });

const production = await esbuild.build({
  ...common,
  minify: true,
  define: { 'globalThis.NASC_DEV_MODE': 'false' },
  plugins: [withoutLitStyles],
  write: false,
});
const minified = await minify(production.outputFiles[0].text, { module: true, ecma: 2022, compress: { passes: 2 }, mangle: true });
writeFileSync(`${OUT}/nasc.js`, minified.code);

await esbuild.build({ ...common, entryPoints: ['elements/nasc-dev.ts'], define: { 'globalThis.NASC_DEV_MODE': 'true' }, sourcemap: true, outfile: `${OUT}/nasc.dev.js` });
await esbuild.build({ ...common, entryPoints: ['elements/tools/na-traffic.ts'], minify: true, outfile: `${OUT}/na-traffic.js` });
