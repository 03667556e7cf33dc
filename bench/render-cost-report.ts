import type { Spread } from './stats.js';

/** What bench/render-cost.ts measures: µs per call of each case, and what follows from them, per run. */
export interface RenderCost {
  cases: { label: string; micros: Spread }[];
  /** µs one more todo costs: a rendered page for a request, the fill alone, a plain template fill. */
  perItem: { render: Spread; fill: Spread; plain: Spread };
  /** µs one more scope (a note card, its own instance) costs a rendered page for a request. */
  perScope: Spread;
  /** The demo page rendered for a request (3 todos) over reading its 4 instances from the store. */
  overStore: Spread;
  /** The same over a plain template fill of the same data. */
  overPlain: Spread;
}

/** Time to first meaningful content of one page, in ms from navigation start (see bench/first-paint.ts). */
export interface PaintTimes {
  /** The later of the two below: content cannot be seen before it is painted. */
  meaningful: Spread;
  /** When the real state was first in the DOM. */
  content: Spread;
  /** The first contentful paint. */
  paint: Spread;
}

/** The demo page rendered on the server and not, in one run. */
export interface FirstPaint {
  runs: number;
  rendered: PaintTimes;
  static: PaintTimes;
}

/** The target: rendering the demo page for a request costs at most this many reads of its state from the store. */
export const RENDER_OVER_STORE_LIMIT = 10;

const micros = (value: Spread): string => {
  const digits = Math.abs(value.median) < 10 ? 2 : 1;
  return value.min === value.max ? value.median.toFixed(digits) : `${value.median.toFixed(digits)} (${value.min.toFixed(digits)}–${value.max.toFixed(digits)})`;
};
const times = (value: Spread): string => `${value.median.toFixed(1)}× (${value.min.toFixed(1)}–${value.max.toFixed(1)})`;

/** The figures as docs/benchmarks.md shows them: one table, then per item, per scope and the ratios. */
export function renderCostText(cost: RenderCost): string {
  const lines = ['| case | µs per call, median (range) |', '|---|---:|'];
  for (const { label, micros: value } of cost.cases) lines.push(`| ${label} | ${micros(value)} |`);
  lines.push(
    '',
    '| per | rendered for a request | fill only | plain template fill |',
    '|---|---:|---:|---:|',
    `| list item (50 todos against 10), µs | ${micros(cost.perItem.render)} | ${micros(cost.perItem.fill)} | ${micros(cost.perItem.plain)} |`,
    `| scope (21 note cards against 1), µs | ${micros(cost.perScope)} | | |`,
    '',
    `The demo page (3 todos) rendered for a request costs ${times(cost.overStore)} reading its 4 instances from the store, ` +
      `and ${times(cost.overPlain)} a plain template fill of the same data (ratios per run).`,
  );
  return `${lines.join('\n')}\n`;
}

/** First-paint figures as docs/benchmarks.md shows them. */
export function firstPaintText(figures: FirstPaint): string {
  const ms = (value: Spread): string => `${value.median.toFixed(0)} (${value.min.toFixed(0)}–${value.max.toFixed(0)})`;
  const row = (name: string, times: PaintTimes): string => `| ${name} | ${ms(times.meaningful)} | ${ms(times.content)} | ${ms(times.paint)} |`;
  return [
    `${figures.runs} runs each, ms from navigation start, median (range):`,
    '',
    '| page | first meaningful content | real state in the DOM | first contentful paint |',
    '|---|---:|---:|---:|',
    row('rendered on the server (`nasc.render()`)', figures.rendered),
    row('static page, state from the stream', figures.static),
    '',
  ].join('\n');
}
