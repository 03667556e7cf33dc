import type { MiddlewareHandler } from 'hono';
import { logRequest, type Logger } from '../util/logger.js';

/**
 * Logs every request at `debug` once it is answered (see `logRequest`): what `nasc.attach` logs for the
 * requests it takes.
 *
 * @example
 * app.use('*', requestLog(logger));
 */
export function requestLog(logger: Logger): MiddlewareHandler {
  return async function nascRequestLog(c, next) {
    const startedAt = performance.now();
    await next();
    logRequest(logger, c.req.method, c.req.path, c.res.status, startedAt);
  };
}
