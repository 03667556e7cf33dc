import { warnOnce } from './dev-mode.js';

/**
 * Development only: asks the server why it refused a stream, which an `EventSource` never tells (it reports
 * an error and nothing else), and warns once per reason with the server's own JSON message. A stream that
 * would open is let go at once.
 */
export async function explainRefusal(url: URL, withCredentials: boolean): Promise<void> {
  try {
    const response = await fetch(url, { headers: { Accept: 'text/event-stream' }, credentials: withCredentials ? 'include' : 'same-origin' });
    if (response.ok) {
      await response.body?.cancel();
      return;
    }
    const body = (await response.json()) as { code?: unknown; error?: unknown };
    const code = typeof body.code === 'string' ? body.code : `http_${response.status}`;
    warnOnce(`stream-refused:${code}`, `the event stream was refused (${response.status} ${code}): ${String(body.error ?? '')}`);
  } catch {
    // Not JSON, or the network is down: the stream's own retries say enough.
  }
}
