import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { SAMPLE_TODOS } from '../../demo/handlers/todo-list.js';
import { launchBrowser, openDemo, waitForBadge } from './support/browser.js';
import { addTodo, waitForTodos, waitForTraffic } from './support/demo-page.js';
import { DemoServer } from './support/demo-server.js';

const SAMPLE_TITLES = SAMPLE_TODOS.map((todo) => todo.title);

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

test('the transport switch reloads over the other transport, and the page keeps working', { timeout: 120_000 }, async (t) => {
  const server = await DemoServer.start();
  t.after(() => server.dispose());
  const demo = await openDemo(browser, server.url());
  t.after(() => demo.context.close());
  const { page } = demo;

  // No ?transport=: SSE, the default.
  await waitForBadge(page, 'live', 'sse');
  assert.equal(await page.locator('.transport-switch a[aria-current="true"]').innerText(), 'SSE');

  await page.getByRole('link', { name: 'WebSocket' }).click();
  await page.waitForURL(/\?transport=ws$/);
  await waitForBadge(page, 'live', 'ws');
  assert.equal((await page.locator('#connection-badge').innerText()).trim(), 'Live · WebSocket');
  assert.equal(await page.locator('.transport-switch a[aria-current="true"]').innerText(), 'WebSocket');
  await addTodo(page, 'Over WebSocket');
  await waitForTodos(page, [...SAMPLE_TITLES, 'Over WebSocket']);
  await waitForTraffic(page, { kind: 'sent', instance: 'TodoList/my-list', message: 'add_todo {"title":"Over WebSocket"}', result: 'ack', via: 'WS' });
  // The page really uses a socket: a WebSocket frame carried the event.
  const usesSocket = await page.evaluate(async () => {
    const { getPageConnection } = (await import('/nasc/nasc.js' as string)) as typeof import('../../elements/index.js');
    return getPageConnection().transport;
  });
  assert.equal(usesSocket, 'ws');

  await page.getByRole('link', { name: 'SSE' }).click();
  await page.waitForURL(/\?transport=sse$/);
  await waitForBadge(page, 'live', 'sse');
  assert.equal((await page.locator('#connection-badge').innerText()).trim(), 'Live · SSE');
  // The reload resumes the same state over the other transport.
  await waitForTodos(page, [...SAMPLE_TITLES, 'Over WebSocket']);
  await addTodo(page, 'Over SSE');
  await waitForTodos(page, [...SAMPLE_TITLES, 'Over WebSocket', 'Over SSE']);
  assert.deepEqual(demo.problems, []);
});
