/**
 * Browser-side helpers: per-test page connections to the real test server, waiting on conditions and events,
 * "another client" acting on an instance, and the server-side test controls.
 */
import { ContextProvider } from '@lit/context';
import type { JsonObject, JsonValue, Patch } from '../../protocol/index.js';
import { connectionContext, NascPatchEvent, NascSendEvent, PageConnection, type NaScope, type TransportKind } from '../../elements/index.js';
import { fail } from './assert.js';

declare global {
  interface Window {
    /** Where the test server mounts Nasc (set by web-test-runner.config.mjs's test page). */
    NASC_TEST_BASE?: string;
  }
}

if (!window.NASC_TEST_BASE) throw new Error('NASC_TEST_BASE is not set: run the browser tests through web-test-runner.config.mjs');

/** The Nasc base URL (another origin than the test page), ending in `/`. */
export const BASE: string = window.NASC_TEST_BASE;
/** The test server's origin, where the `/test/…` control routes are. */
export const SERVER_ORIGIN: string = new URL(BASE).origin;

/** Both transports: every transport behaviour runs over each. */
export const TRANSPORTS: readonly TransportKind[] = ['sse', 'ws'];

/** A unique id (instance ids, gate names, prop names) so tests never share server state. */
export function uid(prefix = 'id'): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 13)}`;
}

/** `params='…'` for a scope: mount parameters (the test handler turns them into the first state). */
export function params(value: JsonObject): string {
  return `params="${escapeAttribute(JSON.stringify(value))}"`;
}

export function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** One test's own connection and the container its markup lives in. */
export interface Fixture {
  readonly connection: PageConnection;
  readonly root: HTMLDivElement;
  readonly transport: TransportKind;
  /** `root.querySelector`, failing when nothing matches. */
  $<E extends Element = HTMLElement>(selector: string): E;
  /** The `<na-scope>` matching `selector` (default: the first). */
  scope(selector?: string): NaScope;
  /** Every patch array received since the fixture was created. */
  readonly patches: Patch[][];
  /** Every event sent since the fixture was created (mounts and unmounts included). */
  readonly sent: NascSendEvent['event'][];
}

const live = new Set<{ connection: PageConnection; root: HTMLElement }>();

/**
 * A container `div` providing its own {@link PageConnection} (transport, base, a fresh client id) through
 * context, with `html` inside: the scopes in it use this connection, not the page singleton.
 */
export function fixture(transport: TransportKind, html = '', options: { clientId?: string } = {}): Fixture {
  const connection = new PageConnection({ transport, base: BASE, clientId: options.clientId ?? crypto.randomUUID() });
  const root = document.createElement('div');
  root.className = 'fixture';
  new ContextProvider(root, { context: connectionContext, initialValue: connection });
  const patches: Patch[][] = [];
  const sent: NascSendEvent['event'][] = [];
  connection.addEventListener('nasc-patch', (event: NascPatchEvent) => patches.push([...event.patches]));
  connection.addEventListener('nasc-send', (event: NascSendEvent) => sent.push(event.event));
  document.body.append(root);
  root.innerHTML = html;
  live.add({ connection, root });
  return {
    connection,
    root,
    transport,
    patches,
    sent,
    $<E extends Element = HTMLElement>(selector: string): E {
      const found = root.querySelector<E>(selector);
      if (!found) fail(`nothing matches ${selector}`);
      return found;
    },
    scope(selector = 'na-scope') {
      const found = root.querySelector(selector);
      if (!found || found.localName !== 'na-scope') fail(`no <na-scope> matches ${selector}`);
      return found as NaScope;
    },
  };
}

/** Closes every fixture's connection and removes its markup (call from `afterEach`). */
export function cleanupFixtures(): void {
  for (const entry of live) {
    entry.root.remove();
    entry.connection.close();
  }
  live.clear();
  // Each connection saves its outbox in sessionStorage under its client id: forget those of closed ones.
  for (const key of Object.keys(sessionStorage)) if (key.startsWith('nasc:outbox')) sessionStorage.removeItem(key);
  document.querySelector('nasc-dev-overlay')?.remove();
}

/** Polls `predicate` (every 10 ms) until it returns a truthy value; fails with `message` after `timeoutMs`. */
export async function waitFor<T>(predicate: () => T, message: string | (() => string), timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = predicate();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() > deadline) {
      const text = typeof message === 'function' ? message() : message;
      fail(`timed out after ${timeoutMs} ms waiting for: ${text}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Resolves with the next `name` event on `target` that passes `filter`. Call it BEFORE doing what fires the
 * event, then await the promise.
 */
export function nextEvent<E extends Event = Event>(
  target: EventTarget,
  name: string,
  filter: (event: E) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<E> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      target.removeEventListener(name, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for a "${name}" event`));
    }, timeoutMs);
    const listener = (event: Event): void => {
      if (!filter(event as E)) return;
      clearTimeout(timer);
      target.removeEventListener(name, listener);
      resolve(event as E);
    };
    target.addEventListener(name, listener);
  });
}

/** Waits until the connection holds `prop` of an instance (its mount snapshot arrived, or a later patch). */
export async function waitForValue(
  connection: PageConnection,
  type: string,
  instance: string,
  prop: string,
  expected?: JsonValue,
  timeoutMs = 10_000,
): Promise<JsonValue> {
  const matches = (): boolean => {
    const value = connection.value(type, instance, prop);
    return expected === undefined ? value !== undefined : JSON.stringify(value) === JSON.stringify(expected);
  };
  await waitFor(matches, () => `${type}/${instance}.${prop} to be ${expected === undefined ? 'known' : JSON.stringify(expected)} (it is ${JSON.stringify(connection.value(type, instance, prop))})`, timeoutMs);
  return connection.value(type, instance, prop)!;
}

/** Waits until an element's trimmed text is `expected`. */
export async function waitForText(element: Element, expected: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(() => element.textContent?.trim() === expected, () => `text "${expected}" in <${element.localName}> (it is "${element.textContent?.trim()}")`, timeoutMs);
}

/**
 * Another client acts on an instance: a plain `POST /nasc/event` under a client id of its own (no stream),
 * as a second browser would. The instance must exist (mounted by someone). Resolves once it was applied.
 */
export async function otherClient(type: string, instance: string, event: string, payload: JsonObject = {}): Promise<void> {
  const response = await fetch(new URL('event', BASE), {
    method: 'POST',
    // The browser's session cookie, as every Nasc request needs one (another tab of the same browser).
    credentials: 'include',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ clientId: `other-${crypto.randomUUID()}`, type, instance, event, payload, eventId: crypto.randomUUID() }),
  });
  if (response.status !== 202) fail(`other client's "${event}" on ${type}/${instance} answered ${response.status}: ${await response.text()}`);
}

/**
 * The server drops the streams of these client ids (all streams when none given), then applies `then` (as
 * another client) before any of them can reconnect.
 */
export async function dropStreams(clientIds?: string[], then: { type: string; instance: string; event: string; payload: JsonObject }[] = []): Promise<void> {
  const response = await fetch(new URL('/test/drop', SERVER_ORIGIN), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...(clientIds ? { clientIds } : {}), then }),
  });
  if (!response.ok) fail(`POST /test/drop answered ${response.status}`);
  const body = (await response.json()) as { results: { accepted: boolean }[] };
  if (body.results.some((result) => !result.accepted)) fail(`an event applied after the drop was refused: ${JSON.stringify(body.results)}`);
}

/** Lets the `hold` events waiting on `gate` finish. */
export async function releaseGate(gate: string): Promise<void> {
  const response = await fetch(new URL('/test/release', SERVER_ORIGIN), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ gate }),
  });
  if (!response.ok) fail(`POST /test/release answered ${response.status}`);
}

/** Records `console.warn` calls (still passing them through) until `restore()`. */
export function spyOnWarnings(): { readonly messages: string[]; restore(): void } {
  const original = console.warn;
  const messages: string[] = [];
  console.warn = (...args: unknown[]) => {
    messages.push(args.map((arg) => (typeof arg === 'string' ? arg : arg instanceof Element ? `<${arg.localName}>` : String(arg))).join(' '));
    original.apply(console, args);
  };
  return {
    messages,
    restore() {
      console.warn = original;
    },
  };
}
