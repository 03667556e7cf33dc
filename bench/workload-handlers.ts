import type { JsonObject } from '../protocol/index.js';
import { defineHandler, type Handler } from '../server/index.js';
import { WORKLOADS, type Workload } from './workloads.js';

/**
 * A workload as a Nasc handler: `mount` and its one event. Each workload's `handle` returns new objects for
 * what it changes, so it is declared with `immutableState`, as an app that writes its handlers that way would
 * (`NASC_BENCH_COPIED_STATE=1`: without it, each event gets a copy of the state, the default). The bench
 * servers run with `NODE_ENV=production`, where that state is not frozen either.
 */
export function workloadHandler(workload: Workload): Handler<JsonObject> {
  return defineHandler<JsonObject>(
    {
      mount: () => workload.mount(),
      [workload.event]: (payload: JsonObject, state: JsonObject) => workload.handle(payload, state),
    },
    { immutableState: process.env.NASC_BENCH_COPIED_STATE !== '1' },
  );
}

/** A handler for every workload but `toggle` (the bench server's own `Toggle`), keyed by type. */
export function workloadHandlers(): Record<string, Handler<JsonObject>> {
  const handlers: Record<string, Handler<JsonObject>> = {};
  for (const workload of Object.values(WORKLOADS)) if (workload.name !== 'toggle') handlers[workload.type] = workloadHandler(workload);
  return handlers;
}
