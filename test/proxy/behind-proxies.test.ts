/**
 * The proxy configurations an operator copies from deploy/, run as they are (only the site's values put in:
 * see support/deploy-file.ts) by Debian's nginx and HAProxy in front of two demo processes on Redis, over
 * HTTP/1.1 and over TLS with HTTP/2, on a free port (never 80 or 443: the port must survive into `Host`).
 * A real demo page in Chromium, over SSE and over WebSocket, checks that:
 *
 * - it comes over HTTP/2 with TLS, its events are applied (a proxy that breaks the origin check makes each
 *   one a 403 `forbidden_origin`), and over TLS its session cookie is `Secure` (X-Forwarded-Proto reaches
 *   Nasc);
 * - over SSE each patch arrives within a few ms of its POST's answer (a proxy that holds small writes back
 *   adds about 200 ms to each);
 * - after `kill -9` of the process holding its stream, requests sent through the proxy right away reach the
 *   other process at once, the page is live again within a second, every change acknowledged before the
 *   kill is still there, the event sent during the outage is applied, and new events are applied.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test, type TestContext } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SAMPLE_TODOS } from '../../demo/handlers/todo-list.js';
import { launchBrowser, until, WAIT_MS, waitForBadge } from '../e2e/support/browser.js';
import { addTodo, todoCheckbox, todoTitles } from '../e2e/support/demo-page.js';
import { freePort } from '../e2e/support/free-port.js';
import { redisOrSkip } from '../scale/support/redis-env.js';
import { DemoProcesses } from './support/demo-processes.js';
import { renderDeployFile, type DeployFileName } from './support/deploy-file.js';
import { describeProbes, probeFailover } from './support/failover-probe.js';
import { answerDelays, liveAgainAfter, median, pageNow, readPageRecord, startPageRecord, timeline, waitForAnswers } from './support/page-record.js';
import { ProxyProcess, type ProxyKind } from './support/proxy-process.js';
import { proxyToolsOrSkip } from './support/proxy-tools.js';
import { makeSelfSignedCertificate, type CertificateFiles } from './support/self-signed-certificate.js';
import { streamHolder } from './support/stream-holder.js';

const TEST_TIMEOUT_MS = 120_000;
/** Events whose delays are measured: enough for a median that one slow event cannot move. */
const MEASURED_EVENTS = 9;
/**
 * A patch leaves the process that applied the event before (or just after) the POST's 202 does, and both
 * cross the same proxy: on loopback the patch follows within a few ms. A proxy that holds back small
 * writes (HAProxy without `option http-no-delay`) adds about 200 ms to every one. 50 ms is far from both,
 * so this checks that the proxy forwards messages as written, not how fast anything is.
 */
const PATCH_AFTER_POST_MS = 50;
/**
 * From the kill to live again: the proxy sees the stream end at once (the kernel closes a killed process's
 * sockets), the page waits its first backoff step (250–500 ms) and reconnects through the proxy to the
 * other process. A proxy that sends the reconnect to the dead process and gives up, or waits to retry it,
 * costs a second or more.
 */
const LIVE_AGAIN_MS = 1_000;

/**
 * A request the proxy sends to the dead process is refused at once and must go on to the live one within
 * milliseconds; retrying the dead one first (HAProxy without `option redispatch` waits a second before each
 * of its 3 retries, then answers 503) takes seconds.
 */
const FAILOVER_MS = 500;

interface Variant {
  proxy: ProxyKind;
  file: DeployFileName;
  tls: boolean;
  /** The demo's settings behind this proxy. */
  settings: Record<string, string>;
}

/**
 * Behind the plain-HTTP files the processes do not trust X-Forwarded-*: the page's origin must come through
 * in `Host`, port included. Behind the TLS files they do (TRUST_PROXY=1): Node sees http, and only
 * X-Forwarded-Proto says the page is https.
 */
const VARIANTS: readonly Variant[] = [
  { proxy: 'nginx', file: 'nginx.conf', tls: false, settings: {} },
  { proxy: 'nginx', file: 'nginx-tls.conf', tls: true, settings: { TRUST_PROXY: '1' } },
  { proxy: 'haproxy', file: 'haproxy.cfg', tls: false, settings: {} },
  { proxy: 'haproxy', file: 'haproxy-tls.cfg', tls: true, settings: { TRUST_PROXY: '1' } },
];

const SAMPLE_TITLE = SAMPLE_TODOS[0]!.title;

/** What every test shares: two demo processes on Redis, a browser, a temporary directory and a certificate. */
interface Shared {
  processes: DemoProcesses;
  browser: Browser;
  dir: string;
  certificate: CertificateFiles;
}

/** Made by the first test that runs (the others may be skipped before they need it), undone after all. */
let shared: Promise<Shared> | undefined;

async function setUp(): Promise<Shared> {
  const dir = mkdtempSync(join(tmpdir(), 'nasc-proxy-'));
  let processes: DemoProcesses | undefined;
  try {
    const certificate = makeSelfSignedCertificate(dir);
    processes = await DemoProcesses.choosePorts(2);
    return { processes, browser: await launchBrowser(), dir, certificate };
  } catch (error) {
    await processes?.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

after(async () => {
  const ready = await shared?.catch(() => undefined);
  if (!ready) return;
  await ready.browser.close();
  await ready.processes.close();
  rmSync(ready.dir, { recursive: true, force: true });
});

/** A browser page in a context of its own, and the console errors, warnings and exceptions it shows. */
interface WatchedPage {
  page: Page;
  context: BrowserContext;
  problems: string[];
}

async function openWatchedPage(browser: Browser): Promise<WatchedPage> {
  // The test's certificate is self-signed; the context accepts it for pages, streams and WebSockets alike.
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  // Watched on the context, so that nothing any page of it reports is missed.
  const problems: string[] = [];
  context.on('console', (message) => {
    if (['error', 'warning'].includes(message.type())) problems.push(`${message.type()}: ${message.text()}`);
  });
  context.on('weberror', (webError) => problems.push(`uncaught: ${webError.error().message}`));
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  return { page, context, problems };
}

async function addAndAwait(page: Page, title: string): Promise<void> {
  await addTodo(page, title);
  await waitForAnswers(page, `the ack of "${title}"`);
}

/** Waits until the list shows each of `titles` exactly once (an ack can come before the patch that shows it, when the page resyncs). */
async function waitForEachTitleOnce(page: Page, titles: readonly string[]): Promise<void> {
  try {
    await until(
      page,
      (wanted) => {
        const shown = [...document.querySelectorAll('.todo-items > .todo .todo-title')].map((title) => title.textContent);
        return wanted.every((title) => shown.filter((candidate) => candidate === title).length === 1);
      },
      titles,
      `the list shows each of ${JSON.stringify(titles)} once`,
    );
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; it shows ${JSON.stringify(await todoTitles(page))}`);
  }
}

/** Toggles a todo {@link MEASURED_EVENTS} times, one at a time, each applied; their answer delays. */
async function measureEvents(page: Page, transport: 'sse' | 'ws'): Promise<number[]> {
  for (let i = 0; i < MEASURED_EVENTS; i++) {
    await todoCheckbox(page, SAMPLE_TITLE).click();
    await waitForAnswers(page, `the ack of toggle ${i + 1}`);
  }
  const record = await readPageRecord(page);
  assert.deepEqual(record.errors, [], 'no event refused');
  const delays = answerDelays(record, 'toggle_todo', transport);
  assert.equal(delays.length, MEASURED_EVENTS, 'every toggle was answered');
  return delays;
}

async function run(t: TestContext, variant: Variant, transport: 'sse' | 'ws'): Promise<void> {
  if (!(await redisOrSkip(t)) || !proxyToolsOrSkip(t)) return;
  shared ??= setUp();
  const { processes, browser, dir, certificate } = await shared;
  await processes.runWith(variant.settings);

  const port = await freePort();
  const origin = `${variant.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const [first, second] = processes.ports;
  const config = renderDeployFile(variant.file, dir, { publicPort: port, processPorts: [first!, second!], ...certificate, accessLog: join(dir, 'nginx-access.log') });
  // A fresh proxy for each test: one that marked a process down during the last test's kill would still
  // avoid it for a while, and this test's kill would find no process to fail over to.
  const proxy = await ProxyProcess.start(variant.proxy, config, dir, origin);
  t.after(() => proxy.stop());
  const { page, context, problems } = await openWatchedPage(browser);
  t.after(() => context.close());

  try {
    await page.goto(`${origin}/?transport=${transport}`);
    await waitForBadge(page, 'live', transport);
    // Live means the stream delivers; the list shows once its mount, an event like any other, was applied.
    await until(page, () => document.querySelector('.todo-items > .todo') !== null, null, 'the todo list shows (its mount was applied)');
    await startPageRecord(page);
    const protocol = await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).nextHopProtocol);
    assert.equal(protocol, variant.tls ? 'h2' : 'http/1.1', 'the page came over HTTP/2 with TLS, HTTP/1.1 without');
    const cookie = (await context.cookies()).find((candidate) => candidate.name === 'nasc_session');
    assert.ok(cookie, 'the page got a session cookie');
    assert.equal(cookie.secure, variant.tls, variant.tls ? 'over TLS the session cookie is Secure' : 'over plain HTTP the session cookie is not Secure');

    const delays = await measureEvents(page, transport);
    const typical = median(delays);
    const listed = delays.map((ms) => ms.toFixed(1)).join(', ');
    if (transport === 'sse') assert.ok(typical < PATCH_AFTER_POST_MS, `patches arrive within ${PATCH_AFTER_POST_MS} ms of the POST's answer; median ${typical.toFixed(1)} ms of ${listed}`);

    // Changes acknowledged before the kill, one sent during the outage, one after.
    const label = `${variant.file} ${transport}`;
    const acknowledged = [`${label}: before 1`, `${label}: before 2`];
    for (const title of acknowledged) await addAndAwait(page, title);
    const holder = await streamHolder(processes.running, (await readPageRecord(page)).clientId);
    assert.deepEqual(problems, [], 'no console errors or warnings before the kill');
    const killedAt = await pageNow(page);
    await holder.stop('SIGKILL');
    const failover = await probeFailover(origin);
    const duringOutage = `${label}: during the outage`;
    await addTodo(page, duringOutage);

    const liveAgainMs = (await liveAgainAfter(page, killedAt)) - killedAt;
    await waitForBadge(page, 'live', transport);
    const afterKill = timeline(await readPageRecord(page), killedAt);
    assert.match(afterKill, /cut/, 'the kill cut the page\'s stream');
    await waitForAnswers(page, 'the acks of everything sent before and during the outage');
    const afterOutage = `${label}: after`;
    await addAndAwait(page, afterOutage);
    await waitForEachTitleOnce(page, [...acknowledged, duringOutage, afterOutage]);
    assert.deepEqual((await readPageRecord(page)).errors, [], 'no event refused');
    // The browser reports the stream the kill cut (net::ERR_INCOMPLETE_CHUNKED_ENCODING over HTTP/1.1,
    // net::ERR_HTTP2_PROTOCOL_ERROR over HTTP/2); nothing else may show.
    const unexpected = problems.filter((problem) => !/^error: Failed to load resource: net::ERR_/.test(problem));
    assert.deepEqual(unexpected, [], 'no console errors or warnings after the kill but the cut stream');
    assert.ok(
      failover.every(({ answer, ms }) => answer === '200' && ms < FAILOVER_MS),
      `requests right after the kill are answered at once: ${describeProbes(failover)}`,
    );
    assert.ok(liveAgainMs < LIVE_AGAIN_MS, `live again within ${LIVE_AGAIN_MS} ms of the kill: ${liveAgainMs.toFixed(0)} ms (${afterKill})`);

    t.diagnostic(
      `${variant.file} over ${transport}: ${transport === 'sse' ? 'patch after POST answer' : 'ack after send'} median ${typical.toFixed(1)} ms (${listed}); ` +
        `requests right after the kill: ${describeProbes(failover)}; live again ${liveAgainMs.toFixed(0)} ms after kill -9 of ${holder.name} (${afterKill})`,
    );
  } catch (error) {
    const logs = `--- ${variant.proxy} ---\n${proxy.output.slice(-3_000)}\n${processes.logs}\n--- page ---\n${problems.join('\n')}`;
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${logs}`, { cause: error });
  }
}

for (const variant of VARIANTS) {
  describe(`${variant.proxy} with deploy/${variant.file} (${variant.tls ? 'TLS, HTTP/2' : 'HTTP/1.1'})`, () => {
    for (const transport of ['sse', 'ws'] as const) {
      test(`over ${transport.toUpperCase()}: events applied, patches on time, live again within 1 s of kill -9`, { timeout: TEST_TIMEOUT_MS }, (t) =>
        run(t, variant, transport),
      );
    }
  });
}

describe('a proxy that breaks the origin check (nginx with Host $host: the port is dropped)', () => {
  test('the page says its events are refused, and the server log names the fix', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    if (!(await redisOrSkip(t)) || !proxyToolsOrSkip(t)) return;
    shared ??= setUp();
    const { processes, browser, dir, certificate } = await shared;
    await processes.runWith({});
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const [first, second] = processes.ports;
    const config = renderDeployFile('nginx.conf', dir, { publicPort: port, processPorts: [first!, second!], ...certificate, accessLog: join(dir, 'nginx-access.log') });
    // The mistake the deploy file warns against, made on purpose.
    const broken = readFileSync(config, 'utf8').replace('proxy_set_header Host $http_host;', 'proxy_set_header Host $host;');
    assert.notEqual(broken, readFileSync(config, 'utf8'), 'deploy/nginx.conf passes Host with $http_host');
    writeFileSync(config, broken);
    const proxy = await ProxyProcess.start('nginx', config, dir, origin);
    t.after(() => proxy.stop());
    const { page, context } = await openWatchedPage(browser);
    t.after(() => context.close());
    await page.goto(`${origin}/?transport=sse`);
    await until(page, () => document.getElementById('connection-badge')?.dataset.state === 'refused', null, 'the badge says the events are refused');
    const label = await page.evaluate(() => document.getElementById('connection-badge')?.textContent ?? '');
    assert.match(label, /refused/i);
    const logged = () => /forbidden_origin[^\n]*\$http_host/.test(processes.logs);
    const deadline = Date.now() + WAIT_MS;
    while (!logged() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(logged(), `a process logged the refusal with its fix:\n${processes.logs.slice(-2_000)}`);
  });
});
