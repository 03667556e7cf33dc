import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * The status of a GET of `url`, over http or https, on a connection of its own (so no request lands on a
 * kept-alive connection the server already closed); the test's self-signed certificate is accepted, which
 * Node's `fetch` cannot be told to do for one request.
 */
export function answerStatus(url: string, timeoutMs = 5_000): Promise<number> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(target, { method: 'GET', agent: false, rejectUnauthorized: false, timeout: timeoutMs }, (answer) => {
      answer.resume();
      resolve(answer.statusCode ?? 0);
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    outgoing.on('error', reject);
    outgoing.end();
  });
}
