import type { Handler } from 'hono';
import type { FormEndpoint } from '../endpoints/form-endpoint.js';
import { writeRefusal } from './answer.js';
import { requestBody } from './hono-body.js';
import { honoRequestParts } from './hono-request.js';

/**
 * `POST /form` as a Hono route: an event posted by a plain HTML form, answered by the {@link FormEndpoint}
 * with a `303 See Other` back to the page (and its flash cookie), or a refusal as JSON.
 */
export function formRoute(forms: FormEndpoint, trustProxy: boolean): Handler {
  return async function nascPostForm(c) {
    const answer = await forms.answer({ ...honoRequestParts(c, trustProxy), query: (name) => c.req.query(name), body: requestBody(c) });
    if ('refusal' in answer) return writeRefusal(c, answer.refusal);
    if (answer.setCookie !== undefined) c.header('Set-Cookie', answer.setCookie, { append: true });
    c.header('Cache-Control', 'no-store');
    return c.redirect(answer.redirect, 303);
  };
}
