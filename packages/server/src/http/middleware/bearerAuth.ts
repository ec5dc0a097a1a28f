import type { Request, RequestHandler } from 'express';
import { constantTimeEqual } from '../../keys/secret.js';
import { ProblemError } from '../problem.js';
import { FixedWindowCounter, type WindowLimit } from './fixedWindow.js';
import { rateLimited } from './rateLimit.js';

const challenge = { 'WWW-Authenticate': 'Bearer realm="apikeys"' };

export const DEFAULT_AUTH_FAILURE_LIMIT: WindowLimit = { limit: 20, windowMs: 60_000 };

export interface BearerAuthOptions {
  tokens: readonly string[];
  /** Failed authentications allowed per client address in one window; then 429 until it ends. */
  failureLimit?: WindowLimit;
  now: () => Date;
}

// Node keeps only the first of several Authorization headers; count them in the raw headers.
const authorizationHeaders = (req: Request) =>
  req.rawHeaders.filter((value, index) => index % 2 === 0 && value.toLowerCase() === 'authorization').length;

/**
 * Accepts exactly one `Authorization: Bearer <token>` for one of the configured tokens,
 * compared in constant time. Failures are counted per client address, so that guessing tokens
 * is slow: past the limit, that address is refused with 429 before its token is looked at.
 */
export function bearerAuth({
  tokens,
  failureLimit = DEFAULT_AUTH_FAILURE_LIMIT,
  now,
}: BearerAuthOptions): RequestHandler {
  const failures = new FixedWindowCounter(failureLimit);
  return (req, res, next) => {
    const address = req.socket.remoteAddress ?? 'unknown';
    const time = now().getTime();
    const blocked = failures.check(address, time);
    if (blocked.over) {
      next(rateLimited(blocked.retryAfter, 'Too many failed authentications from this address'));
      return;
    }
    const count = authorizationHeaders(req);
    const presented = count === 1 ? /^Bearer ([\x21-\x7e]+)$/.exec(req.get('authorization') ?? '')?.[1] : undefined;
    // Compare against every token, so the time taken does not tell which one (if any) matched.
    let accepted: string | undefined;
    if (presented) {
      for (const token of tokens) {
        if (constantTimeEqual(presented, token)) {
          accepted = token;
        }
      }
    }
    if (!accepted) {
      failures.hit(address, time);
      const detail = count > 1 ? 'Send one Authorization header, not several.' : 'A valid bearer token is required.';
      next(new ProblemError('unauthorized', detail, { headers: challenge }));
      return;
    }
    res.locals.token = accepted;
    next();
  };
}
