import { isAbsolute, resolve } from 'node:path';
import { DEFAULT_AUTH_FAILURE_LIMIT } from './http/middleware/bearerAuth.js';
import type { WindowLimit } from './http/middleware/fixedWindow.js';
import { DEFAULT_RATE_LIMIT, type RateLimitConfig } from './http/middleware/rateLimit.js';
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './http/serve.js';
import { DEFAULT_DATABASE_URL } from './store/openStore.js';

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  /** Empty when APIKEYS_TOKENS is unset: main then makes one for this run. */
  tokens: string[];
  pepper: string | undefined;
  rateLimit: RateLimitConfig;
  authFailureLimit: WindowLimit;
  connections: ConnectionLimits;
  validateResponses: boolean;
  /** APIKEYS_CORS_ORIGINS: origins whose pages may call the API; none when unset. */
  corsOrigins: string[];
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number of at least ${min} (got '${raw}')`);
  return value;
}

/**
 * DATABASE_URL, with a relative `sqlite:` path taken from where the command was typed
 * (INIT_CWD, set by npm and pnpm) rather than from the package folder their scripts run in.
 */
export function databaseUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  if (!url.startsWith('sqlite:')) return url;
  const path = url.slice('sqlite:'.length);
  if (path === ':memory:' || isAbsolute(path)) return url;
  return `sqlite:${resolve(env.INIT_CWD || process.cwd(), path)}`;
}

/** Reads the server's configuration from the environment; throws with the variable's name when one is wrong. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  const tokens = (env.APIKEYS_TOKENS ?? '')
    .split(',')
    .map((token) => token.trim())
    .filter(Boolean);
  const short = tokens.find((token) => token.length < 16);
  if (short !== undefined) throw new Error('APIKEYS_TOKENS: every token must be at least 16 characters');
  return {
    port: integer(env, 'PORT', 3000, 0),
    host: env.HOST || '0.0.0.0',
    databaseUrl: databaseUrlFromEnv(env),
    tokens,
    pepper: env.APIKEYS_PEPPER || undefined,
    rateLimit: {
      limit: integer(env, 'APIKEYS_RATE_LIMIT', DEFAULT_RATE_LIMIT.limit, 1),
      windowMs: integer(env, 'APIKEYS_RATE_WINDOW_SECONDS', DEFAULT_RATE_LIMIT.windowMs / 1000, 1) * 1000,
    },
    authFailureLimit: {
      limit: integer(env, 'APIKEYS_AUTH_FAILURE_LIMIT', DEFAULT_AUTH_FAILURE_LIMIT.limit, 1),
      windowMs: DEFAULT_AUTH_FAILURE_LIMIT.windowMs,
    },
    connections: {
      ...DEFAULT_CONNECTION_LIMITS,
      shutdownGraceMs: integer(env, 'APIKEYS_SHUTDOWN_GRACE_SECONDS', DEFAULT_CONNECTION_LIMITS.shutdownGraceMs / 1000, 0) * 1000,
    },
    validateResponses: env.NODE_ENV !== 'production',
    corsOrigins: (env.APIKEYS_CORS_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  };
}
