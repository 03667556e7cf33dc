/**
 * `requestHeader` reads what `c.req.header()` reads: from Node's parsed headers on a real server, through
 * Hono elsewhere. Missing headers are `undefined`, names are lowercase, a repeated Cookie is joined as
 * browsers' cookies are, and a repeated Content-Type reads as its first.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { requestHeader } from '../../server/hono/hono-request.js';

const NAMES = ['origin', 'cookie', 'content-type', 'x-missing'];
const app = new Hono().post('/headers', (c) => c.json({ ours: NAMES.map((name) => requestHeader(c, name) ?? null), hono: NAMES.map((name) => c.req.header(name) ?? null) }));

describe('requestHeader', () => {
  let server: Server;
  let port: number;
  before(async () => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
    await new Promise<void>((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Posts raw header lines and returns the route's JSON answer. */
  function rawPost(headerLines: string[]): Promise<{ ours: (string | null)[]; hono: (string | null)[] }> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
      socket.on('error', reject);
      socket.on('close', () => resolve(JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4)) as { ours: (string | null)[]; hono: (string | null)[] }));
      socket.write(`POST /headers HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${headerLines.map((line) => `${line}\r\n`).join('')}Content-Length: 0\r\nConnection: close\r\n\r\n`);
    });
  }

  test('on Node, reads the same values as c.req.header for single headers, and undefined for a missing one', async () => {
    const answer = await rawPost(['Origin: https://example.com', 'Cookie: a=1', 'Content-Type:   application/json  ']);
    assert.deepEqual(answer.ours, ['https://example.com', 'a=1', 'application/json', null]);
    assert.deepEqual(answer.ours, answer.hono);
  });

  test('on Node, a repeated Cookie is joined with "; ", a repeated Content-Type reads as its first', async () => {
    const answer = await rawPost(['Cookie: a=1', 'Cookie: b=2', 'Content-Type: application/json', 'Content-Type: text/plain']);
    assert.deepEqual(answer.ours, [null, 'a=1; b=2', 'application/json', null]);
  });

  test('without Node (app.request), reads through Hono', async () => {
    const response = await app.request('/headers', { method: 'POST', headers: { Origin: 'https://example.com', 'Content-Type': 'application/json' } });
    const answer = (await response.json()) as { ours: (string | null)[]; hono: (string | null)[] };
    assert.deepEqual(answer.ours, ['https://example.com', null, 'application/json', null]);
    assert.deepEqual(answer.ours, answer.hono);
  });
});
