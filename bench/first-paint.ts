/**
 * Time to first meaningful content of the demo page, rendered on the server and not, in one run:
 * `node dist/bench/first-paint.js [--runs=10]`. Two demo servers in this process (memory store), one with
 * `nasc.render()` on `/` and one serving the static page; headless Chromium opens each `--runs` times, in
 * turn, in a fresh context (no cache, no session), over SSE. "Meaningful": the profile shows its real name,
 * the todo list its items and the note its text. In the page, from navigation start: when that first holds
 * (a mutation observer and every animation frame look), the first contentful paint, and the later of the two
 * (content cannot be seen before it is painted). Prints a Markdown table: median and range (`--json`: the
 * figures, for `npm run bench`'s `render` section).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createDemoApp } from '../demo/create-demo-app.js';
import { launchChromium } from './click-latency.js';
import { createConsoleLogger, LogLevel, MemoryStore } from '../server/index.js';
import { firstPaintText, type FirstPaint, type PaintTimes } from './render-cost-report.js';
import { spread } from './stats.js';

const args = process.argv.slice(2);
const RUNS = Number(args.find((arg) => arg.startsWith('--runs='))?.slice(7) ?? '10');

/** Installed before the page's own code: records when the page first shows its real state. */
const OBSERVE = `(() => {
  const shown = () => document.querySelector('#profile-title na-bind')?.textContent === 'Ada Lovelace'
    && document.querySelectorAll('.todo-items > .todo').length === 3
    && document.getElementById('note-text')?.value === 'Type here, and watch the other window.';
  const look = () => { if (window.__meaningful === undefined && shown()) window.__meaningful = performance.now(); };
  new MutationObserver(look).observe(document, { childList: true, subtree: true, characterData: true, attributes: true });
  const frame = () => { look(); if (window.__meaningful === undefined) requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
})();`;

interface Sample {
  content: number;
  paint: number;
  meaningful: number;
}

async function start(render: boolean): Promise<{ url: string; close(): Promise<void> }> {
  const demo = createDemoApp({ store: new MemoryStore(), render, logger: createConsoleLogger(LogLevel.Silent) });
  const server = await new Promise<Server>((resolve) => {
    const listening = serve({ fetch: demo.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(listening as Server));
  });
  demo.nasc.attach(server);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      await demo.close();
      server.closeAllConnections();
      server.close();
    },
  };
}

const browser = await launchChromium();
const servers = { rendered: await start(true), static: await start(false) };
const samples: Record<keyof typeof servers, Sample[]> = { rendered: [], static: [] };

async function sample(url: string): Promise<Sample> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(OBSERVE);
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { __meaningful?: number }).__meaningful !== undefined, null, { timeout: 30_000 });
  await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0, null, { timeout: 30_000 });
  const [content, paint] = await page.evaluate(() => [(window as unknown as { __meaningful: number }).__meaningful, performance.getEntriesByName('first-contentful-paint')[0]!.startTime]);
  await context.close();
  return { content: content!, paint: paint!, meaningful: Math.max(content!, paint!) };
}

// A first visit of each warms the servers and the browser up; it is not counted.
await sample(servers.rendered.url);
await sample(servers.static.url);
for (let run = 0; run < RUNS; run++) {
  samples.rendered.push(await sample(servers.rendered.url));
  samples.static.push(await sample(servers.static.url));
}

const summary = (list: Sample[]): PaintTimes => ({
  meaningful: spread(list.map((s) => s.meaningful)),
  content: spread(list.map((s) => s.content)),
  paint: spread(list.map((s) => s.paint)),
});
const figures: FirstPaint = { runs: RUNS, rendered: summary(samples.rendered), static: summary(samples.static) };
if (args.includes('--json')) console.log(JSON.stringify(figures));
else console.log(firstPaintText(figures));
await browser.close();
await servers.rendered.close();
await servers.static.close();
