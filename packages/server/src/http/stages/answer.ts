import type { RequestHandler } from 'express';
import type { ResponseCheck } from '../../contract/responseCheck.js';
import '../context.js';

/**
 * Sends the operation's answer (res.locals.answer). With `checkResponse` (development, tests), an
 * answer that breaks the contract is not sent: the request fails with a 500.
 */
export function answer(checkResponse?: ResponseCheck): RequestHandler {
  return (_req, res) => {
    const { status, headers, body: given } = res.locals.answer!;
    // A problem replayed for an Idempotency-Key names this request, as every problem does.
    const body = status >= 400 ? { ...(given as object), request_id: res.locals.requestId } : given;
    // Written directly: Express's res.json and res.send (content negotiation, ETag, freshness)
    // had nothing to do here and were a visible share of a verification.
    res.statusCode = status;
    for (const [name, value] of Object.entries(headers)) {
      res.setHeader(name, value);
    }
    if (!res.hasHeader('content-type')) {
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
    }
    const operationId = res.locals.operation!.route.operationId;
    const breach = checkResponse?.(operationId, status, String(res.getHeader('content-type')), body);
    if (breach) {
      throw new Error(`The answer breaks the contract: ${breach}`);
    }
    const payload = JSON.stringify(body);
    res.setHeader('Content-Length', Buffer.byteLength(payload));
    res.end(payload);
  };
}
