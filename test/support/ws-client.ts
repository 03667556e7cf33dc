import { WsClient as KitWsClient } from '../../testing/ws-client.js';
import { cookieHeader } from './session-cookies.js';

export { WsHandshakeError, type WsCloseInfo } from '../../testing/ws-client.js';

/** The test kit's WebSocket client, sending the test server's session cookie unless told otherwise (`cookie`, `null` for none). */
export type WsClient = KitWsClient;
export const WsClient = {
  connect(url: string, options: { cookie?: string | null; headers?: Record<string, string> } = {}): Promise<WsClient> {
    return KitWsClient.connect(url, { ...options, cookie: cookieHeader(url, options.cookie).Cookie ?? null });
  },
};
