import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import '../context.js';

// A caller's request id is kept only in the shapes tracing systems use (a UUID, or 16-64 hex
// digits): anything else, a token sent there by mistake say, is replaced rather than logged.
const REQUEST_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,64})$/i;

/** The first stage: every request gets an id (`res.locals.requestId`), echoed in X-Request-Id. */
export function requestId(): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    next();
  };
}
