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
  type InstanceRead,
  type Rejection,
} from './engine/engine.js';
export type { InstancePolicy } from './engine/engine-options.js';
export { defineHandler, type Handler, type AnyHandler, type EventFunction, type HandlerContext, type MountParams } from './engine/handler.js';
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
export { createConsoleLogger, LogLevel, type Logger, type LogFields } from './util/logger.js';
export type { SecretOptions } from './security/secret.js';
export type { SessionCookieOptions } from './security/session-cookie.js';
export { redisBackend, type RedisBackend, type RedisBackendOptions } from './redis/redis-backend.js';
export type { RedisStore, RedisStoreOptions } from './redis/redis-store.js';
export type { RedisBroker, RedisBrokerOptions } from './redis/redis-broker.js';
export type { RedisLinkOptions } from './redis/redis-link.js';
export { BackendUnavailableError, isBackendUnavailable } from './store/backend-unavailable.js';
