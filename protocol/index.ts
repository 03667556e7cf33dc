export {
  PatchAction,
  type JsonValue,
  type JsonObject,
  type Patch,
  type SchemaPatch,
  type BindUpdatePatch,
  type ErrorPatch,
  type AckPatch,
  type SnapshotPatch,
} from './patch.js';
export {
  ReservedEvent,
  validateClientEvent,
  isWireId,
  MAX_ID_LENGTH,
  type ClientEvent,
  type PostedEvent,
  type EventRejection,
  type EventAccepted,
} from './client-event.js';
export { isPrototypeKey, parseJsonGuarded, type GuardedJson } from './safe-json.js';
export { formatSseComment, formatSseMessage, formatSseRetry, SSE_KEEPALIVE, type SseMessage } from './sse-frame.js';
