import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlainPrism, type Target } from './support/targets.js';

// What a team gets from `prism mock packages/types/openapi.json` without this project's mock in
// front. The README ("Develop against the mock") names what it gets wrong and why; these
// tests keep that paragraph true.
describe('plain Prism on the published contract', () => {
  let prism: Target;
  beforeAll(async () => {
    prism = await startPlainPrism();
  }, 60_000);
  afterAll(() => prism?.close());

  const create = (body: unknown) =>
    fetch(`${prism.url}/api-auth/apps/internal-api/keys`, {
      method: 'POST',
      headers: { authorization: 'Bearer any-token', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it("answers a valid create from the contract's example, marked not replayed", async () => {
    const created = await create({ name: 'Primary production key' });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ key: { name: 'Primary production key' } });
    expect(created.headers.get('idempotent-replayed')).toBe('false');
  });

  it('answers an invalid body with the 422 it prefers to a 400, as the README warns', async () => {
    const refused = await create({ name: '' });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ type: 'urn:apikeys:problem:idempotency-key-reused' });
  });
});
