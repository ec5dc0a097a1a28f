import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import type { TrustProxy } from './http/app.js';
import { type ConnectionLimits, DEFAULT_CONNECTION_LIMITS } from './http/serve.js';
import { DEFAULT_AUTH_FAILURE_LIMIT } from './http/stages/auth.js';
import { DEFAULT_RATE_LIMIT, type RateLimitConfig } from './http/stages/rateLimit.js';
import type { WindowLimit } from './keys/fixedWindow.js';
import { type AllowedNetworks, parseAllowedNetworks } from './keys/webhookDestination.js';
import { isLogLevel, LOG_LEVELS, type LogLevel } from './logger.js';
import { DEFAULT_GITHUB_KEYS_URL } from './secretScanning/githubPublicKeys.js';
import { DEFAULT_DATABASE_URL, databaseUrlProblem } from './store/openStore.js';

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  /**
   * APIKEYS_TOKENS, each holding every scope. May be empty: main then needs a service token in the
   * database, and outside production makes a token for this run when there is none there either.
   */
  tokens: string[];
  /** NODE_ENV=production: no made-up token, no demo app, no response validation. */
  production: boolean;
  pepper: string | undefined;
  rateLimit: RateLimitConfig;
  authFailureLimit: WindowLimit;
  connections: ConnectionLimits;
  validateResponses: boolean;
  /** APIKEYS_CORS_ORIGINS: origins whose pages may call the API; none when unset. */
  corsOrigins: string[];
  /** LOG_LEVEL: the lowest level written (pino's names); `info` by default. */
  logLevel: LogLevel;
  /** APIKEYS_METRICS_TOKEN: the bearer token /metrics requires; unset, /metrics is open (like /healthz). */
  metricsToken: string | undefined;
  /** APIKEYS_GITHUB_KEYS_URL: where GitHub publishes its secret-scanning public keys. */
  githubKeysUrl: string;
  /** APIKEYS_TRUST_PROXY: Express's `trust proxy` (a hop count, or the proxies' addresses); none when unset. */
  trustProxy: TrustProxy;
  /** APIKEYS_WEBHOOK_ALLOWED_NETWORKS: networks webhooks may go to besides public https URLs (plain http too). */
  webhookAllowedNetworks: AllowedNetworks;
}

// Express's (proxy-addr's) names for address ranges.
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** APIKEYS_TRUST_PROXY as Express takes it, or a problem naming what is wrong with it. */
function trustProxyOf(value: string | undefined): TrustProxy | string {
  const text = (value ?? '').trim();
  if (text === '') {
    return false;
  }
  if (/^\d+$/.test(text)) {
    return Number(text);
  }
  const entries = text.split(',').map((entry) => entry.trim());
  const bad = entries.filter((entry) => {
    const [address = '', prefix, ...more] = entry.split('/');
    const version = isIP(address);
    const prefixOk = prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
    return !PROXY_RANGE_NAMES.has(entry) && (version === 0 || !prefixOk || more.length > 0);
  });
  return bad.length === 0
    ? entries
    : `APIKEYS_TRUST_PROXY must be a hop count or a comma-separated list of addresses, address/prefix ranges, loopback, linklocal or uniquelocal (not ${bad.map((each) => `'${each}'`).join(', ')})`;
}

/** Collects every bad setting, so that one start reports them all. */
class Settings {
  readonly problems: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  integer(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const raw = this.env[name];
    if (raw === undefined || raw === '') {
      return fallback;
    }
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max} (got '${raw}')`);
      return fallback;
    }
    return value;
  }
}

/**
 * DATABASE_URL, with a relative `sqlite:` path taken from where the command was typed
 * (INIT_CWD, set by npm and pnpm) rather than from the package folder their scripts run in.
 */
export function databaseUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  if (!url.startsWith('sqlite:')) {
    return url;
  }
  const path = url.slice('sqlite:'.length);
  if (path === ':memory:' || isAbsolute(path)) {
    return url;
  }
  return `sqlite:${resolve(env.INIT_CWD || process.cwd(), path)}`;
}

/**
 * Reads the server's configuration from the environment. Throws one error naming every bad
 * variable at once, so that a start does not fail once per mistake.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  const settings = new Settings(env);
  const integer = (name: string, fallback: number, min: number, max?: number) =>
    settings.integer(name, fallback, min, max);
  const production = env.NODE_ENV === 'production';
  const tokens = (env.APIKEYS_TOKENS ?? '')
    .split(',')
    .map((token) => token.trim())
    .filter(Boolean);
  if (tokens.some((token) => token.length < 16)) {
    settings.problems.push('APIKEYS_TOKENS: every token must be at least 16 characters');
  }
  // Set but naming no token (", ,") is a mistake, not a request for a made-up one.
  if (env.APIKEYS_TOKENS !== undefined && env.APIKEYS_TOKENS.trim() !== '' && tokens.length === 0) {
    settings.problems.push('APIKEYS_TOKENS names no token');
  }
  const logLevel = env.LOG_LEVEL || 'info';
  if (!isLogLevel(logLevel)) {
    settings.problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got '${logLevel}')`);
  }
  const metricsToken = env.APIKEYS_METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && metricsToken.length < 16) {
    settings.problems.push('APIKEYS_METRICS_TOKEN must be at least 16 characters');
  }
  const databaseUrl = databaseUrlFromEnv(env);
  const badUrl = databaseUrlProblem(databaseUrl);
  if (badUrl) {
    settings.problems.push(badUrl);
  }
  const trustProxy = trustProxyOf(env.APIKEYS_TRUST_PROXY);
  if (typeof trustProxy === 'string') {
    settings.problems.push(trustProxy);
  }
  let webhookAllowedNetworks = parseAllowedNetworks(undefined);
  try {
    webhookAllowedNetworks = parseAllowedNetworks(env.APIKEYS_WEBHOOK_ALLOWED_NETWORKS);
  } catch (error) {
    settings.problems.push((error as Error).message);
  }
  const githubKeysUrl = env.APIKEYS_GITHUB_KEYS_URL || DEFAULT_GITHUB_KEYS_URL;
  if (!/^https?:$/.test(URL.parse(githubKeysUrl)?.protocol ?? '')) {
    settings.problems.push(`APIKEYS_GITHUB_KEYS_URL must be an http(s) URL (got '${githubKeysUrl}')`);
  }
  const config: Config = {
    port: integer('PORT', 3000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    databaseUrl,
    tokens,
    pepper: env.APIKEYS_PEPPER || undefined,
    rateLimit: {
      limit: integer('APIKEYS_RATE_LIMIT', DEFAULT_RATE_LIMIT.limit, 1),
      windowMs: integer('APIKEYS_RATE_WINDOW_SECONDS', DEFAULT_RATE_LIMIT.windowMs / 1000, 1) * 1000,
    },
    authFailureLimit: {
      limit: integer('APIKEYS_AUTH_FAILURE_LIMIT', DEFAULT_AUTH_FAILURE_LIMIT.limit, 1),
      windowMs: DEFAULT_AUTH_FAILURE_LIMIT.windowMs,
    },
    connections: {
      ...DEFAULT_CONNECTION_LIMITS,
      shutdownGraceMs:
        integer('APIKEYS_SHUTDOWN_GRACE_SECONDS', DEFAULT_CONNECTION_LIMITS.shutdownGraceMs / 1000, 0) * 1000,
    },
    validateResponses: !production,
    production,
    corsOrigins: (env.APIKEYS_CORS_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    logLevel: isLogLevel(logLevel) ? logLevel : 'info',
    metricsToken,
    githubKeysUrl,
    trustProxy: typeof trustProxy === 'string' ? false : trustProxy,
    webhookAllowedNetworks,
  };
  if (settings.problems.length > 0) {
    throw new Error(`Bad configuration:\n- ${settings.problems.join('\n- ')}`);
  }
  return config;
}
