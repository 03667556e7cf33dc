// The demo's only script of its own. The live parts of the page need none: <na-scope> and <na-bind> come
// from /nasc/nasc.js, and the traffic panel is <na-traffic> from /nasc/na-traffic.js. This module draws the
// rest of what is about the connection itself, the badge and the transport switch, from its events.
import { getPageConnection } from '/nasc/nasc.js';
// <na-traffic>, a development tool kept out of /nasc/nasc.js. Imported in the same module graph as the
// bundle, so it is listening before the connection starts and lists its first mounts too.
import '/nasc/na-traffic.js';
import { showConnectionBadge } from './connection-badge.js';
import { showTransportSwitch } from './transport-switch.js';

// The elements were defined (and the scopes subscribed) while /nasc/nasc.js ran; the connection itself
// starts on the next microtask, so every listener below sees it from its first event.
const connection = getPageConnection();

showConnectionBadge(connection, {
  badge: document.getElementById('connection-badge'),
  retry: document.getElementById('reconnect-now'),
});
showTransportSwitch(connection, document.querySelector('.transport-switch'));
