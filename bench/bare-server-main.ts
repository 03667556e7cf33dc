/**
 * The bare baseline server as a child process: `node dist/bench/bare-server-main.js`. SSE, POST and
 * WebSocket on one `node:http` server (same paths as Nasc under `/nasc`), the click page with the
 * hand-written floor client, `GET /__bench/memory` and `GET /__bench/cpu`. Prints `READY <port>` once listening on 127.0.0.1.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BareHub } from './bare-hub.js';
import { handleBareSse } from './bare-sse-server.js';
import { attachBareWs } from './bare-ws-server.js';
import { benchPage, ISOLATION_HEADERS, pageInstance } from './bench-page.js';
import { cpuReport, memoryReport, stopWithParent } from './memory-report.js';

const floorClient = readFileSync(new URL('./floor-client.js', import.meta.url), 'utf8');
const hub = new BareHub();

const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (handleBareSse(hub, request, response, url)) return;
  let body: string;
  let type: string;
  if (url.pathname === '/') {
    [body, type] = [benchPage('floor', pageInstance(url.search)), 'text/html; charset=utf-8'];
  } else if (url.pathname === '/floor-client.js') {
    [body, type] = [floorClient, 'text/javascript; charset=utf-8'];
  } else if (url.pathname === '/__bench/memory') {
    [body, type] = [JSON.stringify(memoryReport(hub.size)), 'application/json'];
  } else if (url.pathname === '/__bench/cpu') {
    [body, type] = [JSON.stringify(cpuReport()), 'application/json'];
  } else {
    response.writeHead(404).end();
    return;
  }
  const isolation = url.pathname === '/' ? ISOLATION_HEADERS : {};
  response.writeHead(200, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...isolation });
  response.end(body);
});
const sockets = attachBareWs(hub, server);

server.listen(0, '127.0.0.1', () => {
  console.log(`READY ${(server.address() as AddressInfo).port}`);
});
stopWithParent(() => {
  for (const socket of sockets.clients) socket.terminate();
  server.closeAllConnections();
});
