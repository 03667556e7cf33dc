export { createNasc, type Nasc, type NascOptions, type RenderOptions } from './create-nasc.js';
export type { AttachOptions, AttachableServer, UpgradeServer, UpgradeListener } from './node/upgrade-attach.js';
export type { RequestServer, RequestListener } from './node/request-attach.js';
export {
  NascEngine,
  type EngineOptions,
  type EngineLimits,
  type Caller,
  type AccessRequest,
  type HandleResult,
  type Rejection,
} from './engine/engine.js';
export type { InstanceRead } from './engine/mounting.js';
export type { FailureReport } from './engine/answers.js';
export type { Taken, TakenOutcome } from './engine/rejection.js';
export type { InstancePolicy } from './engine/engine-options.js';
export {
  defineHandler,
  withPayload,
  type Handler,
  type HandlerOptions,
  type AnyHandler,
  type EventFunction,
  type PayloadEvent,
  type HandlerContext,
  type MountParams,
} from './engine/handler.js';
export type { FromSchema, JsonSchema, JsonSchemaType, PayloadSchema } from './engine/payload-schema.js';
export type { PayloadIssue, PayloadValidator } from './engine/payload-validation.js';
export { ajvPayloadValidator } from './validation/ajv-validator.js';
export { NascError } from './engine/nasc-error.js';
export type { AppSchema } from './engine/schema-registry.js';
export type { Awaitable } from './util/awaitable.js';
export {
  scopedEventKey,
  OUTCOME_DEFAULTS,
  type Store,
  type InstanceRecord,
  type InstanceRef,
  type LogEntry,
  type EventOutcome,
  type SentOutcome,
  type CommitRequest,
} from './store/store.js';
export { MemoryStore, type MemoryStoreOptions } from './store/memory-store.js';
export { SqliteStore, type SqliteStoreOptions } from './store/sqlite-store.js';
export type { Broker, BrokerReceiver, PublishedBatch, DirectMessage } from './broker/broker.js';
export { LocalBroker } from './broker/local-broker.js';
export type { ClientChannel, Connection } from './engine/connection.js';
export {
  createConsoleLogger,
  fieldsFirst,
  toLogger,
  LogLevel,
  type Logger,
  type LogFields,
  type LineLevel,
  type LevelledLogger,
  type FieldsFirstLogger,
} from './util/logger.js';
export type { NascMetrics } from './observe/metrics.js';
export type { MetricSample, MetricFamily } from './observe/metric-family.js';
export type { MetricsOptions, TracingOptions } from './observe/observation.js';
export type { OtelApi, OtelSpan, OtelContext } from './observe/tracing.js';
export type {
  Observer,
  EventOutcome as ObservedOutcome,
  EventAnswer,
  EventTrace,
  EventTransport,
  StreamTransport,
  ResumeKind,
  ResumeReport,
  ObservedCaller,
  Phase,
  PhaseSpan,
  CutReason,
} from './observe/observer.js';
export type { SecretOptions } from './security/secret.js';
export type { SessionCookieOptions } from './security/session-cookie.js';
export { redisBackend, type RedisBackend, type RedisBackendOptions } from './redis/redis-backend.js';
export type { RedisStore, RedisStoreOptions } from './redis/redis-store.js';
export type { RedisBroker, RedisBrokerOptions } from './redis/redis-broker.js';
export type { RedisLinkOptions } from './redis/redis-link.js';
export { BackendUnavailableError, isBackendUnavailable } from './store/backend-unavailable.js';
