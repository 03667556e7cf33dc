import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** The browser bundle's size as served, and what it is made of. */
export interface ClientSize {
  /** Bytes of `/nasc/nasc.js` as the server sends it (minified, Lit included). */
  minified: number;
  /** Those bytes through gzip -9. */
  gzip: number;
  /** Through brotli at quality 11, for reference. */
  brotli: number;
  /** Minified bytes per package or source directory, largest first (from an esbuild metafile). */
  parts: { name: string; bytes: number }[];
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Groups a bundled input: its package (`lit-element`, `@lit/reactive-element`, …), or its own path (`elements/na-bind.ts`). */
function partName(input: string): string {
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (inModules) return inModules[1]!;
  return input;
}

/**
 * Fetches `/nasc/nasc.js` from a running Nasc server and compresses it; rebuilds the same bundle with an
 * esbuild metafile to say which inputs its bytes come from (the served file is that bundle after a terser pass,
 * so the parts add up to a little more than the whole).
 */
export async function measureClientSize(origin: string): Promise<ClientSize> {
  const response = await fetch(`${origin}/nasc/nasc.js`);
  if (!response.ok) throw new Error(`/nasc/nasc.js answered ${response.status}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ['elements/nasc.ts'],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    define: { 'globalThis.NASC_DEV_MODE': 'false' },
    legalComments: 'none',
    write: false,
    metafile: true,
    outfile: 'nasc.js',
  });
  const totals = new Map<string, number>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      totals.set(partName(input), (totals.get(partName(input)) ?? 0) + bytesInOutput);
    }
  }
  return {
    minified: bytes.byteLength,
    gzip: gzipSync(bytes, { level: 9 }).byteLength,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).byteLength,
    parts: [...totals].map(([name, size]) => ({ name, bytes: size })).sort((a, b) => b.bytes - a.bytes),
  };
}
