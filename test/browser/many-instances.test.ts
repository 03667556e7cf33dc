/**
 * A page showing many instances with long names reconnects like any other: what it sends to reopen its
 * stream does not grow with what it shows (it mounts each instance again, one small event each), so no proxy
 * or server ever refuses the reopen for its size, and every scope is live again with what changed meanwhile.
 */
import '../../elements/index.js';
import { equal, ok } from '../browser-support/assert.js';
import { cleanupFixtures, dropStreams, fixture, nextEvent, params, TRANSPORTS, uid, waitFor } from '../browser-support/harness.js';
import { afterEach, describe, it } from '../browser-support/mocha.js';

/** 40 scopes whose instance ids are 60 CJK characters each: about 34 KB of cursor when it travelled in the URL. */
const SCOPES = 40;
const CJK_NAME_LENGTH = 60;

function cjkName(index: number, salt: string): string {
  let name = '';
  for (let char = 0; char < CJK_NAME_LENGTH - salt.length - 3; char++) name += String.fromCodePoint(0x4e00 + ((index * 97 + char * 13) % 2000));
  return `${name}${salt}${String(index).padStart(3, '0')}`;
}

/** Records the URL of every stream the page opens (EventSource or WebSocket) until `restore()`. */
function recordStreamUrls(): { readonly urls: string[]; restore(): void } {
  const urls: string[] = [];
  const OriginalEventSource = window.EventSource;
  const OriginalWebSocket = window.WebSocket;
  window.EventSource = class extends OriginalEventSource {
    constructor(url: string | URL, init?: EventSourceInit) {
      urls.push(String(url));
      super(url, init);
    }
  };
  window.WebSocket = class extends OriginalWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      urls.push(String(url));
      super(url, protocols);
    }
  };
  return {
    urls,
    restore() {
      window.EventSource = OriginalEventSource;
      window.WebSocket = OriginalWebSocket;
    },
  };
}

for (const transport of TRANSPORTS) {
  describe(`${SCOPES} instances with long names over ${transport}`, () => {
    afterEach(() => cleanupFixtures());

    it('reopen with a small request, all live again, with what changed while down', async () => {
      const salt = uid('').slice(1, 9);
      const names = Array.from({ length: SCOPES }, (_, index) => cjkName(index, salt));
      const f = fixture(
        transport,
        names.map((name) => `<na-scope type="Echo" instance="${name}" ${params({ n: 0 })}><na-bind prop="n"></na-bind></na-scope>`).join(''),
      );
      const binds = () => [...f.root.querySelectorAll('na-bind')];
      await waitFor(() => binds().every((bind) => bind.textContent === '0'), 'every scope shows its first state');
      const recorder = recordStreamUrls();
      try {
        const reconnected = nextEvent(f.connection, 'nasc-connected');
        // Every instance changes while the stream is down: the reopened page must catch up on each.
        await dropStreams(
          [f.connection.clientId],
          names.map((instance) => ({ type: 'Echo', instance, event: 'set', payload: { n: 1 } })),
        );
        await reconnected;
        await waitFor(() => binds().every((bind) => bind.textContent === '1'), () => `caught up: ${binds().filter((bind) => bind.textContent === '1').length} of ${SCOPES}`, 20_000);
        ok(recorder.urls.length >= 1, 'the stream was reopened');
        for (const url of recorder.urls) ok(url.length < 2_048, `a reopen sent ${url.length} characters: ${url.slice(0, 120)}…`);
        equal(f.connection.state, 'live');
      } finally {
        recorder.restore();
      }
    });
  });
}
