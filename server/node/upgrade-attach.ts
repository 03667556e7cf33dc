import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { AttachedPaths } from './attached-paths.js';
import type { RequestServer } from './request-attach.js';
import type { Logger } from '../util/logger.js';
import { pathnameOf } from './node-request.js';
import { refusal, Refusals } from '../endpoints/refusal.js';
import { failUpgrade, refuseUpgrade } from './upgrade-refusal.js';
import type { WsUpgrade } from './ws-upgrade.js';

/** A listener of Node's `upgrade` event. */
export type UpgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * The part of an HTTP server that `attach` uses: Node's `http.Server` and `https.Server` fit, and so does
 * what `@hono/node-server`'s `serve()` returns.
 */
export interface UpgradeServer {
  on(event: 'upgrade', listener: UpgradeListener): unknown;
  off(event: 'upgrade', listener: UpgradeListener): unknown;
  listenerCount(event: 'upgrade'): number;
}

/**
 * A server `nasc.attach` takes requests from: its WebSocket upgrades, its event POSTs and its SSE streams. Node's
 * `http.Server` and `https.Server` fit, and so does what `@hono/node-server`'s `serve()` returns.
 */
export type AttachableServer = UpgradeServer & RequestServer;

/** Options of `nasc.attach(server, options)`. */
export interface AttachOptions {
  /**
   * The path pages open the WebSocket on, exactly as it appears in the request (no query): where `nasc.app`
   * is mounted, plus `/ws`. Default `/nasc/ws`.
   */
  path?: string;
  /**
   * The path pages POST events to over SSE, taken from the server too: by default `path` with its last
   * segment `event` (`/nasc/ws` → `/nasc/event`, `/api/nasc/ws` → `/api/nasc/event`). `false` leaves event
   * POSTs to the Hono route, so that the app's own middleware sees each one.
   */
  eventPath?: string | false;
  /**
   * The path pages open the SSE stream on (`GET`), taken from the server too: by default `path` with its last
   * segment `events` (`/nasc/ws` → `/nasc/events`). `false` leaves the stream to the Hono route, so that the
   * app's own middleware sees each stream opened.
   */
  streamPath?: string | false;
}

/** One server's listener and the paths it takes (each counted, so that every attach has its own detach). */
interface Attachment {
  readonly listener: UpgradeListener;
  readonly paths: AttachedPaths;
}

const DEFAULT_PATH = '/nasc/ws';

/** A path `attach` takes requests on: absolute, without query, fragment or spaces. */
function checkedPath(option: string, path: string): string {
  if (!path.startsWith('/') || /[?#\s]/.test(path)) throw new TypeError(`attach: ${option} must be a plain absolute path, got ${JSON.stringify(path)}`);
  return path;
}

/**
 * The paths one `attach` call takes: the WebSocket's and, unless turned off, the event POSTs' and the SSE
 * stream's. Throws a `TypeError` for a path that is not a plain absolute path.
 */
export function attachedPaths(options: AttachOptions = {}): { ws: string; event: string | false; stream: string | false } {
  const ws = checkedPath('path', options.path ?? DEFAULT_PATH);
  const base = ws.slice(0, ws.lastIndexOf('/'));
  const event = options.eventPath ?? `${base}/event`;
  const stream = options.streamPath ?? `${base}/events`;
  return {
    ws,
    event: event === false ? false : checkedPath('eventPath', event),
    stream: stream === false ? false : checkedPath('streamPath', stream),
  };
}

function isWebSocketUpgrade(request: IncomingMessage): boolean {
  return request.method === 'GET' && request.headers.upgrade?.toLowerCase() === 'websocket';
}

/**
 * The HTTP servers one Nasc takes WebSocket upgrades from directly, and their paths. One `upgrade` listener
 * per server whatever the number of `attach` calls, so a server attached twice never handles an upgrade twice.
 */
export class UpgradeAttachments {
  readonly #makeUpgrade: () => WsUpgrade;
  readonly #logger: Logger;
  readonly #attached = new Map<object, Attachment>();
  #upgrade: WsUpgrade | undefined;

  /** `makeUpgrade` is called on first use: an app that never attaches never adds listeners to its `ws` server. */
  constructor(makeUpgrade: () => WsUpgrade, logger: Logger) {
    this.#makeUpgrade = makeUpgrade;
    this.#logger = logger;
  }

  /** Takes upgrades on `path` (checked by {@link attachedPaths}) from `server`; returns the function that stops it. */
  attach(server: UpgradeServer, path: string): () => void {
    let attachment = this.#attached.get(server);
    if (!attachment) {
      this.#upgrade ??= this.#makeUpgrade();
      attachment = { listener: this.#listenerFor(server, this.#upgrade), paths: new AttachedPaths() };
      this.#attached.set(server, attachment);
      server.on('upgrade', attachment.listener);
    }
    const attached = attachment;
    return attachment.paths.add(path, () => {
      // Unless `detachAll` (or a later attach of the same server) got there first.
      if (this.#attached.get(server) !== attached) return;
      server.off('upgrade', attached.listener);
      this.#attached.delete(server);
    });
  }

  /** True when an upgrade request is one an attached server's listener takes (so the Hono route must not). */
  claims(request: IncomingMessage): boolean {
    const server: unknown = (request.socket as { server?: unknown } | undefined)?.server;
    if (typeof server !== 'object' || server === null) return false;
    const attachment = this.#attached.get(server);
    return attachment !== undefined && isWebSocketUpgrade(request) && attachment.paths.has(pathnameOf(request.url));
  }

  /** Stops taking upgrades from every server (`nasc.close()`). */
  detachAll(): void {
    for (const [server, attachment] of this.#attached) (server as UpgradeServer).off('upgrade', attachment.listener);
    this.#attached.clear();
  }

  #listenerFor(server: UpgradeServer, upgrade: WsUpgrade): UpgradeListener {
    return (request, socket, head) => {
      try {
        const attachment = this.#attached.get(server);
        const ours = attachment?.paths.has(pathnameOf(request.url)) === true;
        if (ours && isWebSocketUpgrade(request)) {
          upgrade.handle(request, socket, head);
          return;
        }
        // Another listener (the Hono route's, an app's own) may want it; alone, this one must answer, or the
        // client would wait forever on a socket Node no longer reads.
        if (server.listenerCount('upgrade') > 1) return;
        if (ours && request.method === 'GET') refuseUpgrade(socket, Refusals.upgradeRequired);
        else refuseUpgrade(socket, refusal(404, 'not_found', 'Nothing here accepts this upgrade.'));
      } catch (error) {
        this.#logger.error('WebSocket upgrade failed', { error: error instanceof Error ? error.message : String(error) });
        failUpgrade(socket);
      }
    };
  }
}
