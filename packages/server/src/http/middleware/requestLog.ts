import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../../logger.js';

// A caller's request id is kept only in the shapes tracing systems use (a UUID, or 16-64 hex
// digits): anything else, a token sent there by mistake say, is replaced rather than logged.
const REQUEST_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,64})$/i;

/** Gives every request an id (the caller's X-Request-Id when it has a safe shape) and logs one line when it ends. */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      // Method, route and outcome only: headers and bodies (which carry credentials and secrets) are never logged.
      logger.info('request', {
        requestId,
        method: req.method,
        // The route as the contract names it when one matched; the path itself goes through the
        // logger's masking of secret- and token-shaped strings.
        ...(req.route ? { route: `${req.baseUrl}${req.route.path as string}` } : {}),
        path: req.path,
        status: res.statusCode,
        durationMs: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
      });
    });
    next();
  };
}
