import { describe, expect, it } from 'vitest';
import { configFromEnv, databaseUrlFromEnv } from '../src/config.js';

describe('configuration from the environment', () => {
  it('defaults to SQLite in data/apikeys.db under the folder the command was typed in', () => {
    expect(databaseUrlFromEnv({ INIT_CWD: '/home/dev/apikeys' })).toBe('sqlite:/home/dev/apikeys/data/apikeys.db');
    expect(databaseUrlFromEnv({ DATABASE_URL: 'sqlite:/var/lib/apikeys.db', INIT_CWD: '/x' })).toBe(
      'sqlite:/var/lib/apikeys.db',
    );
    expect(databaseUrlFromEnv({ DATABASE_URL: 'postgres://db/apikeys' })).toBe('postgres://db/apikeys');
  });

  it('reads tokens, pepper, port and rate limit, with no default credentials', () => {
    expect(configFromEnv({})).toMatchObject({
      port: 3000,
      tokens: [],
      pepper: undefined,
      rateLimit: { limit: 600, windowMs: 60_000 },
      validateResponses: true,
    });
    const config = configFromEnv({
      PORT: '8080',
      APIKEYS_TOKENS: ' token-aaaaaaaaaaaaaaaa , token-bbbbbbbbbbbbbbbb,',
      APIKEYS_PEPPER: 'pepper',
      APIKEYS_RATE_LIMIT: '10',
      APIKEYS_RATE_WINDOW_SECONDS: '5',
      NODE_ENV: 'production',
    });
    expect(config).toMatchObject({
      port: 8080,
      tokens: ['token-aaaaaaaaaaaaaaaa', 'token-bbbbbbbbbbbbbbbb'],
      pepper: 'pepper',
      rateLimit: { limit: 10, windowMs: 5000 },
      validateResponses: false,
    });
  });

  it('reads APIKEYS_TRUST_PROXY as Express takes it: none by default, a hop count, or addresses and ranges', () => {
    expect(configFromEnv({}).trustProxy).toBe(false);
    expect(configFromEnv({ APIKEYS_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(configFromEnv({ APIKEYS_TRUST_PROXY: 'loopback, 10.0.0.0/8,2001:db8::1' }).trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
      '2001:db8::1',
    ]);
    expect(() => configFromEnv({ APIKEYS_TRUST_PROXY: 'my-proxy, 10.0.0.0/33' })).toThrow(
      "APIKEYS_TRUST_PROXY must be a hop count or a comma-separated list of addresses, address/prefix ranges, loopback, linklocal or uniquelocal (not 'my-proxy', '10.0.0.0/33')",
    );
  });

  it('names the variable that is wrong', () => {
    expect(() => configFromEnv({ PORT: 'eighty' })).toThrow(/PORT must be a whole number/);
    expect(() => configFromEnv({ APIKEYS_RATE_LIMIT: '0' })).toThrow(/APIKEYS_RATE_LIMIT/);
    expect(() => configFromEnv({ APIKEYS_TOKENS: 'short' })).toThrow(
      /APIKEYS_TOKENS: every token must be at least 16 characters/,
    );
  });

  it('refuses a token list that names none; in production, leaves the tokens to the database when APIKEYS_TOKENS is unset', () => {
    expect(() => configFromEnv({ APIKEYS_TOKENS: ', ,' })).toThrow(/APIKEYS_TOKENS names no token/);
    expect(() => configFromEnv({ NODE_ENV: 'production', APIKEYS_TOKENS: ', ,' })).toThrow(
      /APIKEYS_TOKENS names no token/,
    );
    // main.ts refuses to start when the database holds no service token either (serverProcess.test.ts).
    expect(configFromEnv({ NODE_ENV: 'production' })).toMatchObject({ production: true, tokens: [] });
    expect(configFromEnv({ NODE_ENV: 'production', APIKEYS_TOKENS: 'prod-token-0123456789' })).toMatchObject({
      production: true,
      validateResponses: false,
    });
    expect(configFromEnv({})).toMatchObject({ production: false, tokens: [] });
  });

  it('reports every bad setting at once', () => {
    let message = '';
    try {
      configFromEnv({
        PORT: '70000',
        APIKEYS_RATE_LIMIT: '0',
        APIKEYS_TOKENS: 'short',
        DATABASE_URL: 'mysql://db',
        APIKEYS_SHUTDOWN_GRACE_SECONDS: '-1',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const variable of [
      'PORT must be a whole number from 0 to 65535',
      'APIKEYS_RATE_LIMIT',
      'APIKEYS_TOKENS',
      'DATABASE_URL must start with',
      'APIKEYS_SHUTDOWN_GRACE_SECONDS',
    ]) {
      expect(message).toContain(variable);
    }
  });
});
