import { describe, expect, it } from 'vitest';
import { lifecycleServer } from '../../../test/support/lifecycleServer.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem, OTHER_TOKEN } from '../../../test/support/testServer.js';

describe.each(storeKinds)('the rate limit per token ($kind)', ({ open }) => {
  const api = lifecycleServer(open, { rateLimit: { limit: 3, windowMs: 10_000 }, corsOrigins: ['*'] });
  const list = (token?: string) =>
    api.server.call('GET', api.keys('internal-api'), undefined, {
      ...(token ? { token } : {}),
      headers: { origin: 'https://app.example' },
    });

  it('sends RateLimit-Policy and RateLimit on every answer, then 429 with Retry-After until the window ends', async () => {
    const seen: (string | null)[] = [];
    for (let request = 0; request < 3; request++) {
      const response = await list();
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit-policy')).toBe('"default";q=3;w=10');
      seen.push(response.headers.get('ratelimit'));
      api.advance(1000);
    }
    expect(seen).toEqual(['"default";r=2;t=10', '"default";r=1;t=9', '"default";r=0;t=8']);

    const refused = await list();
    await expectProblem(refused, 429, 'rate-limited');
    expect(refused.headers.get('retry-after')).toBe('7');
    expect(refused.headers.get('ratelimit')).toBe('"default";r=0;t=7');
    // A page on another origin can read them.
    expect(refused.headers.get('access-control-expose-headers')).toContain('RateLimit, RateLimit-Policy');

    // Another token has its own window.
    expect((await list(OTHER_TOKEN)).headers.get('ratelimit')).toBe('"default";r=2;t=10');

    api.advance(7000);
    const next = await list();
    expect(next.status).toBe(200);
    expect(next.headers.get('ratelimit')).toBe('"default";r=2;t=10');
  });
});
