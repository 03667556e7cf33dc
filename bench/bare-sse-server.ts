import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BareChannel, BareEvent, BareHub } from './bare-hub.js';

/** Largest event body the bare server reads, like Nasc's default. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * The bare SSE baseline, on plain `node:http`: `GET /nasc/events?clientId=` opens a stream (one `data:` frame
 * per message, no ids), `POST /nasc/event` parses the JSON body, lets the hub flip the boolean and write the
 * frame, then answers 202. Returns false for any other request.
 */
export function handleBareSse(hub: BareHub, request: IncomingMessage, response: ServerResponse, url: URL): boolean {
  if (request.method === 'GET' && url.pathname === '/nasc/events') {
    const clientId = url.searchParams.get('clientId');
    if (!clientId) {
      response.writeHead(400).end();
      return true;
    }
    response.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' });
    const channel: BareChannel = { send: (frame) => void response.write(`data: ${frame}\n\n`) };
    hub.open(clientId, channel);
    request.once('close', () => hub.close(clientId, channel));
    return true;
  }
  if (request.method === 'POST' && url.pathname === '/nasc/event') {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.once('end', () => {
      let event: BareEvent & { clientId?: string };
      try {
        event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as BareEvent & { clientId?: string };
      } catch {
        response.writeHead(400).end();
        return;
      }
      const handled = size <= MAX_BODY_BYTES && typeof event.clientId === 'string' && hub.handle(event.clientId, event);
      const body = handled ? '{"ok":true}' : '{"error":"no stream"}';
      response.writeHead(handled ? 202 : 409, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      response.end(body);
    });
    return true;
  }
  return false;
}
