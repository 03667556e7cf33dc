import { summarize, type Comparison } from './comparison.js';
import type { Spread } from './stats.js';
import { checkWorkloadTargets, WORKLOAD_ROUND_TRIP_MAX, WORKLOAD_THROUGHPUT_MIN } from './workload-targets.js';
import { WORKLOADS } from './workloads.js';
import type { WorkloadFigures, WorkloadResult } from './workloads-section.js';

/** What each workload's state is and what its event does, for the table that introduces them. */
const SHAPES: Record<string, string> = {
  toggle: '`{ on }`; `toggle` flips it (the floor: the other sections\' workload)',
  'list-4': '`{ items: [4 todos], remaining }`, the demo\'s `TodoList`; `toggle_todo` maps `items` to a new array (the demo\'s handler), so `items` and `remaining` are patched',
  'list-50': 'the same with 50 todos (the demo\'s `MAX_TODOS`)',
  'keyed-4': '`{ remaining, <id>: todo, … }`: each todo a top-level property; `toggle_todo` patches that todo and `remaining`',
  'keyed-50': 'the same with 50 todos',
  typing: '`{ text, edits }`, the demo\'s `SharedNote`; `edit_note` carries the whole text typed so far (1–289 characters, one more each event), as `na-input` sends it',
  form: 'a sign-up form, objects 2–4 levels deep under `profile`, `billing`, `shipping`; `set_field` sets one leaf (8 leaves in turn), so its top-level object is patched',
};

const format = (value: number, digits: number): string =>
  Number.isFinite(value) ? value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'failed';

function ratioText(ratio: Spread): string {
  return ratio.runs === 0 ? 'failed' : `${ratio.median.toFixed(2)} (${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)})`;
}

const medians = (entry: Comparison): { nasc: number; bare: number } => {
  const summary = summarize(entry);
  return { nasc: summary.nasc.median, bare: summary.bare.median };
};

/** One workload's table: every case, bare and both wirings, the ratios, CPU per event and the load generator. */
function workloadTable(result: WorkloadResult, met: (label: string) => string): string[] {
  const lines = [
    `#### ${result.label}`,
    '',
    '| case | bare | Nasc, attach | ratio | Nasc, Hono routes | ratio | µs CPU per event: bare / attach / routes | load generator: bare / attach / routes | target met: attach / routes |',
    '|---|---:|---:|---:|---:|---:|---:|---:|:---:|',
  ];
  for (const entry of result.cases) {
    const digits = entry.kind === 'throughput' ? 0 : 3;
    const attach = medians(entry.figure.attach);
    const route = medians(entry.figure.route);
    const cpuAttach = medians(entry.cpu.attach);
    const cpuRoute = medians(entry.cpu.route);
    const load = entry.clientLoad
      ? `${format(medians(entry.clientLoad.attach).bare, 2)} / ${format(medians(entry.clientLoad.attach).nasc, 2)} / ${format(medians(entry.clientLoad.route).nasc, 2)}`
      : '';
    const unit = entry.kind === 'throughput' ? '/s' : ' ms';
    const name = entry.kind === 'throughput' ? entry.label : `round trip ${entry.label}`;
    lines.push(
      `| ${name} | ${format(attach.bare, digits)}${unit} | ${format(attach.nasc, digits)}${unit} | ${ratioText(summarize(entry.figure.attach).ratio)} | ` +
        `${format(route.nasc, digits)}${unit} | ${ratioText(summarize(entry.figure.route).ratio)} | ` +
        `${format(cpuAttach.bare, 1)} / ${format(cpuAttach.nasc, 1)} / ${format(cpuRoute.nasc, 1)} | ${load} | ` +
        `${met(entry.figure.attach.label + result.label)} / ${met(entry.figure.route.label + result.label)} |`,
    );
  }
  lines.push('');
  return lines;
}

/** Section 7 of docs/benchmarks.md: the workloads, their targets (a table of their own) and every figure. */
export function renderWorkloads(figures: WorkloadFigures | undefined): string[] {
  const lines = ['## 7. App-like workloads', ''];
  if (!figures || figures.results.length === 0) return [...lines, '_not run_', ''];
  lines.push(
    'The sections above drive one `Toggle` (one boolean). Here each workload below runs against the same bare ' +
      'server, which holds the same state and changes it in place (`applyInPlace` in `bench/workload-*.ts`) and ' +
      'sends the same props with the same values (one `JSON.stringify` of its patch array), so a ratio measures ' +
      "Nasc's overhead on that state. Nasc runs the workload as an app's handler, which returns new objects for " +
      'what it changes and is declared with `immutableState` (finding 44), the server in production (`NODE_ENV`). ' +
      'Every case is measured against ' +
      'Nasc wired with `nasc.attach(server)` (WebSockets, event POSTs and SSE streams taken from Node) and with ' +
      'its Hono routes only (`NASC_BENCH_WS=route`: `serve({ websocket })`, no `attach`), the bare server measured ' +
      `between the two, alternately, ${figures.runs} runs. Throughput is measured as in section 1–2. A round trip ` +
      `here is what a user meets: events ${figures.gapMs} ms apart (a person clicks or types with pauses; back to ` +
      'back, everything stays hot in the caches), and the client parses each message and looks for its ack among ' +
      'the patches, as a page does (finding 40). Server CPU per event is the server process\'s `process.cpuUsage()` ' +
      'over the window (throughput) or over the recorded events (round trip), divided by the events. A Hono route ' +
      'alone, answering a fixed 202, reaches about 0.7× the rate of `node:http` at concurrency 1 and 8 (finding 46): ' +
      'the Hono-route wiring cannot meet the SSE throughput line there.',
    '',
    '| workload | state and event | patch message, bytes: Nasc / bare |',
    '|---|---|---:|',
  );
  for (const result of figures.results) {
    const bytes = medians(result.messageBytes);
    lines.push(`| ${result.label} (\`${result.name}\`) | ${SHAPES[result.name] ?? WORKLOADS[result.name].label} | ${format(bytes.nasc, 0)} / ${format(bytes.bare, 0)} |`);
  }
  lines.push('');
  const checks = checkWorkloadTargets(figures);
  lines.push(
    '### Workload targets',
    '',
    `Separate from the 17 targets above, and judged the same way (median of the per-run ratios): throughput ≥ ${WORKLOAD_THROUGHPUT_MIN}× ` +
      `bare at every concurrency, both transports, both wirings (12 per workload), and round trip p50 ≤ ${WORKLOAD_ROUND_TRIP_MAX}× bare over ` +
      'SSE and WS, both wirings (4 per workload).',
    '',
    '| workload | met | furthest from its line |',
    '|---|---:|---|',
  );
  for (const result of figures.results) {
    const own = checks.filter((check) => check.workload === result.label);
    const missed = own.filter((check) => !check.met);
    const distance = (check: (typeof own)[number]): number =>
      check.case.kind === 'throughput' ? WORKLOAD_THROUGHPUT_MIN / check.ratio : check.ratio / WORKLOAD_ROUND_TRIP_MAX;
    const worst = [...own].sort((a, b) => distance(b) - distance(a))[0];
    const where = worst ? `${worst.case.kind === 'round trip' ? 'round trip ' : ''}${worst.case.figure[worst.wiring].label}: ${worst.figure}` : '';
    lines.push(`| ${result.label} | ${own.length - missed.length} of ${own.length} | ${where} |`);
  }
  const reopened = figures.results.flatMap((result) =>
    result.cases.flatMap((entry) =>
      (['attach', 'route'] as const)
        .map((wiring) => ({ wiring, per: entry.reopened ? medians(entry.reopened[wiring]).nasc : 0 }))
        .filter(({ per }) => per > 0)
        .map(({ wiring, per }) => `${result.label}, ${entry.label} (${wiring === 'attach' ? 'attach' : 'Hono routes'}): ${format(per, 1)}`),
    ),
  );
  if (reopened.length > 0) {
    lines.push(
      '',
      'POST sockets Nasc closed with a `202` (`Connection: close`, finding 39), per 1,000 events, median of the runs; the load ' +
        'generator opens a new one for the next event, as a browser does: ' + reopened.join('; ') + '.',
    );
  }
  lines.push('', '### Every case', '');
  const byKey = new Map(checks.map((check) => [check.case.figure[check.wiring].label + check.workload, check.met]));
  const met = (key: string): string => (byKey.get(key) === undefined ? '' : byKey.get(key) ? 'yes' : '**no**');
  for (const result of figures.results) lines.push(...workloadTable(result, met));
  return lines;
}
