/** Rows kept in the log; older ones are dropped. */
const MAX_ROWS = 200;
/** Longest text shown for one message. */
const MAX_TEXT = 240;

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

/** @param {unknown} value */
function json(value) {
  const text = JSON.stringify(value);
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

/** One outgoing event as a line: `add_todo TodoList/my-list {"title":"Milk"}`. */
function describeEvent(event) {
  const payload = event.payload && Object.keys(event.payload).length > 0 ? ` ${json(event.payload)}` : '';
  const rev = event.rev === undefined ? '' : ` (resume from rev ${event.rev})`;
  return `${event.event} ${event.type}/${event.instance}${payload}${rev}`;
}

/** One patch as a line. */
function describePatch(patch, roundTrip) {
  switch (patch.action) {
    case 'snapshot':
      return `snapshot ${patch.type}/${patch.instance} @${patch.rev}${patch.reset ? ' (reset: the instance started over)' : ''}`;
    case 'bindUpdate':
      return patch.snapshot
        ? `  ${patch.prop} = ${json(patch.value)}`
        : `bindUpdate ${patch.type}/${patch.instance} ${patch.prop} = ${json(patch.value)} @${patch.rev}`;
    case 'ack':
      return `ack ${patch.type}/${patch.instance} @${patch.rev}${roundTrip}`;
    case 'error':
      return `error${patch.code ? ` ${patch.code}` : ''}${patch.field ? ` (${patch.field})` : ''}: ${patch.message}${roundTrip}`;
    case 'schema':
      return `schema ${patch.type}`;
    case 'resync':
      return `resync ${patch.type}/${patch.instance}`;
    default:
      return json(patch);
  }
}

/**
 * The traffic panel: every event the page connection sends (`nasc-send`: mounts, events, retries) and
 * every patch array it receives (`nasc-patch`), newest first, on either transport. An ack shows how long
 * its event took, from the send to the ack.
 *
 * @param {import('/nasc/nasc.js').PageConnection} connection
 * @param {{ log: HTMLOListElement, stats: HTMLElement, clear: HTMLButtonElement }} elements
 */
export function showTraffic(connection, { log, stats, clear }) {
  let sent = 0;
  let received = 0;
  /** eventId → when it was (last) sent. */
  const sentAt = new Map();
  /** Error patches that came in a message, so the `nasc-error` they also raise is not listed twice. */
  const listed = new WeakSet();

  const updateStats = () => {
    stats.textContent = `↑ ${sent} sent · ↓ ${received} received`;
  };

  /** @param {'out' | 'in' | 'local'} direction @param {string[]} lines */
  const add = (direction, lines) => {
    const row = document.createElement('li');
    row.className = `traffic-row ${direction}`;
    row.dataset.direction = direction;
    const time = document.createElement('time');
    time.textContent = clock.format(new Date());
    const arrow = document.createElement('span');
    arrow.className = 'traffic-dir';
    arrow.textContent = direction === 'out' ? '↑ send' : direction === 'in' ? '↓ patch' : '! error';
    const body = document.createElement('span');
    body.className = 'traffic-body';
    for (const line of lines) {
      const part = document.createElement('code');
      part.textContent = line;
      body.append(part);
    }
    row.append(time, arrow, body);
    log.prepend(row);
    while (log.childElementCount > MAX_ROWS) log.lastElementChild.remove();
  };

  connection.addEventListener('nasc-send', ({ event }) => {
    sent += 1;
    if (event.eventId) sentAt.set(event.eventId, performance.now());
    add('out', [describeEvent(event)]);
    updateStats();
  });

  connection.addEventListener('nasc-patch', ({ patches }) => {
    received += 1;
    const lines = patches.map((patch) => {
      let roundTrip = '';
      if ((patch.action === 'ack' || patch.action === 'error') && patch.eventId && sentAt.has(patch.eventId)) {
        roundTrip = ` · ${Math.round(performance.now() - sentAt.get(patch.eventId))} ms`;
        sentAt.delete(patch.eventId);
      }
      if (patch.action === 'error') listed.add(patch);
      return describePatch(patch, roundTrip);
    });
    add('in', lines);
    updateStats();
  });

  // Errors no patch carried: a POST refused with a 4xx, a full outbox.
  connection.addEventListener('nasc-error', ({ error }) => {
    if (listed.has(error)) return;
    add('local', [describePatch(error, '')]);
  });

  clear.addEventListener('click', () => {
    log.replaceChildren();
    sent = 0;
    received = 0;
    updateStats();
  });
  updateStats();
}
