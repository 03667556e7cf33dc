import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { WAIT_MS } from './browser.js';

/** One message on the wire, as the page's network saw it. */
export interface WireMessage {
  readonly direction: 'up' | 'down';
  readonly text: string;
}

/** A demo page whose `/nasc/nasc.js` is held back until {@link HeldPage.release}, and what went over the wire. */
export interface HeldPage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Every event sent (WebSocket frames, or `POST /nasc/event` bodies) and every message received, in order. */
  readonly wire: WireMessage[];
  /** Lets the bundle load: the elements take the page over and connect. */
  release(): void;
}

/**
 * Opens `url` with the browser bundle held back, and returns once the server-rendered page is parsed (the
 * page's own script, which imports the bundle, waits with it). Records the wire from the start: WebSocket
 * frames both ways, event POST bodies, and SSE messages as Chromium's network layer received them.
 */
export async function openWithHeldBundle(browser: Browser, url: string): Promise<HeldPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await context.route('**/nasc/nasc.js', async (route) => {
    await released;
    await route.continue();
  });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const wire: WireMessage[] = [];
  page.on('websocket', (socket) => {
    socket.on('framesent', (frame) => wire.push({ direction: 'up', text: String(frame.payload) }));
    socket.on('framereceived', (frame) => wire.push({ direction: 'down', text: String(frame.payload) }));
  });
  page.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === '/nasc/event') wire.push({ direction: 'up', text: request.postData() ?? '' });
  });
  const cdp: CDPSession = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  cdp.on('Network.eventSourceMessageReceived', (message: { data: string }) => wire.push({ direction: 'down', text: message.data }));
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(() => document.querySelector('footer') !== null, null, { timeout: WAIT_MS });
  return { page, context, wire, release };
}

/** The events sent on the wire (parsed), and every patch received (flattened). */
export function parseWire(wire: readonly WireMessage[]): { sent: Record<string, unknown>[]; received: Record<string, unknown>[] } {
  const sent = wire.filter((message) => message.direction === 'up').map((message) => JSON.parse(message.text) as Record<string, unknown>);
  const received = wire.filter((message) => message.direction === 'down').flatMap((message) => JSON.parse(message.text) as Record<string, unknown>[]);
  return { sent, received };
}
