import { PatchAction, ReservedEvent, type BindUpdatePatch, type ClientEvent, type JsonObject, type SchemaPatch, type SnapshotPatch } from '../../protocol/index.js';
import type { Broker } from '../broker/broker.js';
import type { ResumeReport } from '../observe/observer.js';
import type { InstanceRecord, Store } from '../store/store.js';
import type { Access } from './access.js';
import type { Admission } from './admission.js';
import type { Answers } from './answers.js';
import type { Caller } from './engine-options.js';
import type { RegisteredHandler } from './handler-registry.js';
import type { InstancePolicies } from './instance-policy.js';
import { toJsonState } from './json-state.js';
import { NascError } from './nasc-error.js';
import { ackJson } from './patch-json.js';
import type { HandleResult } from './rejection.js';
import type { SchemaRegistry } from './schema-registry.js';

/** What mounting reads, writes and asks. */
export interface MountingParts {
  store: Store;
  broker: Broker;
  schemas: SchemaRegistry;
  policies: InstancePolicies;
  access: Access;
  admission: Admission;
  answers: Answers;
}

/**
 * Mounting, run in the instance's queue: creating the instance when it does not exist (if its type's rule
 * and the creation budgets allow), subscribing the client's stream, and bringing the client from the
 * revision it holds to the current one: the batches it missed from the log, or a snapshot when the log no
 * longer reaches back (or when it held a revision of an instance deleted since).
 */
export class Mounting {
  readonly #parts: MountingParts;

  constructor(parts: MountingParts) {
    this.#parts = parts;
  }

  /** `event` names the resolved instance; `requested` is the client's own name for it. */
  async mount(stream: string, caller: Caller, handler: RegisteredHandler, event: ClientEvent, requested: string, eventId: string): Promise<HandleResult> {
    const { store, broker, policies, access, admission, answers } = this.#parts;
    const { type, instance } = event;
    // Touched before it is read: expiry cannot delete it between the read and the subscription.
    await store.touch([{ type, instance }]);
    let record = await store.load(type, instance);
    let created = false;
    if (!record) {
      const refused = (await access.refuseCreation(caller, event, requested, eventId)) ?? admission.creation(caller, eventId);
      if (refused) return refused;
      let state: JsonObject;
      try {
        state = toJsonState(await handler.mount({ ...event.payload, instance }));
      } catch (error) {
        const failure = answers.failure(error, { type, instance: requested, event: ReservedEvent.Mount, eventId, session: caller.session });
        await answers.error(stream, { ...failure, eventId, type, instance: requested });
        return { accepted: true, eventId, outcome: error instanceof NascError ? 'rejected' : 'failed', code: failure.code };
      }
      created = await store.commit(type, instance, { state, rev: 1, expectedRev: 0, idleTtlMs: policies.idleTtl(type, 1) });
      record = created ? { state, rev: 1 } : await store.load(type, instance);
      if (!record) throw new Error(`instance ${type}/${instance} vanished while mounting`);
    }
    const known = event.rev ?? 0;
    // Schemas are this client's alone: they name the instance as it does.
    const schemas = event.rev === undefined ? this.#schemaPatches(type, requested) : [];
    // A client holding a revision of an instance this mount just created held one that was deleted since:
    // whatever it shows belongs to that one, so it starts over from this one's snapshot.
    const resume = await this.#bringUpToDate(stream, type, instance, record, known, schemas, requested, created && known > 0);
    // The mount's own ack follows its answer, so the client knows the answer is complete (even when it was
    // empty: nothing missed). Only for a client that named the mount, to keep answers reproducible.
    if (event.eventId !== undefined) {
      await broker.sendDirect({ stream, message: `[${ackJson(eventId, type, instance, record.rev)}]` });
    }
    // A mount naming the revision its client holds is a resume: what it was sent is told.
    return event.rev === undefined ? { accepted: true, eventId, outcome: 'mounted', rev: record.rev } : { accepted: true, eventId, outcome: 'mounted', rev: record.rev, resume };
  }

  /**
   * Subscribes a client to an instance and brings it from revision `known` to `record`: replay or snapshot.
   * `startOver`: the instance is not the one the client knew, so a snapshot marked `reset`, whatever `known` is.
   * Returns what was sent.
   */
  async #bringUpToDate(
    stream: string,
    type: string,
    instance: string,
    record: InstanceRecord,
    known: number,
    schemas: SchemaPatch[],
    requested: string,
    startOver: boolean,
  ): Promise<ResumeReport> {
    const { store, broker } = this.#parts;
    const subscribeAt = (rev: number) => ({ type, instance, rev, subscribe: true, ...(requested === instance ? {} : { alias: requested }) });
    if (!startOver && known > 0 && known <= record.rev) {
      const missed = await store.readLog(type, instance, known);
      if (missed) {
        await broker.sendDirect({ stream, position: subscribeAt(known), ...(schemas.length ? { message: JSON.stringify(schemas) } : {}) });
        let bytes = 0;
        for (const entry of missed) {
          bytes += entry.batch.length;
          await broker.sendDirect({ stream, message: entry.batch, position: { type, instance, rev: entry.rev } });
        }
        return { kind: 'replay', from: known, to: record.rev, batches: missed.length, bytes };
      }
    }
    const marker: SnapshotPatch = { action: PatchAction.Snapshot, type, instance, rev: record.rev };
    // The client holds a revision this instance never reached: it was created anew since.
    if (startOver || known > record.rev) marker.reset = true;
    const snapshot: (SchemaPatch | SnapshotPatch | BindUpdatePatch)[] = [...schemas, marker];
    for (const [prop, value] of Object.entries(record.state)) {
      snapshot.push({ action: PatchAction.BindUpdate, type, instance, prop, value, rev: record.rev, snapshot: true });
    }
    const message = JSON.stringify(snapshot);
    await broker.sendDirect({ stream, position: subscribeAt(record.rev), message });
    return { kind: marker.reset ? 'reset' : 'snapshot', from: known, to: record.rev, batches: 0, bytes: message.length };
  }

  /** The schemas of the type and every type it references, named for the client's instance. */
  #schemaPatches(type: string, instance: string): SchemaPatch[] {
    const { schemas } = this.#parts;
    return schemas.closure(type).map((name) => ({ action: PatchAction.Schema, type: name, instance, schema: schemas.get(name)! }));
  }
}
