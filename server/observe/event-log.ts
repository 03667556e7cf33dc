import type { ClientEvent } from '../../protocol/index.js';
import type { LogFields } from '../util/logger.js';
import { loggedEventId, type EventAnswer, type EventOutcome, type EventTransport, type ObservedCaller } from './observer.js';

/** Milliseconds to two decimals: enough to read, short in a line. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/**
 * The fields of an event's `info` line. What is in it: the event's id (see {@link loggedEventId}), type, instance (as the client named
 * it: a name the app resolves it to may be made from a session id), event name, outcome and code, revision,
 * handler and total time, transport, the client id and the session's tag, the attempt when it was a resend,
 * and for a resume what was sent. What is not: the session id, cookies, the payload.
 */
export function eventFields(
  transport: EventTransport,
  caller: ObservedCaller | undefined,
  event: ClientEvent | undefined,
  answer: EventAnswer,
  outcome: EventOutcome,
  totalMs: number,
  tag: (secret: string) => string,
): LogFields {
  const fields: LogFields = { eventId: loggedEventId(event?.eventId ?? answer.eventId, tag), type: event?.type, instance: event?.instance, event: event?.event, outcome };
  if (answer.code !== undefined) fields.code = answer.code;
  if (answer.rev !== undefined) fields.rev = answer.rev;
  if (answer.handlerMs !== undefined) fields.handlerMs = roundMs(answer.handlerMs);
  fields.ms = roundMs(totalMs);
  fields.transport = transport;
  if (caller && transport !== 'server') {
    fields.clientId = caller.clientId;
    fields.session = tag(caller.session);
  }
  if (event?.attempt !== undefined && event.attempt > 1) fields.attempt = event.attempt;
  const resume = answer.resume;
  if (resume) {
    fields.resume = resume.kind;
    fields.fromRev = resume.from;
    fields.toRev = resume.to;
    fields.batches = resume.batches;
    fields.bytes = resume.bytes;
  }
  return fields;
}

/** The fields of a stream's `info` lines (opened, closed). */
export function streamFields(transport: string, caller: ObservedCaller, tag: (secret: string) => string, reason?: string): LogFields {
  const fields: LogFields = { transport, clientId: caller.clientId, session: tag(caller.session) };
  if (reason !== undefined) fields.reason = reason;
  return fields;
}
