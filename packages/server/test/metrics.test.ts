import type { ApiKeyWithSecret } from '@apikeys/types';
import parsePrometheusTextFormat, { type ParsedMetric } from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { storeKinds } from './support/stores.js';
import { startTestServer, TOKEN } from './support/testServer.js';

/** GET /metrics over HTTP, parsed as Prometheus parses it. */
async function scrape(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const families = parsePrometheusTextFormat(await response.text());
  const family = (name: string): ParsedMetric => {
    const found = families.find((each) => each.name === name);
    expect(found, name).toBeDefined();
    return found!;
  };
  /** The sample of `name` whose labels include `labels`, as a number; 0 when absent. */
  const value = (name: string, labels: Record<string, string> = {}) => {
    const sample = family(name).metrics.find((each) =>
      Object.entries(labels).every(([label, wanted]) => each.labels?.[label] === wanted),
    );
    return Number(sample?.value ?? 0);
  };
  // This parser folds a histogram's labelled series into one set of buckets: enough to see it observed something.
  const observed = (name: string) => {
    expect(family(name).type).toBe('HISTOGRAM');
    return Number(family(name).metrics[0]?.buckets?.['+Inf'] ?? 0);
  };
  return { families, family, value, observed };
}

describe.each(storeKinds)('GET /metrics ($kind)', ({ open }) => {
  it('counts answers by operation and status, keys created, verifications by code and store calls', async () => {
    const testStore = await open();
    await testStore.store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, new Date());
    const server = await startTestServer({ store: testStore.store });
    try {
      const before = await scrape(server.url);
      expect(before.value('apikeys_keys_created_total')).toBe(0);

      const created = await server.post('internal-api', { name: 'counted', permissions: ['users:read'] });
      expect(created.status).toBe(201);
      const { secret } = (await created.json()) as ApiKeyWithSecret;
      // A retry with the same Idempotency-Key is answered again, and issues no second key.
      const retried = { headers: { 'idempotency-key': 'metrics-test-idempotency-key' } };
      for (let attempt = 0; attempt < 2; attempt++) {
        expect((await server.post('internal-api', { name: 'retried' }, retried)).status).toBe(201);
      }
      const verify = (body: unknown) => server.call('POST', '/api-auth/apps/internal-api/keys/verify', body);
      expect((await verify({ secret })).status).toBe(200);
      expect((await verify({ secret, required_permissions: ['users:write'] })).status).toBe(200);
      expect((await verify({ secret: 'sk_not-a-key' })).status).toBe(200);
      const metered = await server.post('internal-api', { name: 'spent', credits: { remaining: 0 } });
      const spent = ((await metered.json()) as ApiKeyWithSecret).secret;
      expect((await verify({ secret: spent })).status).toBe(200);
      const limited = await server.post('internal-api', {
        name: 'limited',
        ratelimits: [{ name: 'requests', limit: 1, duration_ms: 60_000, auto_apply: true }],
      });
      const limitedSecret = ((await limited.json()) as ApiKeyWithSecret).secret;
      for (let attempt = 0; attempt < 2; attempt++) {
        expect((await verify({ secret: limitedSecret })).status).toBe(200);
      }
      expect((await server.post('internal-api', { name: 'x' }, { token: null })).status).toBe(401);
      expect((await server.post('internal-api', { name: 'x', unknown: 1 })).status).toBe(400);
      expect((await fetch(`${server.url}/no/such/path/${secret}`)).status).toBe(404);

      const after = await scrape(server.url);
      const answers = (operation: string, status: string) =>
        after.value('apikeys_http_requests_total', { operation, status });
      expect(answers('createApiKey', '201')).toBe(5);
      // Refused before any route ran, still counted for their operation.
      expect(answers('createApiKey', '401')).toBe(1);
      expect(answers('createApiKey', '400')).toBe(1);
      expect(answers('verifyApiKey', '200')).toBe(6);
      expect(answers('unknown', '404')).toBe(1);
      expect(answers('/metrics', '200')).toBe(1);
      expect(after.observed('apikeys_http_request_duration_seconds')).toBeGreaterThan(0);

      expect(after.value('apikeys_keys_created_total', { operation: 'createApiKey' })).toBe(4);
      expect(after.value('apikeys_key_verifications_total', { code: 'VALID' })).toBe(2);
      expect(after.value('apikeys_key_verifications_total', { code: 'INSUFFICIENT_PERMISSIONS' })).toBe(1);
      expect(after.value('apikeys_key_verifications_total', { code: 'MALFORMED' })).toBe(1);
      expect(after.value('apikeys_key_verifications_total', { code: 'USAGE_EXCEEDED' })).toBe(1);
      expect(after.value('apikeys_key_verifications_total', { code: 'RATE_LIMITED' })).toBe(1);
      expect(after.observed('apikeys_store_call_duration_seconds')).toBeGreaterThan(0);

      // The runtime's own: event-loop lag and resident memory.
      expect(after.value('nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
      expect(after.value('process_resident_memory_bytes')).toBeGreaterThan(0);
      // Operations and statuses only: never a raw path, a key or a secret.
      const labelValues = after.families.flatMap((family) =>
        family.metrics.flatMap((sample) => Object.values(sample.labels ?? {})),
      );
      expect(labelValues.filter((label) => label.includes('/no/such') || label.includes(secret))).toEqual([]);
    } finally {
      await server.close();
      await testStore.dispose();
    }
  });
});

describe('GET /metrics with APIKEYS_METRICS_TOKEN', () => {
  it('answers only the bearer of that token, and each server counts in its own registry', async () => {
    const metricsToken = 'metrics-token-0123456789';
    const testStore = await storeKinds[0].open();
    const guarded = await startTestServer({ store: testStore.store, metricsToken });
    const other = await startTestServer({ store: testStore.store });
    try {
      for (const authorization of [undefined, `Bearer ${TOKEN}`, 'Bearer wrong-token-0123456789']) {
        const refused = await fetch(`${guarded.url}/metrics`, { headers: authorization ? { authorization } : {} });
        expect(refused.status).toBe(401);
        expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer /);
      }
      await fetch(`${guarded.url}/healthz`);
      const scraped = await scrape(guarded.url, { authorization: `Bearer ${metricsToken}` });
      expect(scraped.value('apikeys_http_requests_total', { operation: '/metrics', status: '401' })).toBe(3);
      expect(scraped.value('apikeys_http_requests_total', { operation: '/healthz', status: '200' })).toBe(1);
      expect((await scrape(other.url)).value('apikeys_http_requests_total', { operation: '/healthz' })).toBe(0);
    } finally {
      await guarded.close();
      await other.close();
      await testStore.dispose();
    }
  });
});
