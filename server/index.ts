export { createNasc, type Nasc, type NascOptions } from './create-nasc.js';
export type { AttachOptions, AttachableServer, UpgradeServer, UpgradeListener } from './ws-attach.js';
export type { RequestServer, RequestListener } from './event-attach.js';
export {
  NascEngine,
  type EngineOptions,
  type EngineLimits,
  type Caller,
  type AccessRequest,
  type HandleResult,
  type Rejection,
} from './engine.js';
export type { InstancePolicy } from './instance-policy.js';
export { defineHandler, type Handler, type AnyHandler, type EventFunction, type HandlerContext, type MountParams } from './handler.js';
export { NascError } from './nasc-error.js';
export type { AppSchema } from './schema-registry.js';
export type { Awaitable } from './awaitable.js';
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
} from './store.js';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export type { Broker, BrokerReceiver, PublishedBatch, DirectMessage } from './broker.js';
export { LocalBroker } from './local-broker.js';
export type { ClientChannel, Connection } from './connection.js';
export { createConsoleLogger, LogLevel, type Logger, type LogFields } from './logger.js';
export type { SecretOptions } from './secret.js';
export type { SessionCookieOptions } from './session-middleware.js';
export { redisBackend, type RedisBackend, type RedisBackendOptions } from './redis-backend.js';
export type { RedisStore, RedisStoreOptions } from './redis-store.js';
export type { RedisBroker, RedisBrokerOptions } from './redis-broker.js';
export type { RedisLinkOptions } from './redis-link.js';
export { BackendUnavailableError, isBackendUnavailable } from './redis-errors.js';
