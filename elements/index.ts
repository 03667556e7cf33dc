import { installDevOverlay } from './dev/dev-overlay.js';
import './scope/page-context.js';

export { NaScope, ScopeStatus } from './dom/na-scope.js';
export { NaBind } from './dom/na-bind.js';
export { NaConnection } from './dom/na-connection.js';
export { ScopeController, type ScopeControllerOptions } from './dom/scope-controller.js';
export {
  PageConnection,
  ConnectionState,
  type ConnectionOptions,
  type TransportPreference,
  type EventResult,
  type InstanceChange,
  type InstanceListener,
} from './connection/page-connection.js';
export { getPageConnection, connect } from './connection/page-registry.js';
export { chooseTransport, setDefaultBase } from './connection/transport-choice.js';
export { pendingEvents } from './dom/pending-marks.js';
export { connectionContext, scopeContext } from './scope/contexts.js';
export type { Scope } from './scope/scope.js';
export {
  NascConnectedEvent,
  NascDisconnectedEvent,
  NascPatchEvent,
  NascSendEvent,
  NascErrorEvent,
  type PageConnectionEventMap,
} from './connection/events.js';
export { TransportKind, type Transport, type SendResult } from './connection/transport.js';
export { SseTransport } from './connection/sse-transport.js';
export { WsTransport } from './connection/ws-transport.js';
export { formPayload, controlValue } from './dom/form-payload.js';
export { DEV_MODE } from './dev/dev-mode.js';
installDevOverlay();
