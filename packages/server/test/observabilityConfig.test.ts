import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../src/config.js';

describe('the log level and metrics token from the environment', () => {
  it('logs at info with /metrics open by default, and reads LOG_LEVEL and APIKEYS_METRICS_TOKEN', () => {
    expect(configFromEnv({})).toMatchObject({ logLevel: 'info', metricsToken: undefined });
    expect(configFromEnv({ LOG_LEVEL: 'debug', APIKEYS_METRICS_TOKEN: 'metrics-token-0123456789' })).toMatchObject({
      logLevel: 'debug',
      metricsToken: 'metrics-token-0123456789',
    });
  });

  it('names both when both are wrong', () => {
    expect(() => configFromEnv({ LOG_LEVEL: 'verbose', APIKEYS_METRICS_TOKEN: 'short' })).toThrow(
      /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent \(got 'verbose'\)\n- APIKEYS_METRICS_TOKEN must be at least 16 characters/,
    );
  });
});
