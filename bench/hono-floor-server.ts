/**
 * The child of `hono-floor.js`: answers `POST /event` with a fixed `202 {"ok":true,…}` after parsing the JSON
 * body, as Nasc's event route answers, either straight from `node:http` (`node`) or through a Hono app on
 * `@hono/node-server` (`hono`); nothing of Nasc runs. `GET /__bench/cpu` as the bench servers answer it.
 * Prints `READY <port>`.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpuReport, stopWithParent } from './memory-report.js';

const ANSWER = '{"ok":true,"eventId":"bench.1"}';
const ready = (port: number): void => console.log(`READY ${port}`);

if (process.argv[2] === 'hono') {
  const app = new Hono();
  app.get('/__bench/cpu', (c) => c.json(cpuReport()));
  app.post('/event', async (c) => {
    JSON.parse(await c.req.text());
    return c.body(ANSWER, 202, { 'Content-Type': 'application/json' });
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => ready(info.port));
  stopWithParent(() => server.close());
} else {
  const server = createServer((request, response) => {
    if (request.url === '/__bench/cpu') {
      response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(cpuReport()));
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(202, { 'Content-Type': 'application/json' }).end(ANSWER);
    });
  });
  server.listen(0, '127.0.0.1', () => ready((server.address() as AddressInfo).port));
  stopWithParent(() => server.close());
}
