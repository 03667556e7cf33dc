// The demo's only script. The live parts of the page need none: <na-scope> and <na-bind> come from
// /nasc/nasc.js. This module draws what is about the connection itself: the badge, the transport switch and
// the traffic panel, all from the page connection's events.
import { getPageConnection } from '/nasc/nasc.js';
import { showConnectionBadge } from './connection-badge.js';
import { showTraffic } from './traffic-panel.js';
import { showTransportSwitch } from './transport-switch.js';

// The elements were defined (and the scopes subscribed) while /nasc/nasc.js ran; the connection itself
// starts on the next microtask, so every listener below sees it from its first event.
const connection = getPageConnection();

showConnectionBadge(connection, {
  badge: document.getElementById('connection-badge'),
  retry: document.getElementById('reconnect-now'),
});
showTransportSwitch(connection, document.querySelector('.transport-switch'));
showTraffic(connection, {
  log: document.getElementById('traffic-log'),
  stats: document.getElementById('traffic-stats'),
  clear: document.getElementById('traffic-clear'),
});
