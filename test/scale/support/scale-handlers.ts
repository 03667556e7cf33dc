import type { JsonObject } from '../../../protocol/index.js';
import { defineHandler } from '../../../server/index.js';

/** A counter: the exact final count shows whether an increment was lost or applied twice. */
export interface CounterState {
  count: number;
}

/** `Counter`: `inc` adds `by` (default 1). */
export const CounterHandler = defineHandler<CounterState>({
  mount: () => ({ count: 0 }),
  inc(payload: JsonObject, state: CounterState): CounterState {
    return { count: state.count + (typeof payload.by === 'number' ? payload.by : 1) };
  },
});

/** One property per client: the sequence numbers of its events, in the order they were applied. */
export type TallyState = Record<string, number[]>;

/**
 * `Tally`: each `record` appends its `seq` to its client's list, so the final state shows at a glance
 * whether an event was lost (a hole), applied twice (a repeat) or reordered.
 */
export const TallyHandler = defineHandler<TallyState>({
  mount: () => ({}),
  record(payload: JsonObject, state: TallyState): TallyState {
    const client = `c_${String(payload.client)}`;
    return { ...state, [client]: [...(state[client] ?? []), Number(payload.seq)] };
  },
});
