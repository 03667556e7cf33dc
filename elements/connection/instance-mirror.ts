import {
  PatchAction,
  ReservedEvent,
  type AckPatch,
  type BindUpdatePatch,
  type ClientEvent,
  type ErrorPatch,
  type JsonObject,
  type JsonValue,
  type Patch,
  type SchemaPatch,
  type SnapshotPatch,
} from '../../protocol/index.js';
import { RevisionGate } from './revision-gate.js';

/** What a subscriber of one instance is told. */
export type InstanceChange =
  | { kind: 'prop'; prop: string; value: JsonValue }
  | { kind: 'ack'; eventId: string }
  /** A schema for the instance's type arrived: bindings can be checked against it. */
  | { kind: 'schema' }
  | { kind: 'error'; error: ErrorPatch };

/** A subscriber of one instance. */
export type InstanceListener = (change: InstanceChange) => void;

/** One instance the page shows: its known state, its subscribers, and where its mount stands. */
export interface InstanceView {
  readonly key: string;
  readonly type: string;
  readonly instance: string;
  params: JsonObject;
  readonly state: Map<string, JsonValue>;
  readonly listeners: Set<InstanceListener>;
  /** A mount is on its way: no second resync until its ack (or a timeout) says it is done. */
  resyncing: boolean;
  mountEventId?: string;
  recheckTimer?: ReturnType<typeof setTimeout>;
  unmountTimer?: ReturnType<typeof setTimeout>;
}

/** Where the mirror's mounts and unmounts go, and who hears of acks and errors. */
export interface MirrorOwner {
  nextEventId(): string;
  /** Sends a control event (mount, unmount) ahead of queued events. */
  control(event: ClientEvent): void;
  acknowledged(ack: AckPatch): void;
  failed(error: ErrorPatch): void;
}

/** How long a resync may stay unanswered before the client asks again. */
const RESYNC_RETRY_MS = 2_000;

/** The patches of one message, as they concern each instance. */
interface MessageBatch {
  /** One verdict per instance per message: all its patches carry the same revision. */
  readonly verdicts: Map<string, boolean>;
  /** The properties each accepted snapshot named: whatever it did not is cleared. */
  readonly snapshotProps: Map<string, Set<string>>;
  readonly touched: Set<InstanceView>;
}

export function instanceKey(type: string, instance: string): string {
  return `${type}\u0000${instance}`;
}

/**
 * The page's copy of every instance it shows: mounted once per page however many scopes show it, changed
 * only in revision order (a gap or an ignored newer change asks for the instance again with the revision
 * held), replaced whole by a snapshot, and unmounted a moment after its last subscriber leaves.
 */
export class InstanceMirror {
  readonly views = new Map<string, InstanceView>();
  readonly schemas = new Map<string, JsonObject>();
  readonly #gate = new RevisionGate();
  readonly #owner: MirrorOwner;

  constructor(owner: MirrorOwner) {
    this.#owner = owner;
  }

  subscribe(type: string, instance: string, params: JsonObject, listener: InstanceListener): () => void {
    const key = instanceKey(type, instance);
    let view = this.views.get(key);
    if (!view) {
      view = { key, type, instance, params, state: new Map(), listeners: new Set(), resyncing: false };
      this.views.set(key, view);
      this.mount(view);
    } else {
      clearTimeout(view.unmountTimer);
      view.unmountTimer = undefined;
    }
    view.listeners.add(listener);
    for (const [prop, value] of view.state) listener({ kind: 'prop', prop, value });
    const subscribed = view;
    return () => {
      subscribed.listeners.delete(listener);
      if (subscribed.listeners.size > 0 || subscribed.unmountTimer) return;
      // An element moved in the DOM disconnects and reconnects at once: wait a moment before unmounting.
      subscribed.unmountTimer = setTimeout(() => this.#unmount(subscribed), 1_000);
    };
  }

  /** Mounts again every instance still shown (the stream was opened anew), each with the revision it holds. */
  mountAll(): void {
    for (const view of this.views.values()) if (view.listeners.size > 0 || !view.unmountTimer) this.mount(view);
  }

  /** Mounts an instance, stating the revision the page holds (none the first time). */
  mount(view: InstanceView): void {
    const rev = this.#gate.position(view.key);
    view.mountEventId = this.#owner.nextEventId();
    view.resyncing = true;
    const mount: ClientEvent = { event: ReservedEvent.Mount, type: view.type, instance: view.instance, payload: view.params, eventId: view.mountEventId };
    if (rev !== undefined) mount.rev = rev;
    this.#owner.control(mount);
  }

  /** A mount the server did not take yet goes again after its wait; false when `eventId` is no mount. */
  retryMount(eventId: string, retryAfterMs: number): boolean {
    for (const view of this.views.values()) {
      if (view.mountEventId !== eventId) continue;
      view.resyncing = false;
      setTimeout(() => this.views.get(view.key) === view && this.mount(view), retryAfterMs);
      return true;
    }
    return false;
  }

  /** Tells an instance's subscribers of an error about it. */
  tell(error: ErrorPatch): void {
    if (error.type !== undefined && error.instance !== undefined) {
      this.views.get(instanceKey(error.type, error.instance))?.listeners.forEach((l) => l({ kind: 'error', error }));
    }
  }

  /** Applies one message; acks and errors go to the owner. */
  apply(patches: readonly Patch[]): void {
    const batch: MessageBatch = { verdicts: new Map(), snapshotProps: new Map(), touched: new Set() };
    for (const patch of patches) {
      switch (patch.action) {
        case PatchAction.Schema:
          this.#schema(patch);
          break;
        case PatchAction.Snapshot:
          this.#snapshot(patch, batch);
          break;
        case PatchAction.BindUpdate:
          this.#update(patch, batch);
          break;
        case PatchAction.Ack:
          this.#ack(patch, batch);
          break;
        case PatchAction.Error:
          this.#owner.failed(patch);
          break;
      }
    }
    // A snapshot replaces the state: whatever it no longer has is cleared.
    for (const [key, props] of batch.snapshotProps) {
      const view = this.views.get(key)!;
      for (const prop of [...view.state.keys()]) if (!props.has(prop)) this.#setProp(view, prop, null);
    }
    for (const view of batch.touched) this.#catchUp(view);
  }

  #schema(patch: SchemaPatch): void {
    this.schemas.set(patch.type, patch.schema);
    for (const view of this.views.values()) if (view.type === patch.type) view.listeners.forEach((l) => l({ kind: 'schema' }));
  }

  #snapshot(patch: SnapshotPatch, batch: MessageBatch): void {
    const view = this.views.get(instanceKey(patch.type, patch.instance));
    if (!view) return;
    batch.touched.add(view);
    const accepted = this.#gate.snapshot(view.key, patch.rev, patch.reset === true);
    batch.verdicts.set(view.key, accepted);
    if (!accepted) return;
    batch.snapshotProps.set(view.key, new Set());
    view.resyncing = false;
  }

  #update(patch: BindUpdatePatch, batch: MessageBatch): void {
    const view = this.views.get(instanceKey(patch.type, patch.instance));
    if (!view) return;
    batch.touched.add(view);
    let apply = batch.verdicts.get(view.key);
    if (apply === undefined) {
      apply = this.#gate.delta(view.key, patch.rev);
      batch.verdicts.set(view.key, apply);
    }
    if (!apply) return;
    batch.snapshotProps.get(view.key)?.add(patch.prop);
    this.#setProp(view, patch.prop, patch.value);
  }

  #ack(patch: AckPatch, batch: MessageBatch): void {
    const view = this.views.get(instanceKey(patch.type, patch.instance));
    if (view && patch.eventId === view.mountEventId) {
      // The mount's answer is complete; anything still missing needs another resync.
      view.resyncing = false;
      batch.touched.add(view);
      return;
    }
    this.#owner.acknowledged(patch);
    view?.listeners.forEach((l) => l({ kind: 'ack', eventId: patch.eventId }));
  }

  /** Asks for what a view is missing when the server is known to be ahead (a gap, or an ignored delta). */
  #catchUp(view: InstanceView): void {
    if (!this.#gate.behind(view.key)) return;
    if (!view.resyncing) {
      this.mount(view);
      return;
    }
    view.recheckTimer ??= setTimeout(() => {
      view.recheckTimer = undefined;
      if (!this.views.has(view.key)) return;
      view.resyncing = false;
      this.#catchUp(view);
    }, RESYNC_RETRY_MS);
  }

  #setProp(view: InstanceView, prop: string, value: JsonValue): void {
    if (value === null) view.state.delete(prop);
    else view.state.set(prop, value);
    for (const listener of view.listeners) listener({ kind: 'prop', prop, value });
  }

  #unmount(view: InstanceView): void {
    view.unmountTimer = undefined;
    if (view.listeners.size > 0) return;
    this.views.delete(view.key);
    this.#gate.forget(view.key);
    clearTimeout(view.recheckTimer);
    this.#owner.control({ event: ReservedEvent.Unmount, type: view.type, instance: view.instance, payload: {} });
  }
}
