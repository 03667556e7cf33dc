/**
 * The transport switch: two links that reload the page with `?transport=sse` or `?transport=ws` (the
 * page connection reads it once, when it starts). The link of the transport really in use is marked
 * current, so a fallback shows.
 *
 * @param {import('/nasc/nasc.js').PageConnection} connection
 * @param {HTMLElement} group
 */
export function showTransportSwitch(connection, group) {
  const links = [...group.querySelectorAll('a[data-transport]')];

  for (const link of links) {
    // Keep the page's other query parameters; only the transport changes.
    const url = new URL(location.href);
    url.searchParams.set('transport', link.dataset.transport);
    url.hash = '';
    link.href = url.pathname + url.search;
  }

  /** @param {string | undefined} transport */
  const mark = (transport) => {
    for (const link of links) {
      if (link.dataset.transport === transport) link.setAttribute('aria-current', 'true');
      else link.removeAttribute('aria-current');
    }
  };

  const asked = new URLSearchParams(location.search).get('transport');
  mark(asked === 'ws' || asked === 'sse' ? asked : 'sse');
  connection.addEventListener('nasc-connected', (event) => mark(event.transport));
}
