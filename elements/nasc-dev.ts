/**
 * The dev bundle's entry (`/nasc/nasc.dev.js`): the production entry, built with dev warnings on, plus the
 * developer tools that have no place in `/nasc/nasc.js` at all, such as `<na-traffic>`. Imported after the
 * elements, so the traffic panel finds the page connection already provided.
 */
export * from './nasc.js';
export { NaTraffic } from './tools/na-traffic.js';
export type { TrafficEntry, SentEntry, ReceivedEntry, ErrorEntry, StreamEntry, EventOutcome, Answer, InstanceRef } from './tools/traffic-entry.js';
