import type { RequestHandler } from 'express';
import { ProblemError } from '../problem.js';

export interface RateLimitConfig {
  /** Requests allowed per token in one window. */
  limit: number;
  windowMs: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitConfig = { limit: 600, windowMs: 60_000 };

/**
 * A fixed window per bearer token, kept in this process's memory: with several instances
 * behind a load balancer each one counts on its own.
 */
export function rateLimit({ limit, windowMs }: RateLimitConfig, now: () => Date): RequestHandler {
  const windows = new Map<string, { start: number; count: number }>();
  return (_req, res, next) => {
    const token = res.locals.token as string;
    const time = now().getTime();
    let window = windows.get(token);
    if (!window || time - window.start >= windowMs) {
      window = { start: time, count: 0 };
      windows.set(token, window);
    }
    window.count++;
    if (window.count > limit) {
      const retryAfter = Math.max(1, Math.ceil((window.start + windowMs - time) / 1000));
      next(
        new ProblemError('rate-limited', `Rate limit exceeded; retry after ${retryAfter} seconds.`, {
          headers: { 'Retry-After': String(retryAfter) },
        }),
      );
      return;
    }
    next();
  };
}
