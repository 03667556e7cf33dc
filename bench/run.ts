/**
 * `npm run bench` (= `npm run build --silent && node dist/bench/run.js`): runs every benchmark, Nasc and the
 * bare baseline side by side, and writes docs/benchmarks.md.
 *
 *   --smoke            tiny counts, one run each, under a minute; writes dist/bench/benchmarks-smoke.md
 *   --only=a,b         only these sections: size, throughput, latency, clicks, tabs, fanout, idle, workloads,
 *                      render; writes
 *                      dist/bench/benchmarks-partial.md and its figures beside it (docs/ keeps the full run)
 *   --workloads=a,b    only these workloads of bench/workloads.ts (list-4, typing…) in the workloads section
 *   --out=path         where to write the report
 *   --profile=dir      run the Nasc servers under `node --cpu-prof`, write profiles to dir and print summaries
 *   --rerender         write the report again from the last (full, or with --smoke smoke) run's figures, e.g.
 *                      after editing bench/findings.md
 *
 * Servers are child processes on core 0; this process re-executes itself on core 1 (the load generator).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FULL, SMOKE } from './bench-config.js';
import { warmUp } from './warm-up.js';
import { runClickLatency } from './click-latency.js';
import { measureClientSize } from './client-size.js';
import { runFanOut } from './fan-out.js';
import { runIdle } from './idle-connections.js';
import { runLatency } from './latency.js';
import { canPin, describeMachine, type Machine } from './machine.js';
import { formatProfileSummary } from './profile-summary.js';
import { runFirstPaint, runRenderCost } from './render-cost-process.js';
import { renderReport } from './report.js';
import { LOAD_CORE, startServer, type BenchServer, type StartOptions } from './server-process.js';
import { checkTargets, type BenchFigures } from './targets.js';
import { runSharedTabClicks } from './shared-tab-clicks.js';
import { runThroughput } from './throughput.js';
import { checkWorkloadTargets } from './workload-targets.js';
import { WORKLOAD_NAMES, type WorkloadName } from './workloads.js';
import { runWorkloads } from './workloads-section.js';

const SECTIONS = ['size', 'throughput', 'latency', 'clicks', 'tabs', 'fanout', 'idle', 'workloads', 'render'] as const;
type Section = (typeof SECTIONS)[number];
/** A hard stop, whatever happens: the full run takes about 20 minutes on two quiet cores, up to twice that on a busy machine. */
const HARD_LIMIT_MS = 60 * 60_000;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The last run's figures (full, or `--smoke`), kept so the report can be written again with `--rerender`. */
const lastRunFile = (smoke: boolean): string => join(ROOT, smoke ? 'dist/bench/last-run-smoke.json' : 'dist/bench/last-run.json');

/** What dist/bench/last-run.json holds. */
interface SavedRun {
  machine: Machine;
  mode: 'full' | 'smoke';
  runs: number;
  idleRuns: number;
  warmUpMs?: number;
  startedAt: string;
  minutes: number;
  command: string;
  figures: BenchFigures;
  failures: string[];
}

const args = process.argv.slice(2);
const option = (name: string): string | undefined => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);

if (canPin() && process.env.NASC_BENCH_PINNED !== '1') {
  // Re-run this script on the load generator's core; every process it spawns inherits that core.
  const child = spawn('taskset', ['-c', String(LOAD_CORE), process.execPath, fileURLToPath(import.meta.url), ...args], {
    stdio: 'inherit',
    env: { ...process.env, NASC_BENCH_PINNED: '1' },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  await main();
}

/** Writes the report again from dist/bench/last-run.json (same figures, current bench/findings.md). */
function rerender(): void {
  const file = lastRunFile(args.includes('--smoke'));
  const saved = JSON.parse(readFileSync(file, 'utf8')) as SavedRun;
  const out = resolve(option('out') ?? (saved.mode === 'smoke' ? join(ROOT, 'dist/bench/benchmarks-smoke.md') : join(ROOT, 'docs/benchmarks.md')));
  const checks = checkTargets(saved.figures);
  writeFileSync(out, renderReport({ ...saved, startedAt: new Date(saved.startedAt), checks }));
  console.log(`wrote ${out} from ${file}`);
}

async function main(): Promise<void> {
  if (args.includes('--rerender')) {
    rerender();
    return;
  }
  const smoke = args.includes('--smoke');
  const config = smoke ? SMOKE : FULL;
  const only = option('only')?.split(',') as Section[] | undefined;
  const wanted = (section: Section) => !only || only.includes(section);
  // Only a complete full run replaces docs/benchmarks.md.
  const defaultOut = smoke ? 'dist/bench/benchmarks-smoke.md' : only ? 'dist/bench/benchmarks-partial.md' : 'docs/benchmarks.md';
  const out = resolve(option('out') ?? join(ROOT, defaultOut));
  const profileDir = option('profile') ? resolve(option('profile')!) : undefined;
  const pinned = process.env.NASC_BENCH_PINNED === '1';
  const machine = describeMachine(pinned);
  const startedAt = new Date();
  const failures: string[] = [];
  const log = (line: string): void => {
    const seconds = ((Date.now() - startedAt.getTime()) / 1000).toFixed(0).padStart(4);
    console.log(`[${seconds} s] ${line}`);
    if (line.startsWith('FAILED')) failures.push(line);
  };
  setTimeout(() => {
    console.error(`bench: still running after ${HARD_LIMIT_MS / 60_000} minutes; giving up`);
    process.exit(2);
  }, HARD_LIMIT_MS).unref();

  log(`${config.mode} run on ${machine.cpu} × ${machine.cores}, Node ${machine.node}, load ${loadavg().map((v) => v.toFixed(2)).join(' ')}${pinned ? '' : ' (not pinned)'}`);
  const startOptions = (section: string): StartOptions => {
    const options: StartOptions = { pin: pinned };
    if (profileDir) {
      options.cpuProfileDir = join(profileDir, section);
      mkdirSync(options.cpuProfileDir, { recursive: true });
    }
    return options;
  };
  /** Fresh Nasc and bare servers for one section, warmed up, stopped after it. */
  const withServers = async <T>(section: Section, body: (servers: { nasc: BenchServer; bare: BenchServer }) => Promise<T>): Promise<T> => {
    const [nasc, bare] = await Promise.all([startServer('nasc', startOptions(section)), startServer('bare', { pin: pinned })]);
    try {
      for (const server of [nasc, bare]) await warmUp(server, config);
      return await body({ nasc, bare });
    } finally {
      await Promise.all([nasc.stop(), bare.stop()]);
    }
  };

  const figures: BenchFigures = { throughput: [], serverCpu: [], clientLoad: [], latency: [], clicks: [], idleMemory: [], idleFailures: [], fanOut: [] };
  if (wanted('size')) {
    figures.clientSize = await withServers('size', (servers) => measureClientSize(servers.nasc.origin));
    log(`client: ${figures.clientSize.minified} B minified, ${figures.clientSize.gzip} B gzip -9`);
  }
  if (wanted('throughput')) {
    const throughput = await withServers('throughput', (servers) => runThroughput(servers, config, log));
    figures.throughput = throughput.rate;
    figures.serverCpu = throughput.serverCpu;
    figures.clientLoad = throughput.clientLoad;
  }
  if (wanted('latency')) figures.latency = await withServers('latency', (servers) => runLatency(servers, config, log));
  if (wanted('clicks')) figures.clicks = await withServers('clicks', (servers) => runClickLatency(servers, config, log));
  if (wanted('tabs')) figures.sharedTabs = await withServers('tabs', (servers) => runSharedTabClicks(servers.nasc, config, log));
  if (wanted('fanout')) figures.fanOut = await withServers('fanout', (servers) => runFanOut(servers, config, log));
  if (wanted('idle')) {
    const idle = await runIdle(config, startOptions('idle'), log);
    figures.idleMemory = idle.memory;
    figures.idleFailures = idle.failures;
  }
  if (wanted('workloads')) {
    const names = (option('workloads')?.split(',') ?? WORKLOAD_NAMES).filter((name): name is WorkloadName => (WORKLOAD_NAMES as readonly string[]).includes(name));
    figures.workloads = await runWorkloads(config, names, startOptions, log);
  }

  if (wanted('render')) {
    figures.render = await runRenderCost(config.render);
    log(`render: demo page ${figures.render.overStore.median.toFixed(1)}× reading its state from the store`);
    figures.firstPaint = await runFirstPaint(config.render);
    const { rendered, static: unrendered } = figures.firstPaint;
    log(`first meaningful content: ${rendered.meaningful.median.toFixed(0)} ms rendered, ${unrendered.meaningful.median.toFixed(0)} ms static`);
  }

  machine.loadAfter = loadavg();
  const checks = checkTargets(figures);
  const minutes = (Date.now() - startedAt.getTime()) / 60_000;
  const flags = [smoke ? '--smoke' : '', only ? `--only=${only.join(',')}` : ''].filter(Boolean).join(' ');
  const command = flags ? `npm run bench -- ${flags}` : 'npm run bench';
  const report = renderReport({ machine, command, mode: config.mode, startedAt, minutes, runs: config.runs, idleRuns: config.idle.runs, warmUpMs: config.warmUpMs, figures, checks, failures });
  mkdirSync(resolve(out, '..'), { recursive: true });
  writeFileSync(out, report);
  // The raw per-run figures, for anyone who wants more than the report shows (and for --rerender). A run of
  // some sections only keeps them beside its report: --rerender rebuilds the docs from a complete run.
  const saved: SavedRun = { machine, mode: config.mode, runs: config.runs, idleRuns: config.idle.runs, warmUpMs: config.warmUpMs, startedAt: startedAt.toISOString(), minutes, command, figures, failures };
  writeFileSync(only ? `${out.replace(/\.md$/, '')}.json` : lastRunFile(smoke), `${JSON.stringify(saved, null, 1)}\n`);
  console.log('');
  for (const check of checks) console.log(`${check.met ? 'met   ' : 'MISSED'}  ${check.target}: ${check.figure}`);
  const workloadChecks = checkWorkloadTargets(figures.workloads);
  if (workloadChecks.length > 0) {
    const missed = workloadChecks.filter((check) => !check.met);
    console.log(`\nworkload targets (section 7): ${workloadChecks.length - missed.length} of ${workloadChecks.length} met`);
    for (const check of missed) console.log(`MISSED  ${check.target}: ${check.figure}`);
  }
  console.log(`\nwrote ${out} (${minutes.toFixed(1)} minutes)`);
  if (profileDir) {
    for (const section of readdirSync(profileDir)) {
      for (const file of readdirSync(join(profileDir, section)).filter((name) => name.endsWith('.cpuprofile'))) {
        console.log(`\n${formatProfileSummary(join(profileDir, section, file))}`);
      }
    }
  }
  // Sockets of closed clients may linger; the work is done. A measurement that failed (not a missed target)
  // fails the run, so CI's smoke run catches a harness that no longer works.
  if (failures.length > 0) console.error(`\n${failures.length} measurement(s) failed:\n${failures.join('\n')}`);
  process.exit(failures.length > 0 ? 1 : 0);
}
