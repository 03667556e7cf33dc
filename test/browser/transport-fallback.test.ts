import '../../elements/index.js';
import { PageConnection, type NascConnectedEvent } from '../../elements/index.js';
import { equal, ok } from '../browser-support/assert.js';
import { BASE, spyOnWarnings, uid, waitFor } from '../browser-support/harness.js';
import { describe, it } from '../browser-support/mocha.js';

describe('transport fallback', () => {
  it('falls back to SSE when WebSocket can never connect, and says so in the console', async () => {
    const warnings = spyOnWarnings();
    // Same server, mounted where the WebSocket upgrade is refused.
    const base = new URL('../nows/', BASE).href;
    const connection = new PageConnection({ transport: 'ws', base, clientId: `fallback-${crypto.randomUUID()}` });
    const connected: NascConnectedEvent[] = [];
    connection.addEventListener('nasc-connected', (event) => connected.push(event));
    try {
      const instance = uid();
      const values: unknown[] = [];
      connection.subscribe('Echo', instance, { name: 'fell back' }, (change) => {
        if (change.kind === 'prop' && change.prop === 'name') values.push(change.value);
      });
      await waitFor(() => connected.length > 0, 'the connection to go live after falling back', 30_000);
      equal(connected[0]!.transport, 'sse');
      equal(connection.transport, 'sse');
      await waitFor(() => values.includes('fell back'), 'the mounted instance over SSE');
      ok(
        warnings.messages.some((message) => /WS never connected.*falling back to SSE/.test(message)),
        `a console warning about the fallback (got ${JSON.stringify(warnings.messages)})`,
      );
      ok(
        warnings.messages.some((message) => message.includes('nasc.attach(server)')),
        `a dev hint on how the server takes WebSockets (got ${JSON.stringify(warnings.messages)})`,
      );
    } finally {
      warnings.restore();
      connection.close();
    }
  });
});
