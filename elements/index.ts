import { installDevOverlay } from './dev-overlay.js';
import './page-context.js';

export { NaScope, ScopeStatus } from './na-scope.js';
export { NaBind } from './na-bind.js';
export { NaConnection } from './na-connection.js';
export { ScopeController, type ScopeControllerOptions } from './scope-controller.js';
export {
  PageConnection,
  ConnectionState,
  getPageConnection,
  connect,
  chooseTransport,
  setDefaultBase,
  type ConnectionOptions,
  type TransportPreference,
  type EventResult,
  type InstanceChange,
  type InstanceListener,
} from './page-connection.js';
export { pendingEvents } from './pending-marks.js';
export { connectionContext, scopeContext } from './contexts.js';
export type { Scope } from './scope.js';
export {
  NascConnectedEvent,
  NascDisconnectedEvent,
  NascPatchEvent,
  NascSendEvent,
  NascErrorEvent,
  type PageConnectionEventMap,
} from './events.js';
export { TransportKind, type Transport, type SendResult } from './transport.js';
export { SseTransport } from './sse-transport.js';
export { WsTransport } from './ws-transport.js';
export { formPayload, controlValue } from './form-payload.js';
export { DEV_MODE } from './dev-mode.js';
installDevOverlay();
