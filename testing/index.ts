/**
 * `nasc/testing`: drive an app's handlers through a real Nasc server, over SSE+POST and over WebSocket, as
 * pages would: mount instances, send events, read the state each client holds, and the messages it got.
 * See docs/testing.md.
 */
export { startTestServer, type TestServer, type ServedApp, type ConnectOptions } from './test-server.js';
export type { ServerWiring } from './listen.js';
export { TestClient } from './test-client.js';
export { TestInstance } from './test-instance.js';
export { RefusedError, type TestOutcome, type AppliedOutcome, type RefusedOutcome } from './test-outcome.js';
export { transports, type TransportName } from './client-link.js';
export type { ServerMessage } from './server-message.js';
export type { LogEntry } from './memory-logger.js';
