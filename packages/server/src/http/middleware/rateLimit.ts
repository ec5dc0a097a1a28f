import type { RequestHandler } from 'express';
import { ProblemError } from '../problem.js';
import { FixedWindowCounter, type WindowLimit } from './fixedWindow.js';

export type RateLimitConfig = WindowLimit;

export const DEFAULT_RATE_LIMIT: RateLimitConfig = { limit: 600, windowMs: 60_000 };

export const rateLimited = (retryAfter: number, what: string) =>
  new ProblemError('rate-limited', `${what}; retry after ${retryAfter} seconds.`, {
    headers: { 'Retry-After': String(retryAfter) },
  });

/**
 * A fixed window per bearer token, kept in this process's memory: with several instances
 * behind a load balancer each one counts on its own.
 */
export function rateLimit(config: RateLimitConfig, now: () => Date): RequestHandler {
  const counter = new FixedWindowCounter(config);
  return (_req, res, next) => {
    const verdict = counter.hit(res.locals.token as string, now().getTime());
    next(verdict.over ? rateLimited(verdict.retryAfter, 'Rate limit exceeded') : undefined);
  };
}
