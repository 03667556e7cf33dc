/**
 * Where a click's time goes, in the page: the same click pages as the click benchmark (Nasc's elements, and
 * the floor client on the bare server), with the page's own `WebSocket.send`/`fetch` POST and the stream's
 * first message timestamped by wrappers installed before any script runs. Prints p50 per phase:
 * click → send (the client's work before the event leaves), send → click returned (the send itself and
 * what the client does after it, in the click's task), send → message (server, network and browser), and
 * message → DOM (the client's work on the answer). Not part of `npm run bench`: a tool for finding 35.
 *
 * @example
 * npm run build && taskset -c 1 node dist/bench/click-phases.js --transport=ws --rounds=3
 */
import { benchId, type Transport } from './bench-session.js';
import { launchChromium } from './click-latency.js';
import { startServer, type BenchServer } from './server-process.js';
import { percentile } from './stats.js';

const PHASES = ['total', 'click → send', 'send → click returned', 'send → message', 'message → DOM'] as const;
const CLICKS = 250;
const WARMUP = 20;
const GAP_MS = 10;

function option(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length) ?? fallback;
}

/** One page, `CLICKS` clicks: per click, the phases in {@link PHASES} order, in ms. */
async function measure(browser: Awaited<ReturnType<typeof launchChromium>>, server: BenchServer, transport: Transport): Promise<number[][]> {
  const context = await browser.newContext();
  try {
    await context.addInitScript(() => {
      const marks = { send: 0, message: 0 };
      Object.assign(window, { clickMarks: marks });
      const onMessage = (): void => {
        if (marks.message === 0) marks.message = performance.now();
      };
      const NativeWebSocket = window.WebSocket;
      window.WebSocket = class extends NativeWebSocket {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols);
          // Added before the page's own handler, so it runs first.
          this.addEventListener('message', onMessage);
        }
        override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
          if (marks.send === 0) marks.send = performance.now();
          super.send(data);
        }
      };
      const NativeEventSource = window.EventSource;
      window.EventSource = class extends NativeEventSource {
        constructor(url: string | URL, init?: EventSourceInit) {
          super(url, init);
          this.addEventListener('message', onMessage);
        }
      };
      const nativeFetch = window.fetch.bind(window);
      window.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
        if (init?.method === 'POST' && marks.send === 0) marks.send = performance.now();
        return nativeFetch(input, init);
      };
    });
    const page = await context.newPage();
    await page.goto(`${server.origin}/?transport=${transport}&instance=${benchId('phases')}`);
    await page.waitForFunction(() => /^(true|false)$/.test(document.querySelector('#out')?.textContent?.trim() ?? ''), undefined, { timeout: 20_000 });
    const rows = await page.evaluate(
      async ({ total, gap }) => {
        const marks = (window as unknown as { clickMarks: { send: number; message: number } }).clickMarks;
        const button = document.getElementById('toggle')!;
        const out = document.getElementById('out')!;
        const rows: number[][] = [];
        for (let i = 0; i < total; i++) {
          const before = out.textContent;
          rows.push(
            await new Promise<number[]>((resolve) => {
              let started = 0;
              let returned = 0;
              const observer = new MutationObserver(() => {
                if (out.textContent === before) return;
                observer.disconnect();
                const now = performance.now();
                resolve([now - started, marks.send - started, returned - marks.send, marks.message - marks.send, now - marks.message]);
              });
              observer.observe(out, { subtree: true, childList: true, characterData: true });
              marks.send = 0;
              marks.message = 0;
              started = performance.now();
              button.click();
              returned = performance.now();
            }),
          );
          await new Promise((resolve) => setTimeout(resolve, gap));
        }
        return rows;
      },
      { total: WARMUP + CLICKS, gap: GAP_MS },
    );
    return rows.slice(WARMUP);
  } finally {
    await context.close();
  }
}

const transport = option('transport', 'ws') as Transport;
const rounds = Number(option('rounds', '3'));
const [nasc, bare] = await Promise.all([startServer('nasc', { pin: true }), startServer('bare', { pin: true })]);
const browser = await launchChromium();
try {
  const rows = { nasc: [] as number[][], bare: [] as number[][] };
  for (let round = 0; round < rounds; round++) {
    for (const server of round % 2 === 0 ? [nasc, bare] : [bare, nasc]) rows[server.kind].push(...(await measure(browser, server, transport)));
  }
  console.log(`click phases over ${transport.toUpperCase()}, p50 in µs of ${rounds} × ${CLICKS} clicks per client`);
  console.log(['client'.padEnd(8), ...PHASES.map((phase) => phase.padStart(22))].join(''));
  for (const [name, kind] of [['nasc', 'nasc'], ['floor', 'bare']] as const) {
    const cells = PHASES.map((_, i) => (percentile(rows[kind].map((row) => row[i]!), 50) * 1000).toFixed(0).padStart(22));
    console.log([name.padEnd(8), ...cells].join(''));
  }
} finally {
  await browser.close();
  await Promise.all([nasc.stop(), bare.stop()]);
}
