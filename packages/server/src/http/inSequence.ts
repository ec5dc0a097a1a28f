import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * The handlers as one middleware: each runs when the one before it calls next(), an error ends
 * the sequence (Express's error handlers get it), and the end goes on to what follows. One
 * Express layer for the API's whole path instead of one per step: the router's matching and
 * bookkeeping per layer were a visible share of each request.
 */
export function inSequence(handlers: readonly RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, done: NextFunction) => {
    let index = 0;
    const next = (error?: unknown) => {
      const handler = handlers[index++];
      if (error !== undefined || handler === undefined) {
        done(error);
        return;
      }
      try {
        const result: unknown = handler(req, res, next);
        // Express 5 catches a rejected promise from a handler; so does this.
        if (result instanceof Promise) {
          result.catch(done);
        }
      } catch (thrown) {
        done(thrown);
      }
    };
    next();
  };
}
