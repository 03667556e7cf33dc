// `npm run dev` (arguments after `--` go to the demo, e.g. `npm run dev -- --memory`): the demo, rebuilt and
// restarted on every change. TypeScript watches the library and the demo (`tsc -b -w demo`, incremental);
// after each compile the package and browser bundles are brought up to date (each skips what did not change)
// and the demo restarts. Files in demo/public are served from the source folder, so a reload shows them.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const demoArgs = process.argv.slice(2);
/** The line tsc's watch mode prints when a compile ended (with or without errors). */
const COMPILED = /Found \d+ errors?\. Watching for file changes\./;

/** Runs a build step (a script of scripts/, or tsc with arguments); resolves whether it succeeded. */
function step(script, args = []) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script === TSC ? TSC : join(ROOT, script), ...args], { cwd: ROOT, stdio: 'inherit' });
    child.once('exit', (code) => resolve(code === 0));
  });
}

let demo;
function startDemo() {
  demo = spawn(process.execPath, [join(ROOT, 'dist/demo/main.js'), ...demoArgs], { cwd: ROOT, stdio: 'inherit' });
  demo.once('exit', (code, signal) => {
    if (signal === null && code !== 0) console.log(`[dev] the demo exited (${code}); it starts again after the next change`);
  });
}

/** Stops the demo as Ctrl+C would (it closes its streams and store first) and waits until it exited. */
function stopDemo() {
  const child = demo;
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

// Compiles end one after another; a change during a rebuild waits for it, then triggers one more.
let rebuilding = Promise.resolve();
let pending = false;
function afterCompile() {
  if (pending) return;
  pending = true;
  rebuilding = rebuilding.then(async () => {
    pending = false;
    const built = (await step('scripts/build-package.mjs')) && (await step('scripts/build-client.mjs'));
    if (!built) {
      console.log('[dev] a bundle did not build; the demo keeps running as it was');
      return;
    }
    const restarting = demo !== undefined;
    await stopDemo();
    if (restarting) console.log('[dev] restarting the demo');
    startDemo();
  });
}

// The package's bundles first (what `npm run build:lib` makes): the demo imports `nasc/server` from them.
if (!((await step(TSC, ['-b', 'tsconfig.json'])) && (await step('scripts/build-package.mjs')))) process.exit(1);
const tsc = spawn(process.execPath, [TSC, '-b', '-w', '--preserveWatchOutput', 'demo'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
let output = '';
tsc.stdout.setEncoding('utf8');
tsc.stdout.on('data', (text) => {
  process.stdout.write(text);
  output += text;
  if (!COMPILED.test(output)) return;
  output = '';
  afterCompile();
});
tsc.once('exit', (code) => {
  console.log(`[dev] tsc stopped (${code})`);
  void stopDemo().then(() => process.exit(code ?? 1));
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    tsc.kill(signal);
    void stopDemo().then(() => process.exit(0));
  });
}
