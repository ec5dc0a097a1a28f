import type { RequestHandler } from 'express';
import type { Contract } from '../../contract/contract.js';
import '../context.js';

/**
 * Checks the request against its operation with the validators compiled from the contract
 * (contract/requestCheck.ts): what the handler gets is in `res.locals.validated` and `req.body`,
 * coerced and with the contract's defaults. Runs after the body is read.
 */
export function validate(contract: Pick<Contract, 'checkRequest'>): RequestHandler {
  return (req, res, next) => {
    const { params, query, body } = contract.checkRequest({
      match: res.locals.operation!,
      query: req.query as Record<string, unknown>,
      headers: req.headers,
      body: req.body,
    });
    req.body = body;
    res.locals.validated = { params, query };
    next();
  };
}
