import type { InstancePolicy } from './engine-options.js';

/** How long an instance never changed since its mount is kept while idle, unless its type says otherwise. */
export const DEFAULT_UNCHANGED_TTL_MS = 600_000;

/** The shortest and longest pause between two rounds of keeping instances in use alive and expiring idle ones. */
const SWEEP_MIN_MS = 10;
const SWEEP_MAX_MS = 60_000;

interface Lifetimes {
  /** At revision 1. */
  readonly unchanged: number | undefined;
  /** Past revision 1. */
  readonly changed: number | undefined;
}

const DEFAULT_LIFETIMES: Lifetimes = { unchanged: DEFAULT_UNCHANGED_TTL_MS, changed: undefined };

/**
 * The app's {@link InstancePolicy} per type, checked once and resolved for the engine's questions: whether
 * and who may create, and the idle lifetime an instance gets with each write.
 */
export class InstancePolicies {
  readonly #creators = new Map<string, NonNullable<InstancePolicy['create']>>();
  readonly #lifetimes = new Map<string, Lifetimes>();
  /** How often instances in use are touched and idle ones expired: a quarter of the shortest lifetime. */
  readonly sweepIntervalMs: number;

  constructor(policies: Readonly<Record<string, InstancePolicy>>, types: ReadonlySet<string>) {
    let shortest = DEFAULT_UNCHANGED_TTL_MS;
    for (const [type, policy] of Object.entries(policies)) {
      if (!types.has(type)) throw new TypeError(`instances names type "${type}", which has no handler`);
      const create = policy.create;
      if (create !== undefined && typeof create !== 'boolean' && typeof create !== 'function') {
        throw new TypeError(`instances.${type}.create must be a boolean or a function`);
      }
      if (create !== undefined && create !== true) this.#creators.set(type, create);
      const idle = lifetime(type, 'idleTtlMs', policy.idleTtlMs);
      const unchanged = lifetime(type, 'unchangedTtlMs', policy.unchangedTtlMs ?? DEFAULT_UNCHANGED_TTL_MS);
      const lifetimes: Lifetimes = { unchanged: finite(Math.min(unchanged, idle)), changed: finite(idle) };
      this.#lifetimes.set(type, lifetimes);
      for (const value of [lifetimes.unchanged, lifetimes.changed]) if (value !== undefined) shortest = Math.min(shortest, value);
    }
    this.sweepIntervalMs = Math.min(SWEEP_MAX_MS, Math.max(SWEEP_MIN_MS, Math.floor(shortest / 4)));
  }

  /** The app's rule for creating instances of `type`, or `undefined` when anyone may. */
  creator(type: string): InstancePolicy['create'] {
    return this.#creators.get(type);
  }

  /** How long an instance of `type` at revision `rev` may stay idle before it is deleted; `undefined`: forever. */
  idleTtl(type: string, rev: number): number | undefined {
    const lifetimes = this.#lifetimes.get(type) ?? DEFAULT_LIFETIMES;
    return rev === 1 ? lifetimes.unchanged : lifetimes.changed;
  }
}

function lifetime(type: string, name: string, value: number | undefined): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) throw new TypeError(`instances.${type}.${name} must be a positive number of ms`);
  return value;
}

function finite(value: number): number | undefined {
  return Number.isFinite(value) ? value : undefined;
}
