/** Transport names as people say them. */
export const TRANSPORT_NAMES = { sse: 'SSE', ws: 'WebSocket' };

/**
 * Keeps the badge true to the page connection: its real transport (after any fallback) and its state,
 * `live`, `reconnecting` (with the attempt count) or `offline`, from `nasc-connected` and
 * `nasc-disconnected`, and `refused` when the server refuses the page's events for its origin. The badge's `data-state` and `data-transport` attributes drive its colour.
 * `data-shared` says whether this tab uses another tab's connection (a browser's tabs share one) or holds it.
 *
 * @param {import('/nasc/nasc.js').PageConnection} connection
 * @param {{ badge: HTMLElement, retry: HTMLButtonElement }} elements
 */
export function showConnectionBadge(connection, { badge, retry }) {
  const text = badge.querySelector('.badge-text');

  /** @param {string} state @param {string | undefined} transport @param {string} label @param {string} [title] */
  const render = (state, transport, label, title = '') => {
    badge.dataset.state = state;
    badge.dataset.shared = String(connection.shared);
    if (transport) badge.dataset.transport = transport;
    const shared = connection.shared ? ' · shared' : '';
    text.textContent = transport ? `${label} · ${TRANSPORT_NAMES[transport] ?? transport}${shared}` : label;
    badge.title = title;
    retry.hidden = state !== 'reconnecting' && state !== 'offline';
  };

  connection.addEventListener('nasc-connected', (event) => {
    const through = event.shared ? ", through another tab's connection (this browser's tabs share one)" : '';
    render('live', event.transport, 'Live', `Patches arrive over ${TRANSPORT_NAMES[event.transport]}${through}.`);
  });

  connection.addEventListener('nasc-disconnected', (event) => {
    const seconds = Math.max(1, Math.round(event.retryInMs / 1000));
    const offline = connection.state === 'offline';
    const label = offline ? `Offline, retrying (attempt ${event.attempt})` : `Reconnecting (attempt ${event.attempt})`;
    render(offline ? 'offline' : 'reconnecting', event.transport, label, `${event.reason}; next try in about ${seconds} s.`);
  });

  // Live, yet every event refused: the server does not see itself at this page's origin (a proxy dropping
  // the port from Host, or hiding TLS). The badge says so instead of looking fine.
  connection.addEventListener('nasc-error', (event) => {
    if (event.error.code !== 'forbidden_origin') return;
    render('refused', connection.transport, 'Events refused: origin', event.error.message);
  });

  retry.addEventListener('click', () => connection.reconnectNow());
  render('connecting', connection.transport, 'Connecting…');
}
