import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { type Schema, Validator } from '@cfworker/json-schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningMock, startMock } from '../src/mockServer.mjs';

// `Prefer: dynamic=true` asks the mock for random data that fits the schemas. A frontend developer
// shows those dates: they must read like a key's life (created lately, then used, expired or revoked,
// as its status says), and the answer must still be one the contract allows.
const specFile = fileURLToPath(new URL('../../../spec/openapi.yaml', import.meta.url));
type Operation = {
  operationId: string;
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
};
const contract = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve('@apikeys/types/openapi.json'), 'utf8'),
) as {
  paths: Record<string, Record<string, Operation>>;
};
const operations = new Map(
  Object.values(contract.paths).flatMap((item) => Object.values(item).map((each) => [each.operationId, each] as const)),
);

const keys = '/api-auth/apps/internal-api/keys';
const keyId = '2f6c1d3e-8b4a-4c5d-9e7f-0a1b2c3d4e5f';
const requests = [
  { operationId: 'createApiKey', method: 'POST', path: keys, body: { name: 'Dashboard key' } },
  { operationId: 'listApiKeys', method: 'GET', path: `${keys}?status=all` },
  { operationId: 'getApiKey', method: 'GET', path: `${keys}/${keyId}` },
  { operationId: 'updateApiKey', method: 'PATCH', path: `${keys}/${keyId}`, body: { name: 'Renamed' } },
  { operationId: 'revokeApiKey', method: 'POST', path: `${keys}/${keyId}/revoke`, body: {} },
  { operationId: 'rotateApiKey', method: 'POST', path: `${keys}/${keyId}/rotate`, body: {} },
  { operationId: 'verifyApiKey', method: 'POST', path: `${keys}/verify`, body: { secret: 'sk_anything' } },
  { operationId: 'listAuditEvents', method: 'GET', path: '/api-auth/apps/internal-api/audit-events' },
];
const ROUNDS = 6;

type KeyRecord = {
  status: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
};

/** Every key record in an answer body: a list's `data`, a created key's `key`, a verdict's `key` or the key itself. */
function keyRecords(body: Record<string, unknown>): KeyRecord[] {
  if (Array.isArray(body.data)) {
    return (body.data as KeyRecord[]).filter((each) => 'created_at' in each);
  }
  if (body.key && typeof body.key === 'object') {
    return [body.key as KeyRecord];
  }
  return 'created_at' in body ? [body as unknown as KeyRecord] : [];
}

/** The contract's rule: revoked once `revoked_at` has passed, else expired once `expires_at` has, else active. */
function statusAt(key: KeyRecord, now: number) {
  if (key.revoked_at !== null && Date.parse(key.revoked_at) <= now) {
    return 'revoked';
  }
  return key.expires_at !== null && Date.parse(key.expires_at) <= now ? 'expired' : 'active';
}

describe('the mock, asked for dynamic answers', () => {
  let mock: RunningMock;
  const answers: { operationId: string; status: number; body: Record<string, unknown> }[] = [];
  beforeAll(async () => {
    mock = await startMock({ port: 0, specFile });
    for (let round = 0; round < ROUNDS; round++) {
      for (const { operationId, method, path, body } of requests) {
        const response = await fetch(`${mock.url}${path}`, {
          method,
          headers: { Authorization: 'Bearer any-token', 'Content-Type': 'application/json', Prefer: 'dynamic=true' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        answers.push({ operationId, status: response.status, body: await response.json() });
      }
    }
  });
  afterAll(() => mock?.close());
  const records = () => answers.flatMap((answer) => keyRecords(answer.body));

  it('answers every key operation with a body the contract allows', () => {
    for (const { operationId, status, body } of answers) {
      const declared = operations.get(operationId)!.responses[String(status)];
      expect(status, `${operationId}: ${JSON.stringify(body)}`).toBeLessThan(300);
      const schema = declared!.content!['application/json']!.schema;
      const result = new Validator(schema, '2020-12', false).validate(body);
      expect(result.errors, `${operationId}: ${JSON.stringify(body)}`).toEqual([]);
    }
  });

  it('dates each key in the last months, in the order a key lives, agreeing with its status', () => {
    const now = Date.now();
    const yearAgo = now - 366 * 24 * 3_600_000;
    for (const key of records()) {
      const created = Date.parse(key.created_at);
      expect(created, key.created_at).toBeGreaterThan(yearAgo);
      expect(created, key.created_at).toBeLessThanOrEqual(now);
      for (const later of [key.expires_at, key.revoked_at, key.last_used_at]) {
        if (later !== null) {
          expect(Date.parse(later), JSON.stringify(key)).toBeGreaterThanOrEqual(created);
          expect(Date.parse(later), JSON.stringify(key)).toBeLessThan(now + 2 * 366 * 24 * 3_600_000);
        }
      }
      if (key.last_used_at !== null) {
        expect(Date.parse(key.last_used_at)).toBeLessThanOrEqual(now);
      }
      expect(statusAt(key, now), JSON.stringify(key)).toBe(key.status);
    }
    const events = answers
      .filter((answer) => answer.operationId === 'listAuditEvents')
      .flatMap((answer) => answer.body.data as { occurred_at: string }[]);
    for (const { occurred_at } of events) {
      expect(Date.parse(occurred_at), occurred_at).toBeGreaterThan(yearAgo);
      expect(Date.parse(occurred_at), occurred_at).toBeLessThanOrEqual(now);
    }
    // Enough of each kind to have checked something.
    expect(records().filter((key) => key.expires_at !== null).length).toBeGreaterThan(0);
    expect(records().filter((key) => key.revoked_at !== null).length).toBeGreaterThan(0);
  });

  it('still answers the named examples verbatim without `Prefer: dynamic=true`', async () => {
    const response = await fetch(`${mock.url}${keys}/${keyId}`, { headers: { Authorization: 'Bearer any-token' } });
    const examples = operations.get('getApiKey')!.responses['200']!.content!['application/json'] as unknown as {
      examples: Record<string, { value: unknown }>;
    };
    expect(Object.values(examples.examples).map((example) => example.value)).toContainEqual(await response.json());
  });
});
