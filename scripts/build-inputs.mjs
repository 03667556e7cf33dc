// Remembers what an esbuild build read (every input's size and mtime, from its metafile, with the build script,
// package.json and the tsconfig files esbuild takes compiler settings from), so the next run can skip the build
// when nothing changed.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ALWAYS = ['package.json', 'tsconfig.json', 'tsconfig.base.json', fileURLToPath(new URL(import.meta.url)), process.argv[1]];

function fingerprint(path) {
  if (!existsSync(path)) return null;
  const { size, mtimeMs } = statSync(path);
  return `${size}:${mtimeMs}`;
}

/** True when `stamp` exists, every output exists, and no input recorded there changed. */
export function inputsUnchanged(stamp, outputs) {
  if (process.env.NASC_FORCE_BUILD === '1' || !existsSync(stamp) || !outputs.every((output) => existsSync(output))) return false;
  const recorded = JSON.parse(readFileSync(stamp, 'utf8'));
  return Object.entries(recorded).every(([path, print]) => fingerprint(path) === print);
}

/** Records the inputs of `results` (esbuild results built with `metafile: true`), and `extra` files, in `stamp`. */
export function recordInputs(stamp, results, extra = []) {
  const paths = new Set([...ALWAYS, ...extra]);
  for (const result of results) for (const input of Object.keys(result.metafile.inputs)) paths.add(input);
  const recorded = Object.fromEntries([...paths].map((path) => [path, fingerprint(path)]));
  mkdirSync(dirname(stamp), { recursive: true });
  writeFileSync(stamp, `${JSON.stringify(recorded, null, 1)}\n`);
}
