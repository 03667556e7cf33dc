import { chromium, type Browser, type Page } from 'playwright-core';
import { benchId, type Transport } from './bench-session.js';
import type { BenchConfig } from './bench-config.js';
import { comparison, measureOrNaN, runOrder, type Comparison } from './comparison.js';
import type { BenchServer } from './server-process.js';
import { percentile } from './stats.js';

/** Debian's Chromium; override with CHROMIUM_PATH. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const READY_TIMEOUT_MS = 20_000;

/** Launches headless Chromium (it inherits this process's core). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * Click → DOM updated, in the page: clicks `#toggle` (a real `click` event through the page's own handler)
 * and times until a MutationObserver sees the text in `#out` change. `clicks` samples after `warmup`, with
 * `gapMs` between them; a click without an update within 5 s counts as −1.
 */
export async function measureClicks(browser: Browser, url: string, clicks: number, warmup: number, gapMs: number): Promise<number[]> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await openClickPage(page, url);
    return (await timeClicks(page, warmup + clicks, gapMs)).slice(warmup);
  } finally {
    await context.close();
  }
}

/** Loads the click page and waits until it shows its value, with fine-grained timers. */
export async function openClickPage(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => /^(true|false)$/.test(document.querySelector('#out')?.textContent?.trim() ?? ''), undefined, {
    timeout: READY_TIMEOUT_MS,
  });
  // Without isolation performance.now() moves in 100 µs steps, a tenth of the WS figures being compared.
  if (!(await page.evaluate(() => crossOriginIsolated))) throw new Error(`${url} is not cross-origin isolated: timings would be coarse`);
}

/** `total` clicks on an open click page, `gapMs` apart: each one's time until the DOM showed it (−1: never). */
export function timeClicks(page: Page, total: number, gapMs: number): Promise<number[]> {
  return page.evaluate(
    async ({ total, gap }) => {
      const button = document.getElementById('toggle')!;
      const out = document.getElementById('out')!;
      const durations: number[] = [];
      for (let i = 0; i < total; i++) {
        const before = out.textContent;
        const duration = await new Promise<number>((resolve) => {
          let started = 0;
          const observer = new MutationObserver(() => {
            if (out.textContent === before) return;
            clearTimeout(timer);
            observer.disconnect();
            resolve(performance.now() - started);
          });
          const timer = setTimeout(() => {
            observer.disconnect();
            resolve(-1);
          }, 5_000);
          observer.observe(out, { subtree: true, childList: true, characterData: true });
          started = performance.now();
          button.click();
        });
        durations.push(duration);
        await new Promise((resolve) => setTimeout(resolve, gap));
      }
      return durations;
    },
    { total, gap: gapMs },
  );
}

/**
 * Click → DOM in headless Chromium: Nasc's elements (`/nasc/nasc.js`) against the floor (the same page with
 * the hand-written client on the bare server), both transports, alternately, `runs` times.
 */
export async function runClickLatency(servers: { nasc: BenchServer; bare: BenchServer }, config: BenchConfig, log: (line: string) => void): Promise<Comparison[]> {
  const browser = await launchChromium();
  const results: Comparison[] = [];
  try {
    const cases = (['sse', 'ws'] as Transport[]).flatMap((transport) =>
      [50, 99].map((p) => ({ transport, p, result: comparison('Click → DOM (Chromium)', `${transport.toUpperCase()} p${p}`, 'ms', 2) })),
    );
    results.push(...cases.map(({ result }) => result));
    const failures = { nasc: 0, bare: 0 };
    for (let run = 0; run < config.runs; run++) {
      for (const transport of ['sse', 'ws'] as const) {
        for (const server of runOrder(run, servers.nasc, servers.bare)) {
          const url = `${server.origin}/?transport=${transport}&instance=${benchId('click')}`;
          let times: number[] = [];
          await measureOrNaN(`${server.kind} ${transport} clicks`, log, async () => {
            times = await measureClicks(browser, url, config.clicks.clicks, config.clicks.warmup, config.clicks.gapMs);
            return 0;
          });
          const valid = times.filter((time) => time >= 0);
          failures[server.kind] += times.length - valid.length;
          for (const { p, result } of cases.filter((c) => c.transport === transport)) {
            result[server.kind].push(valid.length ? percentile(valid, p) : Number.NaN);
          }
        }
        const p50 = cases.find((c) => c.transport === transport && c.p === 50)!.result;
        log(`clicks run ${run + 1} ${transport}: p50 nasc ${p50.nasc.at(-1)!.toFixed(2)} ms, floor ${p50.bare.at(-1)!.toFixed(2)} ms`);
      }
    }
    if (failures.nasc + failures.bare > 0) log(`clicks without a DOM update: nasc ${failures.nasc}, floor ${failures.bare}`);
  } finally {
    await browser.close();
  }
  return results;
}
