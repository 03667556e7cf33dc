import type { JsonObject, Patch } from '../protocol/index.js';

/**
 * What one client knows of one instance, kept from the patches it received the way the browser keeps it: a
 * `snapshot` starts the state afresh, each `bindUpdate` sets one top-level property (`null` removes it), and
 * the revision is that of the last change seen.
 */
export class InstanceView {
  state: JsonObject = {};
  rev = 0;
  /** True once the server said the instance was deleted. */
  deleted = false;

  /** Applies one patch about this instance. */
  apply(patch: Patch): void {
    switch (patch.action) {
      case 'snapshot':
        this.state = {};
        this.rev = patch.rev;
        this.deleted = false;
        break;
      case 'bindUpdate': {
        const next = { ...this.state };
        if (patch.value === null) delete next[patch.prop];
        else next[patch.prop] = patch.value;
        this.state = next;
        this.rev = patch.rev;
        break;
      }
      case 'error':
        if (patch.code === 'instance_deleted') this.deleted = true;
        break;
      default:
        break;
    }
  }
}

/** Which instance a patch is about (`type` and `instance` as the client named it), if any. */
export function instanceOf(patch: Patch): string | undefined {
  if (patch.action === 'ack' || patch.action === 'schema') return undefined;
  return patch.type !== undefined && patch.instance !== undefined ? viewKey(patch.type, patch.instance) : undefined;
}

export function viewKey(type: string, instance: string): string {
  return `${type}\u0000${instance}`;
}
