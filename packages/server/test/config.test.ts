import { describe, expect, it } from 'vitest';
import { configFromEnv, databaseUrlFromEnv } from '../src/config.js';

describe('configuration from the environment', () => {
  it('defaults to SQLite in data/apikeys.db under the folder the command was typed in', () => {
    expect(databaseUrlFromEnv({ INIT_CWD: '/home/dev/apikeys' })).toBe('sqlite:/home/dev/apikeys/data/apikeys.db');
    expect(databaseUrlFromEnv({ DATABASE_URL: 'sqlite:/var/lib/apikeys.db', INIT_CWD: '/x' })).toBe('sqlite:/var/lib/apikeys.db');
    expect(databaseUrlFromEnv({ DATABASE_URL: 'postgres://db/apikeys' })).toBe('postgres://db/apikeys');
  });

  it('reads tokens, pepper, port and rate limit, with no default credentials', () => {
    expect(configFromEnv({})).toMatchObject({ port: 3000, tokens: [], pepper: undefined, rateLimit: { limit: 600, windowMs: 60_000 }, validateResponses: true });
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

  it('names the variable that is wrong', () => {
    expect(() => configFromEnv({ PORT: 'eighty' })).toThrow(/PORT must be a whole number/);
    expect(() => configFromEnv({ APIKEYS_RATE_LIMIT: '0' })).toThrow(/APIKEYS_RATE_LIMIT/);
    expect(() => configFromEnv({ APIKEYS_TOKENS: 'short' })).toThrow(/APIKEYS_TOKENS: every token must be at least 16 characters/);
  });
});
