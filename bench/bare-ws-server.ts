import type { Server } from 'node:http';
import { WebSocketServer } from 'ws';
import type { BareChannel, BareEvent, BareHub } from './bare-hub.js';

/**
 * The bare WebSocket baseline, on the `ws` package: `GET /nasc/ws?clientId=` upgrades; every text frame is
 * parsed as an event and handed to the hub, which flips the boolean and sends one frame to each subscriber.
 */
export function attachBareWs(hub: BareHub, server: Server): WebSocketServer {
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const clientId = url.searchParams.get('clientId');
    if (url.pathname !== '/nasc/ws' || !clientId) {
      socket.destroy();
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => {
      const channel: BareChannel = { send: (frame) => ws.send(frame) };
      hub.open(clientId, channel);
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        try {
          hub.handle(clientId, JSON.parse(data.toString()) as BareEvent);
        } catch {
          ws.send('[{"action":"error","message":"bad event"}]');
        }
      });
      ws.once('close', () => hub.close(clientId, channel));
    });
  });
  return sockets;
}
