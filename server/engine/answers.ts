import { PatchAction, ReservedEvent, type ErrorPatch, type JsonObject } from '../../protocol/index.js';
import type { Broker } from '../broker/broker.js';
import type { EventOutcome } from '../store/store.js';
import { loggedEventId } from '../observe/observer.js';
import type { Logger } from '../util/logger.js';
import { NascError } from './nasc-error.js';
import { ackJson } from './patch-json.js';

/** What a client is told of a handler's failure. */
export interface FailureReport {
  message: string;
  code: string;
  field?: string;
  details?: JsonObject;
}

/**
 * What the engine tells one client about its own events: an ack, or an error patch, sent to its stream
 * wherever that is. A handler's failure becomes what the client may see (a `NascError`'s message, or only
 * that it failed) after it is logged.
 */
export class Answers {
  readonly #broker: Broker;
  readonly #logger: Logger;
  readonly #tag: (secret: string) => string;

  /** `tag`: what stands for a session in a log line (never the id itself). */
  constructor(broker: Broker, logger: Logger, tag: (secret: string) => string) {
    this.#broker = broker;
    this.#logger = logger;
    this.#tag = tag;
  }

  /** An event's outcome, first told or remembered: `[ack]` or `[error]`. */
  async outcome(stream: string, eventId: string, outcome: EventOutcome): Promise<void> {
    if (outcome.ok) {
      await this.#broker.sendDirect({ stream, message: `[${ackJson(eventId, outcome.type, outcome.instance, outcome.rev)}]` });
      return;
    }
    const { message, code, type, instance, field, details } = outcome;
    await this.error(stream, {
      message,
      code,
      eventId,
      type,
      instance,
      ...(field === undefined ? {} : { field }),
      ...(details === undefined ? {} : { details }),
    });
  }

  async error(stream: string, patch: Omit<ErrorPatch, 'action'>): Promise<void> {
    const error: ErrorPatch = { action: PatchAction.Error, ...patch };
    await this.#broker.sendDirect({ stream, message: JSON.stringify([error]) });
  }

  /**
   * What the client is told about a handler failure, after logging it: a user-facing NascError, or nothing.
   * `fields.session` is logged as its tag; `fields.instance` should be the client's name for the instance.
   */
  failure(error: unknown, fields: Record<string, string | number> & { session: string }): FailureReport {
    fields.session = this.#tag(fields.session);
    if (typeof fields.eventId === 'string') fields.eventId = loggedEventId(fields.eventId, this.#tag)!;
    if (error instanceof NascError) {
      // Its own line at `info` is the event's (outcome `rejected`, with the code), written by the front door.
      this.#logger.debug('event rejected', { ...fields, code: error.code });
      return {
        message: error.message,
        code: error.code,
        ...(error.field === undefined ? {} : { field: error.field }),
        ...(error.details === undefined ? {} : { details: error.details }),
      };
    }
    this.#logger.error('handler failed', {
      ...fields,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      stack: error instanceof Error ? error.stack : undefined,
    });
    const what = fields.event === ReservedEvent.Mount ? 'Mounting' : `Event "${fields.event}"`;
    return { message: `${what} failed on the server.`, code: 'handler_failed' };
  }
}
