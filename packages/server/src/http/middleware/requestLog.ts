import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../../logger.js';

// A caller's request id is kept only in the shapes tracing systems use (a UUID, or 16-64 hex
// digits): anything else, a token sent there by mistake say, is replaced rather than logged.
const REQUEST_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,64})$/i;

// Method, route and outcome only: headers, query strings and bodies (which carry credentials
// and secrets) are never logged. The route is the contract's when one matched; the path goes
// through the logger's masking of secret- and token-shaped strings.
const outcome = (req: Request, res: Response, responseTime: number) => ({
  method: req.method,
  ...(req.route ? { route: `${req.baseUrl}${req.route.path as string}` } : {}),
  path: req.path,
  status: res.statusCode,
  durationMs: responseTime,
});

/**
 * Gives every request an id (the caller's X-Request-Id when it has a safe shape), echoed in the
 * answer and bound to `req.log`, and logs one line through pino-http when the answer ends.
 */
export function requestLog(logger: Logger): RequestHandler {
  return pinoHttp<Request, Response>({
    logger: logger.pino,
    genReqId: (req, res) => {
      const given = req.get('x-request-id');
      const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
      res.locals.requestId = requestId;
      res.setHeader('X-Request-Id', requestId);
      return requestId;
    },
    customAttributeKeys: { reqId: 'requestId' },
    // Only the request id is bound to the request's logger; pino-http's own request and
    // response serializers (with every header) are never used.
    quietReqLogger: true,
    quietResLogger: true,
    wrapSerializers: false,
    serializers: { req: () => undefined },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request',
    customSuccessObject: (req, res, { responseTime }) => outcome(req, res, responseTime as number),
    customErrorObject: (req, res, _error, { responseTime }) => outcome(req, res, responseTime as number),
  });
}
