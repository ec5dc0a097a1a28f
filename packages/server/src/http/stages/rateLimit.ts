import type { RequestHandler } from 'express';
import { ProblemError } from '../../contract/problems.js';
import { FixedWindowCounter, type WindowCounter, type WindowLimit } from '../../keys/fixedWindow.js';

export type RateLimitConfig = WindowLimit;

export const DEFAULT_RATE_LIMIT: RateLimitConfig = { limit: 600, windowMs: 60_000 };

export const rateLimited = (retryAfter: number, what: string) =>
  new ProblemError('rate-limited', `${what}; retry after ${retryAfter} seconds.`, {
    headers: { 'Retry-After': String(retryAfter) },
  });

/**
 * A fixed window per bearer token, counted by `counter`: this process's memory by default (each
 * instance counts on its own), the database on PostgreSQL (store/postgres/postgresRateLimiter.ts), so
 * that instances sharing it together allow the configured rate. Every answer carries the IETF
 * `RateLimit-Policy` and `RateLimit` headers (draft-ietf-httpapi-ratelimit-headers), a 429
 * `Retry-After` too.
 */
export function rateLimit(
  config: RateLimitConfig,
  now: () => Date,
  counter: WindowCounter = new FixedWindowCounter(config),
): RequestHandler {
  const policy = `"default";q=${config.limit};w=${Math.ceil(config.windowMs / 1000)}`;
  return async (_req, res, next) => {
    const time = now().getTime();
    const { hits, resetAt } = await counter.count(res.locals.token!, time);
    const resetSeconds = Math.max(0, Math.ceil((resetAt - time) / 1000));
    res.setHeader('RateLimit-Policy', policy);
    res.setHeader('RateLimit', `"default";r=${Math.max(0, config.limit - hits)};t=${resetSeconds}`);
    next(hits > config.limit ? rateLimited(Math.max(1, resetSeconds), 'Rate limit exceeded') : undefined);
  };
}
