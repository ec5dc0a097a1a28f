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
    res.locals.operation = contract.operationOf(req.method, req.path);
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
