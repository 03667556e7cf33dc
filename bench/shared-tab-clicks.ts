import type { Page } from 'playwright-core';
import { benchId, type Transport } from './bench-session.js';
import type { BenchConfig } from './bench-config.js';
import { launchChromium, openClickPage, timeClicks } from './click-latency.js';
import { comparison, measureOrNaN, runOrder, type Comparison } from './comparison.js';
import type { BenchServer } from './server-process.js';
import { percentile } from './stats.js';

/** The section's name in the report and in the targets. */
export const SHARED_TAB_SECTION = 'Click → DOM, shared tab / holding tab (Chromium)';
/** The shared tab's extra time against the hops between the tabs it takes, in the same runs. */
export const SHARED_TAB_HOP_SECTION = 'Shared tab: extra time / hops between the tabs (Chromium)';

/** Hops between tabs on a shared tab's click: over SSE the patch is relayed; over WS the event too. */
const HOPS: Record<Transport, number> = { sse: 1, ws: 2 };
const HOP_SAMPLES = 60;

/**
 * One message between two tabs of the browser, one way: half the p50 round trip of a `BroadcastChannel`
 * ping from `from` answered by `to` (the channel the tabs share a connection over; its own name here).
 */
async function hopBetween(from: Page, to: Page): Promise<number> {
  const name = `nasc-bench-hop-${benchId('hop')}`;
  await to.evaluate((name) => {
    const channel = new BroadcastChannel(name);
    channel.onmessage = ({ data }) => channel.postMessage(data);
  }, name);
  return from.evaluate(
    async ({ name, samples }) => {
      const channel = new BroadcastChannel(name);
      const times: number[] = [];
      for (let i = 0; i < samples; i++) {
        const started = performance.now();
        await new Promise((resolve) => {
          channel.onmessage = resolve;
          channel.postMessage({ t: 'message', text: `[{"action":"ack","eventId":"hop-${i}"}]` });
        });
        times.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      channel.close();
      times.sort((a, b) => a - b);
      return times[Math.floor(times.length / 2)]! / 2;
    },
    { name, samples: HOP_SAMPLES },
  );
}

type Role = 'holding' | 'shared';

/** Whether the page's connection is live and its own (`holding`) or another tab's (`shared`). */
async function roleOf(page: Page): Promise<Role | 'not live'> {
  return page.evaluate(async () => {
    const { getPageConnection } = (await import('/nasc/nasc.js' as string)) as typeof import('../elements/index.js');
    const connection = getPageConnection();
    if (connection.state !== 'live') return 'not live';
    return connection.shared ? 'shared' : 'holding';
  });
}

/**
 * Click → DOM in a tab that uses another tab's connection, against the tab holding it: two tabs of the click
 * page in one browser context (each showing an instance of its own), the first opened holds the stream and
 * the second shares it. Both are measured in the same run, one after the other (the shared tab first in even
 * runs), `runs` times, both transports. In the figures, `nasc` is the shared tab and `bare` the holding one,
 * so the ratio is shared / holding.
 */
export async function runSharedTabClicks(nasc: BenchServer, config: BenchConfig, log: (line: string) => void): Promise<Comparison[]> {
  const browser = await launchChromium();
  const cases = (['sse', 'ws'] as Transport[]).flatMap((transport) =>
    [50, 99].map((p) => ({ transport, p, result: comparison(SHARED_TAB_SECTION, `${transport.toUpperCase()} p${p}`, 'ms', 2) })),
  );
  const hops = Object.fromEntries(
    (['sse', 'ws'] as Transport[]).map((transport) => [
      transport,
      comparison(SHARED_TAB_HOP_SECTION, `${transport.toUpperCase()}: p50 shared − p50 holding / ${HOPS[transport]} hop${HOPS[transport] > 1 ? 's' : ''}`, 'ms', 2),
    ]),
  ) as Record<Transport, Comparison>;
  const { clicks, warmup, gapMs } = config.clicks;
  try {
    for (let run = 0; run < config.runs; run++) {
      for (const transport of ['sse', 'ws'] as const) {
        const context = await browser.newContext();
        const times: Record<Role, number[]> = { holding: [], shared: [] };
        let hop = Number.NaN;
        try {
          await measureOrNaN(`${transport} shared-tab clicks`, log, async () => {
            const holding = await context.newPage();
            await openClickPage(holding, `${nasc.origin}/?transport=${transport}&instance=${benchId('holding')}`);
            const shared = await context.newPage();
            await openClickPage(shared, `${nasc.origin}/?transport=${transport}&instance=${benchId('shared')}`);
            const roles = [await roleOf(holding), await roleOf(shared)];
            if (roles[0] !== 'holding' || roles[1] !== 'shared') throw new Error(`the tabs are ${roles.join(' and ')}, not holding and shared`);
            for (const [role, page] of runOrder(run, ['shared', shared] as const, ['holding', holding] as const)) {
              times[role] = (await timeClicks(page, warmup + clicks, gapMs)).slice(warmup).filter((time) => time >= 0);
            }
            hop = await hopBetween(holding, shared);
            return 0;
          });
        } finally {
          await context.close();
        }
        for (const { p, result } of cases.filter((c) => c.transport === transport)) {
          result.nasc.push(times.shared.length ? percentile(times.shared, p) : Number.NaN);
          result.bare.push(times.holding.length ? percentile(times.holding, p) : Number.NaN);
        }
        const p50 = cases.find((c) => c.transport === transport && c.p === 50)!.result;
        hops[transport].nasc.push(p50.nasc.at(-1)! - p50.bare.at(-1)!);
        hops[transport].bare.push(hop * HOPS[transport]);
        log(
          `shared-tab clicks run ${run + 1} ${transport}: p50 shared ${p50.nasc.at(-1)!.toFixed(2)} ms, holding ${p50.bare.at(-1)!.toFixed(2)} ms, hop between the tabs ${hop.toFixed(2)} ms`,
        );
      }
    }
  } finally {
    await browser.close();
  }
  return [...cases.map(({ result }) => result), hops.sse, hops.ws];
}
