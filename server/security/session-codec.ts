import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { GenerationalMap } from '../util/generational-map.js';

const VERSION = 'v1';

/**
 * Signs and checks session tokens: `v1.<id>.<mac>`, the id 128 random bits, the MAC an HMAC-SHA256 of the id
 * under the app's secret. Stateless: any process holding the secret can check a token.
 */
export class SessionCodec {
  readonly #key: Buffer;
  /**
   * Tokens already checked, and their ids: every POST carries the same cookie, and an HMAC per request was
   * the costliest step of taking an event. A token's validity never changes under one key.
   */
  readonly #verified = new GenerationalMap<string, string>(10_000);

  constructor(key: Buffer) {
    this.#key = key;
  }

  /** A new session id and its signed token. */
  issue(): { id: string; token: string } {
    const id = randomBytes(16).toString('base64url');
    return { id, token: `${VERSION}.${id}.${this.#mac(id)}` };
  }

  /** The session id inside a valid token; `undefined` for anything forged, truncated or malformed. */
  verify(token: string | undefined): string | undefined {
    if (!token || token.length > 128) return undefined;
    const known = this.#verified.get(token);
    if (known !== undefined) return known;
    const [version, id, mac, extra] = token.split('.');
    if (version !== VERSION || !id || !mac || extra !== undefined || !/^[\w-]{22}$/.test(id)) return undefined;
    const expected = Buffer.from(this.#mac(id));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    this.#verified.set(token, id);
    return id;
  }

  #mac(id: string): string {
    return createHmac('sha256', this.#key).update(`nasc-session:${id}`).digest('base64url');
  }
}
