/**
 * What rendering a page with its state costs on the server: `node dist/bench/render-cost.js [--runs=5]
 * [--ms=400] [--json]`. The demo's own app (its handlers, `resolveInstance`, `authorize`) on a SQLite store in memory,
 * its page (demo/public/index.html), one session. For each case, the time per call over `--ms` of calls after
 * a warm-up (the cases of one page size taking turns in 10 ms slices), median and range of `--runs` runs, all in
 * this one process:
 *
 * - reading the demo's four instances from the store (`store.load`), and as a render reads them
 *   (`engine.read`: resolveInstance, authorize, the store, in the instance's queue);
 * - rendering the demo page for a request (`RenderEndpoint.render`: the session cookie, the reads, the fill,
 *   the stamps and the no-JavaScript form addresses), and the fill alone (`PageTemplate.render`). The page is
 *   the same string every call; a response's HTML is a new one each time, which finding its compiled page
 *   compares in full (a few µs for the demo page, see server/endpoints/compiled-pages.ts);
 * - a plain template fill of the same data (bench/plain-page.ts), the same page without what Nasc adds;
 * - per list item: the page with 50 todos against 10, per 40 items; per scope: a page of 21 note cards
 *   (21 instances) against 1, per 20 scopes, rendered for a request.
 *
 * Prints the Markdown that docs/benchmarks.md shows (`--json`: the figures, for `npm run bench`, which runs
 * this in a process of its own as its `render` section).
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { DEFAULT_PUBLIC_DIR, createDemoApp } from '../demo/create-demo-app.js';
import type { Todo } from '../demo/handlers/todo-list.js';
import { resolveDemoInstance } from '../demo/profile-access.js';
import { RenderEndpoint, type PageRequest } from '../server/endpoints/render-endpoint.js';
import { PageTemplate } from '../server/render/page-template.js';
import type { RenderedInstance } from '../server/render/render-context.js';
import type { JsonObject } from '../protocol/index.js';
import { SessionCodec } from '../server/security/session-codec.js';
import { sessionCookieSettings } from '../server/security/session-cookie.js';
import { SqliteStore, LogLevel, createConsoleLogger } from '../server/index.js';
import { plainDemoPage, type DemoState } from './plain-page.js';
import { renderCostText, type RenderCost } from './render-cost-report.js';
import { spread, type Spread } from './stats.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const RUNS = Number(option('runs', '5'));
const MS = Number(option('ms', '400'));

const SECRET = 'render-cost-bench-secret-0123456789abcdef';
const page = readFileSync(`${DEFAULT_PUBLIC_DIR}index.html`, 'utf8');
const store = new SqliteStore({ path: ':memory:' });
const demo = createDemoApp({ store, watchPresence: false, logger: createConsoleLogger(LogLevel.Silent) });
const engine = demo.nasc.engine;
const codec = new SessionCodec(Buffer.from(SECRET));
const sessions = { codec, cookie: sessionCookieSettings() };
const pages = new RenderEndpoint(engine, { sessions, base: '/nasc' });
const { id: session, token } = codec.issue();
const request: PageRequest = { header: (name) => (name === 'cookie' ? `nasc_session=${token}` : undefined), ownOrigin: () => 'http://localhost:3000', path: '/' };
const caller = { session, clientId: '' };
const demoScopes = PageTemplate.compile(page).scopes;

function todos(count: number): Todo[] {
  return Array.from({ length: count }, (_unused, i) => ({ id: randomUUID(), title: `Todo number ${i} <with "markup">`, completed: i % 3 === 0 }));
}

/** Sets the demo's instances to a known state with `count` todos (creating them as a first render would). */
async function seed(count: number): Promise<DemoState> {
  await pages.render(request, page);
  const items = todos(count);
  for (const { type, instance } of demoScopes) {
    const record = (await store.load(type, resolveDemoInstance({ session, type, instance })))!;
    const state = type === 'TodoList' ? ({ items, remaining: items.filter((todo) => !todo.completed).length } as unknown as JsonObject) : record.state;
    await store.commit(type, resolveDemoInstance({ session, type, instance }), { state, rev: record.rev + 1, expectedRev: record.rev });
  }
  return {
    user: await stateOf<DemoState['user']>('User', 'currentUser'),
    todos: await stateOf<DemoState['todos']>('TodoList', 'my-list'),
    online: (await stateOf<{ online: number }>('Presence', 'server')).online,
    note: await stateOf<DemoState['note']>('SharedNote', 'lobby'),
  };
}

/** An instance's state as a render reads it. */
async function stateOf<T>(type: string, instance: string): Promise<T> {
  const read = await engine.read(caller, type, instance);
  if (!read.ok) throw new Error(`${type}/${instance}: ${read.message}`);
  return read.state as unknown as T;
}

/** Calls `work` (which may be async) for about `ms`; returns the calls made and the ms they took. */
async function batch(work: () => unknown, ms: number): Promise<[calls: number, took: number]> {
  let calls = 0;
  const started = performance.now();
  let now = started;
  while (now - started < ms) {
    for (let i = 0; i < 10; i++) {
      const result = work();
      if (result instanceof Promise) await result;
    }
    calls += 10;
    now = performance.now();
  }
  return [calls, now - started];
}

/** The slice of time each case gets in turn within a run. */
const SLICE_MS = 10;

/**
 * Per case, µs per call in each run, over `MS` of calls per case after a warm-up. Within a run the cases take
 * turns in slices of {@link SLICE_MS}, so each sees the same share of whatever else the machine runs, and a
 * ratio per run compares cases measured side by side.
 */
async function measure(cases: Record<string, () => unknown>): Promise<Record<string, number[]>> {
  const entries = Object.entries(cases);
  for (const [, work] of entries) await batch(work, MS / 4);
  const samples: Record<string, number[]> = Object.fromEntries(entries.map(([name]) => [name, []]));
  for (let run = 0; run < RUNS; run++) {
    const totals = entries.map(() => [0, 0]);
    for (let slice = 0; slice < MS / SLICE_MS; slice++) {
      for (const [index, [, work]] of entries.entries()) {
        const [calls, took] = await batch(work, SLICE_MS);
        totals[index]![0]! += calls;
        totals[index]![1]! += took;
      }
    }
    entries.forEach(([name], index) => samples[name]!.push((totals[index]![1]! * 1000) / totals[index]![0]!));
  }
  return samples;
}

const fill = (template: PageTemplate, reads: Map<string, RenderedInstance>) => () =>
  template.render({
    instance: (type, instance) => reads.get(`${type}\u0000${instance}`),
    forms: { action: () => '/nasc/form?type=T&instance=i&event=e&eventId=00000000-0000-0000-0000-000000000000.1&return=%2F', button: () => '{"type":"T"}', hidden: '/nasc/form?return=%2F' },
  });

async function readsOf(template: PageTemplate): Promise<Map<string, RenderedInstance>> {
  const reads = new Map<string, RenderedInstance>();
  for (const { type, instance } of template.scopes) {
    const read = await engine.read(caller, type, instance);
    if (read.ok) reads.set(`${type}\u0000${instance}`, read);
  }
  return reads;
}

const template = PageTemplate.compile(page);
const plain = plainDemoPage(page);
const noteCard = (i: number) => `<section class="card"><na-scope type="SharedNote" instance="bench-${i}"><label for="n${i}">Note</label><na-bind prop="text"><textarea id="n${i}" name="text" na-input="edit_note"></textarea></na-bind><p><na-bind prop="edits">0</na-bind> edits. <na-bind prop="$error"></na-bind></p></na-scope></section>`;
const cards = (count: number) => `<!doctype html><html><body>${Array.from({ length: count }, (_unused, i) => noteCard(i)).join('\n')}</body></html>`;

const samples: Record<string, number[]> = {};
for (const count of [3, 10, 50]) {
  const state = await seed(count);
  const reads = await readsOf(template);
  const refs = demoScopes.map(({ type, instance }) => [type, resolveDemoInstance({ session, type, instance })] as const);
  Object.assign(
    samples,
    await measure({
      [`store.load, the 4 instances (${count} todos)`]: () => {
        for (const [type, instance] of refs) store.load(type, instance);
      },
      [`engine.read, the 4 instances (${count} todos)`]: () => Promise.all(demoScopes.map(({ type, instance }) => engine.read(caller, type, instance))),
      [`render the demo page for a request (${count} todos)`]: () => pages.render(request, page),
      [`fill only: PageTemplate.render (${count} todos)`]: fill(template, reads),
      [`plain template fill, same data (${count} todos)`]: () => plain(state),
    }),
  );
}
const one = cards(1);
const many = cards(21);
await pages.render(request, one);
await pages.render(request, many);
Object.assign(samples, await measure({ 'render 1 note card (1 scope)': () => pages.render(request, one), 'render 21 note cards (21 scopes)': () => pages.render(request, many) }));

/** Per run, `(high - low) / per`: what one more item (or scope) costs. */
const slope = (high: string, low: string, per: number): Spread => spread(samples[high]!.map((value, run) => (value - samples[low]![run]!) / per));
/** Per run, `over / under`. */
const ratio = (over: string, under: string): Spread => spread(samples[over]!.map((value, run) => value / samples[under]![run]!));
const figures: RenderCost = {
  cases: Object.entries(samples).map(([label, values]) => ({ label, micros: spread(values) })),
  perItem: {
    render: slope('render the demo page for a request (50 todos)', 'render the demo page for a request (10 todos)', 40),
    fill: slope('fill only: PageTemplate.render (50 todos)', 'fill only: PageTemplate.render (10 todos)', 40),
    plain: slope('plain template fill, same data (50 todos)', 'plain template fill, same data (10 todos)', 40),
  },
  perScope: slope('render 21 note cards (21 scopes)', 'render 1 note card (1 scope)', 20),
  overStore: ratio('render the demo page for a request (3 todos)', 'store.load, the 4 instances (3 todos)'),
  overPlain: ratio('render the demo page for a request (3 todos)', 'plain template fill, same data (3 todos)'),
};
await demo.close();
if (args.includes('--json')) console.log(JSON.stringify(figures));
else console.log(renderCostText(figures));
