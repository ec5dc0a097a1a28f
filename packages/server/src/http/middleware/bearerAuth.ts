import type { RequestHandler } from 'express';
import { constantTimeEqual } from '../../keys/secret.js';
import { ProblemError } from '../problem.js';

const challenge = { 'WWW-Authenticate': 'Bearer realm="apikeys"' };

/** Accepts `Authorization: Bearer <token>` for one of the configured tokens, compared in constant time. */
export function bearerAuth(tokens: readonly string[]): RequestHandler {
  return (req, res, next) => {
    const match = /^Bearer ([\x21-\x7e]+)$/.exec(req.get('authorization') ?? '');
    const presented = match?.[1];
    // Compare against every token, so the time taken does not tell which one (if any) matched.
    let accepted: string | undefined;
    if (presented) for (const token of tokens) if (constantTimeEqual(presented, token)) accepted = token;
    if (!accepted) {
      next(new ProblemError('unauthorized', 'A valid bearer token is required.', { headers: challenge }));
      return;
    }
    res.locals.token = accepted;
    next();
  };
}
