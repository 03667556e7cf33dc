import type { JsonObject } from '../../protocol/index.js';
import { defineHandler } from '../../server/index.js';

/** One property per client: the sequence numbers of its events, in the order the server applied them. */
export type Tally = Record<string, number[]>;

/**
 * The fault-injection workload: each event appends its sequence number to its client's list, so the final
 * state shows at a glance whether an event was lost (a hole), applied twice (a repeat) or reordered.
 */
export const TallyHandler = defineHandler<Tally>({
  mount: () => ({}),
  record(payload: JsonObject, state: Tally): Tally {
    const client = String(payload.client);
    return { ...state, [`c_${client}`]: [...(state[`c_${client}`] ?? []), Number(payload.seq)] };
  },
});
