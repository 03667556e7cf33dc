import type { NascEngine } from '../engine/engine.js';
import type { RenderedInstance } from '../render/render-context.js';
import { clearFlashCookie, hasFlash, readFlash } from '../security/flash-cookie.js';
import type { SessionCodec } from '../security/session-codec.js';
import { openSession, type SessionCookieSettings } from '../security/session-cookie.js';
import { CompiledPages } from './compiled-pages.js';
import { buttonsAddress, buttonValue, flashError, formAddress } from './form-post.js';

/** A page request as the render endpoint sees it, whichever way it came in. */
export interface PageRequest {
  /** A request header by its lowercase name. */
  header(lowerName: string): string | undefined;
  /** The origin the browser sees this server at. */
  ownOrigin(): string;
  /** The page's path and query as the browser asked for them: where its forms send the browser back to. */
  readonly path: string;
}

/** A rendered page, and the cookies to set with it (a new session's, a read flash's removal). */
export interface RenderedPage {
  readonly html: string;
  readonly setCookies: readonly string[];
}

/** What rendering needs. */
export interface RenderEndpointOptions {
  sessions: { codec: SessionCodec; cookie: SessionCookieSettings };
  /**
   * Where the Nasc routes are as the page's forms reach them (`/nasc`, or an absolute `https://api…/nasc`):
   * forms without JavaScript post to `<base>/form`.
   */
  base: string;
  /** How many distinct pages stay compiled (default 64). */
  templates?: number;
}

/**
 * Renders pages: fills every `<na-scope>` of a page's HTML with its instance's current state, read as the
 * request's session would mount it (`NascEngine.read`), stamps each with its revision, and points its forms
 * and buttons at the form endpoint for browsers without JavaScript. A page is compiled once (by its text) and
 * filled for each request. The request's session is the one its streams will have: a first visit gets its
 * session cookie with the page, so per-session instances are the same before and after the page goes live.
 */
export class RenderEndpoint {
  readonly #engine: NascEngine;
  readonly #options: RenderEndpointOptions;
  readonly #templates: CompiledPages;

  constructor(engine: NascEngine, options: RenderEndpointOptions) {
    this.#engine = engine;
    this.#options = options;
    this.#templates = new CompiledPages(options.templates ?? 64);
  }

  /**
   * The page with its scopes rendered. An instance that cannot be read (refused, failing, its store
   * unreachable) leaves its scope as written, unstamped, for the page to mount as it would without rendering.
   */
  async render(request: PageRequest, html: string): Promise<RenderedPage> {
    const template = this.#templates.get(html);
    if (template.scopes.length === 0) return { html, setCookies: [] };
    const { codec, cookie } = this.#options.sessions;
    const https = (): boolean => request.ownOrigin().startsWith('https:');
    const cookies = request.header('cookie');
    const { session, setCookie } = openSession(codec, cookies, cookie, https);
    const setCookies = setCookie === undefined ? [] : [setCookie];
    const error = flashError(readFlash(codec, cookie, session, cookies));
    // Shown once, and one sealed for another session is no use to anybody.
    if (hasFlash(cookie, cookies)) setCookies.push(clearFlashCookie(cookie, https()));
    const caller = { session, clientId: '' };
    const reads = await Promise.all(
      template.scopes.map(async ({ type, instance, params }) => {
        try {
          const read = await this.#engine.read(caller, type, instance, params);
          return read.ok ? read : undefined;
        } catch (failure) {
          this.#engine.logger.warn('rendering a scope failed', { type, instance, error: failure instanceof Error ? failure.message : String(failure) });
          return undefined;
        }
      }),
    );
    const instances = new Map<string, RenderedInstance>();
    template.scopes.forEach(({ type, instance }, index) => {
      const read = reads[index];
      if (read) instances.set(`${type}\u0000${instance}`, read);
    });
    const { base } = this.#options;
    const returnTo = /^https?:/.test(base) ? `${request.ownOrigin()}${request.path}` : request.path;
    // Every form and button of the page gets its own event id: one random prefix per render, then a count.
    const ids = crypto.randomUUID();
    let count = 0;
    const nextId = (): string => `${ids}.${(++count).toString(36)}`;
    return {
      html: template.render({
        instance: (type, instance) => instances.get(`${type}\u0000${instance}`),
        ...(error ? { error } : {}),
        forms: {
          action: (event) => formAddress(base, event, nextId(), returnTo),
          button: (event) => buttonValue(event, nextId()),
          hidden: buttonsAddress(base, returnTo),
        },
      }),
      setCookies,
    };
  }
}
