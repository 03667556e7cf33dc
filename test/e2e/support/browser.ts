import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium; override with CHROMIUM_PATH. */
const EXECUTABLE = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Generous: CI machines have two noisy cores. */
export const WAIT_MS = 20_000;

/** Launches headless Chromium, quiet and sandbox-free (containers have no user namespaces). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: EXECUTABLE,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** A page in its own context (own sessionStorage, so its own Nasc client id), and what went wrong in it. */
export interface DemoPage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Console errors and warnings, and uncaught exceptions, in order. */
  readonly problems: string[];
}

export interface OpenOptions {
  viewport?: { width: number; height: number };
  /** Serve the dev bundle in place of /nasc/nasc.js, so binding mistakes show as console warnings. */
  devBundle?: boolean;
}

const DEV_BUNDLE = new URL('../../../client/nasc.dev.js', import.meta.url);
const TRAFFIC_PANEL = new URL('../../../client/na-traffic.js', import.meta.url);

/** Opens `url` in a fresh context and waits until the connection badge says live. */
export async function openDemo(browser: Browser, url: string, options: OpenOptions = {}): Promise<DemoPage> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 900 } });
  if (options.devBundle) {
    const path = DEV_BUNDLE.pathname;
    await context.route('**/nasc/nasc.js', (route) => route.fulfill({ path, contentType: 'text/javascript; charset=utf-8' }));
  }
  // The demo loads <na-traffic> from /nasc/na-traffic.js. A server that does not serve that file yet (it
  // answers 404) gets the built one in its place; one that does is tested as it is.
  await context.route('**/nasc/na-traffic.js', async (route) => {
    const response = await route.fetch();
    if (response.status() !== 404) return route.fulfill({ response });
    return route.fulfill({ path: TRAFFIC_PANEL.pathname, contentType: 'text/javascript; charset=utf-8' });
  });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  // E2E_DEBUG=1 prints every console line of every page, with the time.
  if (process.env.E2E_DEBUG) page.on('console', (message) => process.stderr.write(`[page ${Date.now() % 100_000}] ${message.text()}\n`));
  await page.goto(url);
  await waitForBadge(page, 'live');
  return { page, context, problems };
}

/** Waits until the connection badge shows `state` (`live`, `reconnecting`, `offline`, `connecting`). */
export async function waitForBadge(page: Page, state: string, transport?: 'sse' | 'ws'): Promise<void> {
  try {
    await page.waitForFunction(
      ([wanted, kind]) => {
        const badge = document.getElementById('connection-badge');
        return badge?.dataset.state === wanted && (kind === null || badge.dataset.transport === kind);
      },
      [state, transport ?? null] as const,
      { timeout: WAIT_MS },
    );
  } catch (error) {
    const badge = page.locator('#connection-badge');
    const shown = await badge.innerText().catch(() => '(no badge)');
    const reason = await badge.getAttribute('title').catch(() => null);
    const wanted = transport ? `${state} over ${transport}` : state;
    throw new Error(
      `the badge never showed ${wanted}; it shows "${shown.trim()}"${reason ? ` (${reason})` : ''}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    );
  }
}

/**
 * Records every state the badge shows from now on (`state: text`), so a test can check a state was shown
 * even if it lasted less than a poll. Returns the function that reads the record.
 */
export async function recordBadge(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const badge = document.getElementById('connection-badge')!;
    const seen: string[] = [];
    (window as unknown as { badgeStates: string[] }).badgeStates = seen;
    new MutationObserver(() => {
      const state = `${badge.dataset.state}: ${badge.textContent?.trim()}`;
      if (seen.at(-1) !== state) seen.push(state);
    }).observe(badge, { attributes: true, childList: true, subtree: true, characterData: true });
  });
  return () => page.evaluate(() => (window as unknown as { badgeStates: string[] }).badgeStates);
}

/** Waits until the badge, since {@link recordBadge}, has shown `state` at least once. */
export async function waitForBadgeRecord(page: Page, state: string): Promise<void> {
  await until(
    page,
    (wanted) => (window as unknown as { badgeStates?: string[] }).badgeStates?.some((entry) => entry.startsWith(`${wanted}:`)),
    state,
    `the badge has shown ${state}`,
  );
}

/** Waits until `predicate(arg)` holds in the page, polling on animation frames. */
export async function until<A>(page: Page, predicate: (arg: A) => unknown, arg: A, what: string): Promise<void> {
  try {
    // The argument is JSON: what goes in comes out unchanged.
    await page.waitForFunction(predicate as (arg: unknown) => unknown, arg as unknown, { timeout: WAIT_MS });
  } catch (error) {
    throw new Error(`timed out waiting until ${what}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
}
