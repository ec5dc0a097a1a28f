import type { RequestHandler } from 'express';
import type { Contract } from '../../contract/contract.js';
import { ProblemError } from '../../contract/problems.js';
import '../context.js';

/**
 * Decides the request's contract operation once, from its method and path, before anything else
 * reads it (`res.locals.operation`): authentication checks its scopes, the access log counts by
 * it, dispatch runs its handler.
 */
export function match(contract: Pick<Contract, 'operationOf'>): RequestHandler {
  return (req, res, next) => {
    // HEAD is GET without the body (RFC 9110), which Node leaves out of the answer.
    res.locals.operation = contract.operationOf(req.method === 'HEAD' ? 'GET' : req.method, req.path);
    next();
  };
}

/**
 * A plain OPTIONS (not a CORS preflight) on a path the contract has: 204 with
 * `Allow`, before authentication, since the published contract says as much to anyone.
 */
export function answerOptions(contract: Pick<Contract, 'allowedAt'>): RequestHandler {
  return (req, res, next) => {
    // A preflight the CORS stage did not answer (an origin it does not allow) goes on, and is refused.
    const plain = req.method === 'OPTIONS' && !req.get('access-control-request-method');
    const allow = plain ? contract.allowedAt(req.path) : undefined;
    if (allow) {
      res.set('Allow', allow).status(204).end();
      return;
    }
    next();
  };
}

/**
 * Under the API, a path the contract lacks is 404 and a method it lacks there 405 with `Allow`:
 * answered before the body is read, so a request for no resource never costs that work.
 */
export function routeExists(contract: Pick<Contract, 'allowedAt'>): RequestHandler {
  return (req, res, next) => {
    if (res.locals.operation) {
      next();
      return;
    }
    const allow = contract.allowedAt(req.path);
    next(
      allow
        ? new ProblemError('method-not-allowed', 'The method is not allowed on this resource.', {
            headers: { Allow: allow },
          })
        : new ProblemError('not-found', 'No such resource.'),
    );
  };
}
