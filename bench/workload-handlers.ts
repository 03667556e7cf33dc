import type { JsonObject } from '../protocol/index.js';
import { defineHandler, type Handler } from '../server/index.js';
import { WORKLOADS, type Workload } from './workloads.js';

/** A workload as a Nasc handler: `mount` and its one event. */
export function workloadHandler(workload: Workload): Handler<JsonObject> {
  return defineHandler<JsonObject>({
    mount: () => workload.mount(),
    [workload.event]: (payload: JsonObject, state: JsonObject) => workload.handle(payload, state),
  });
}

/** A handler for every workload but `toggle` (the bench server's own `Toggle`), keyed by type. */
export function workloadHandlers(): Record<string, Handler<JsonObject>> {
  const handlers: Record<string, Handler<JsonObject>> = {};
  for (const workload of Object.values(WORKLOADS)) if (workload.name !== 'toggle') handlers[workload.type] = workloadHandler(workload);
  return handlers;
}
