/**
 * The floor of the click benchmark: the least a browser client must do, hand-written. It opens the stream
 * (EventSource, or a WebSocket with `?transport=ws`), mounts the page's one scope, sends `na-click` events
 * and writes each `bindUpdate` into the matching `<na-bind>` as text. No outbox, no revisions, no retries.
 * Served by the bare server at `/floor-client.js`; the page is {@link benchPage} with `floor`.
 */
export {};

interface FloorPatch {
  action: string;
  prop?: string;
  value?: unknown;
}

const scope = document.querySelector('na-scope')!;
const type = scope.getAttribute('type')!;
const instance = scope.getAttribute('instance')!;
const clientId = `floor-${Math.random().toString(36).slice(2)}`;
const useWs = new URLSearchParams(location.search).get('transport') === 'ws';
let socket: WebSocket | undefined;
let mounted = false;
let sent = 0;

function send(event: string): void {
  const body = { event, type, instance, payload: {}, eventId: `${clientId}-${++sent}` };
  if (socket) {
    socket.send(JSON.stringify(body));
    return;
  }
  void fetch('/nasc/event', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...body, clientId }),
  });
}

function onMessage(text: string): void {
  if (!mounted) {
    mounted = true;
    send('mount');
  }
  for (const patch of JSON.parse(text) as FloorPatch[]) {
    if (patch.action !== 'bindUpdate') continue;
    for (const bind of scope.querySelectorAll(`na-bind[prop="${patch.prop}"]`)) {
      bind.textContent = patch.value === null ? '' : String(patch.value);
    }
  }
}

scope.addEventListener('click', (event) => {
  const target = (event.target as Element).closest('[na-click]');
  if (target) send(target.getAttribute('na-click')!);
});

if (useWs) {
  socket = new WebSocket(`ws://${location.host}/nasc/ws?clientId=${clientId}`);
  socket.onmessage = (event: MessageEvent<string>) => onMessage(event.data);
} else {
  const source = new EventSource(`/nasc/events?clientId=${clientId}`);
  source.onmessage = (event: MessageEvent<string>) => onMessage(event.data);
}
