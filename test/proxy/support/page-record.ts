import type { Page } from 'playwright-core';

/** What a page's connection did, each with its `performance.now()` in the page. */
export interface PageRecord {
  clientId: string;
  /** Events and mounts sent (again, after a reconnect, under the same id). */
  sends: { eventId: string; event: string; at: number }[];
  /** Answers to event POSTs, when their headers arrived (SSE only). */
  posts: { eventId: string; status: number; at: number }[];
  /** Acks and error patches with an event id, when their message arrived on the stream or socket. */
  answers: { eventId: string; action: string; at: number }[];
  /** `nasc-error`: error patches and refused POSTs. */
  errors: string[];
  connects: { transport: string; at: number }[];
  disconnects: { reason: string; at: number }[];
}

/**
 * Starts recording the page connection's traffic: its events (`nasc-send`, `nasc-patch`, `nasc-error`,
 * `nasc-connected`, `nasc-disconnected`) and, for SSE, when each event POST's answer arrived (by wrapping
 * `fetch`, which the SSE transport calls for every POST).
 */
export async function startPageRecord(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const nasc = (await import('/nasc/nasc.js' as string)) as typeof import('../../../elements/index.js');
    const connection = nasc.getPageConnection();
    const record: PageRecord = { clientId: connection.clientId, sends: [], posts: [], answers: [], errors: [], connects: [], disconnects: [] };
    (window as unknown as { proxyTestRecord: PageRecord }).proxyTestRecord = record;
    const pageFetch = window.fetch.bind(window);
    window.fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const response = await pageFetch(input, init);
      const at = performance.now();
      if (init?.method === 'POST' && String(input).endsWith('/nasc/event') && typeof init.body === 'string') {
        record.posts.push({ eventId: String((JSON.parse(init.body) as { eventId?: unknown }).eventId), status: response.status, at });
      }
      return response;
    };
    connection.addEventListener('nasc-send', ({ event }) => record.sends.push({ eventId: event.eventId ?? '', event: event.event, at: performance.now() }));
    connection.addEventListener('nasc-patch', ({ patches }) => {
      const at = performance.now();
      for (const patch of patches) {
        if ((patch.action === 'ack' || patch.action === 'error') && patch.eventId) record.answers.push({ eventId: patch.eventId, action: patch.action, at });
      }
    });
    connection.addEventListener('nasc-error', ({ error }) => record.errors.push(`${error.code ?? ''}: ${error.message}`));
    connection.addEventListener('nasc-connected', ({ transport }) => record.connects.push({ transport, at: performance.now() }));
    connection.addEventListener('nasc-disconnected', ({ reason }) => record.disconnects.push({ reason, at: performance.now() }));
  });
}

export async function readPageRecord(page: Page): Promise<PageRecord> {
  return page.evaluate(() => (window as unknown as { proxyTestRecord: PageRecord }).proxyTestRecord);
}

/** The page's clock, to compare with the record's times. */
export async function pageNow(page: Page): Promise<number> {
  return page.evaluate(() => performance.now());
}

/** Ids sent and not yet acknowledged or refused on the stream. */
export function unanswered(record: PageRecord): string[] {
  const answered = new Set(record.answers.map((answer) => answer.eventId));
  return [...new Set(record.sends.map((send) => send.eventId))].filter((id) => !answered.has(id));
}

/** Waits until every event and mount the page sent has its ack or error on the stream; returns the record then. */
export async function waitForAnswers(page: Page, what: string, timeoutMs = 20_000): Promise<PageRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const record = await readPageRecord(page);
    const waiting = unanswered(record);
    if (waiting.length === 0) return record;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: no answer to ${waiting.join(', ')}; errors: ${record.errors.join('; ') || 'none'}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The first time the page was live again after `since`, once it is (rejects after `timeoutMs`). */
export async function liveAgainAfter(page: Page, since: number, timeoutMs = 20_000): Promise<number> {
  const handle = await page.waitForFunction(
    (after) => (window as unknown as { proxyTestRecord: PageRecord }).proxyTestRecord.connects.find((connect) => connect.at > after)?.at,
    since,
    { timeout: timeoutMs },
  );
  return (await handle.jsonValue()) as number;
}

/** The page's disconnects and connects after `since`, in ms from it: `+8 cut (socket closed (1006)), +290 live over ws`. */
export function timeline(record: PageRecord, since: number): string {
  const events = [
    ...record.disconnects.filter((cut) => cut.at > since).map((cut) => ({ at: cut.at, text: `cut (${cut.reason})` })),
    ...record.connects.filter((connect) => connect.at > since).map((connect) => ({ at: connect.at, text: `live over ${connect.transport}` })),
  ];
  return events
    .sort((a, b) => a.at - b.at)
    .map((event) => `+${(event.at - since).toFixed(0)} ${event.text}`)
    .join(', ');
}

/**
 * For each `event` sent: how long after its POST's answer its ack arrived on the stream (SSE; negative when
 * the ack came first), or after it was sent (WebSocket, where there is no POST).
 */
export function answerDelays(record: PageRecord, event: string, transport: 'sse' | 'ws'): number[] {
  const delays: number[] = [];
  for (const send of record.sends) {
    if (send.event !== event) continue;
    const answer = record.answers.find((candidate) => candidate.eventId === send.eventId);
    const from = transport === 'sse' ? record.posts.find((post) => post.eventId === send.eventId)?.at : send.at;
    if (answer && from !== undefined) delays.push(answer.at - from);
  }
  return delays;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
