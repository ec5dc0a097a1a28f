import { existsSync, readFileSync } from 'node:fs';
import type { ApiKeyWithSecret } from '@apikeys/types';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { hashSecret } from '../src/keys/secret.js';
import { storeKinds } from './support/stores.js';
import { startTestServer } from './support/testServer.js';

/** Everything the store wrote, as text: the SQLite file with its WAL, or a dump of the PostgreSQL table. */
async function storedBytes(kind: string, location: string): Promise<string> {
  if (kind === 'sqlite') {
    return [location, `${location}-wal`]
      .filter(existsSync)
      .map((file) => readFileSync(file).toString('latin1'))
      .join('');
  }
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  try {
    const keys = await client.query('SELECT row_to_json(k)::text AS row FROM api_keys k');
    const idempotency = await client.query(
      "SELECT id || fingerprint || encode(coalesce(response, ''), 'escape') AS row FROM idempotency_records",
    );
    return [...keys.rows, ...idempotency.rows].map((row) => row.row as string).join('\n');
  } finally {
    await client.end();
  }
}

describe.each(storeKinds)('secrets at rest on $kind', ({ kind, open }) => {
  it.each([
    ['without a pepper', undefined],
    ['with a pepper', 'a-server-held-pepper-value'],
  ])('stores and logs no issued, rotated or verified secret (%s), only its hash', async (_label, pepper) => {
    const testStore = await open();
    const server = await startTestServer({ store: testStore.store, pepper });
    try {
      await testStore.store.addApp({ slug: 'internal-api', keyPrefix: 'sk' }, new Date());
      const secrets: string[] = [];
      for (let i = 0; i < 5; i++) {
        // Some with an Idempotency-Key, whose kept answer holds the secret, encrypted.
        const response = await server.post(
          'internal-api',
          { name: `key ${i}`, metadata: { i } },
          i % 2 ? { headers: { 'idempotency-key': `at-rest-key-${i}-0123456789` } } : {},
        );
        expect(response.status).toBe(201);
        secrets.push(((await response.json()) as ApiKeyWithSecret).secret);
      }
      const { key } = (await (await server.post('internal-api', { name: 'to rotate' })).json()) as ApiKeyWithSecret;
      const rotated = await server.call('POST', `/api-auth/apps/internal-api/keys/${key.id}/rotate`, {
        grace_period_seconds: 60,
      });
      expect(rotated.status).toBe(201);
      secrets.push(((await rotated.json()) as ApiKeyWithSecret).secret);
      for (const secret of secrets) {
        const verified = await server.call('POST', '/api-auth/apps/internal-api/keys/verify', { secret });
        expect(await verified.json()).toMatchObject({ valid: true });
      }
      // A failing request too: its body and credentials must not reach the log either.
      await server.post('internal-api', { name: 'x', secret: secrets[0] });
      await server.close();

      const stored = await storedBytes(kind, testStore.location);
      const logs = server.logs.lines.join('\n');
      // The checks below can fail: the rows are there, as hashes.
      for (const secret of secrets) {
        expect(stored).toContain(hashSecret(secret, pepper));
      }
      expect(logs).toContain('"status":201');
      for (const secret of secrets) {
        expect(stored).not.toContain(secret);
        expect(stored).not.toContain(secret.slice(3, 46));
        expect(logs).not.toContain(secret);
        expect(logs).not.toContain(secret.slice(3, 46));
      }
      expect(logs).not.toContain('test-token-0123456789abcdef');
      if (pepper) {
        expect(logs).not.toContain(pepper);
        for (const secret of secrets) {
          expect(stored).not.toContain(hashSecret(secret));
        }
      }
    } finally {
      await server.close().catch(() => {});
      await testStore.dispose();
    }
  });
});
