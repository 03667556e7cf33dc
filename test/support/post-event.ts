import { postEvent as kitPostEvent, type PostOptions, type PostReply } from '../../testing/post-event.js';
import { cookieHeader } from './session-cookies.js';

export type { EventReplyBody, PostOptions, PostReply } from '../../testing/post-event.js';

/**
 * The test kit's `postEvent` on `<baseUrl>/nasc/event`, with the test server's session cookie unless told
 * otherwise (`cookie`, `null` for none).
 *
 * @example
 * const reply = await postEvent(base, { clientId, event: 'mount', type: 'Doc', instance: 'a', payload: {} });
 */
export function postEvent(baseUrl: string, body: string | object, options: PostOptions = {}): Promise<PostReply> {
  return kitPostEvent(`${baseUrl}/nasc/event`, body, { ...options, cookie: cookieHeader(baseUrl, options.cookie).Cookie ?? null });
}
