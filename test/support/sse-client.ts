import { SseClient as KitSseClient, type SseConnectOptions } from '../../testing/sse-client.js';
import { cookieHeader } from './session-cookies.js';

export { SseRefusedError, type SseConnectOptions } from '../../testing/sse-client.js';

/** The test kit's SSE client, sending the test server's session cookie unless told otherwise (`cookie`, `null` for none). */
export type SseClient = KitSseClient;
export const SseClient = {
  connect(url: string, options: SseConnectOptions = {}): Promise<SseClient> {
    return KitSseClient.connect(url, { ...options, cookie: cookieHeader(url, options.cookie).Cookie ?? null });
  },
};
