import { describe, expectTypeOf, it } from 'vitest';
import type { components } from '@apikeys/types';
import { createApiKeysClient, type ApiKeyWithSecret, type CreateApiKeyRequest } from '../src/index.js';

const client = createApiKeysClient({ baseUrl: 'http://localhost:3000', token: 'tok' });

describe('the client types come from the contract', () => {
  it('takes the generated CreateApiKeyRequest and resolves to the generated ApiKeyWithSecret', () => {
    expectTypeOf(client.apiKeys.createApiKey).parameter(1).toEqualTypeOf<components['schemas']['CreateApiKeyRequest']>();
    expectTypeOf(client.apiKeys.createApiKey).returns.resolves.toEqualTypeOf<components['schemas']['ApiKeyWithSecret']>();
    expectTypeOf<ApiKeyWithSecret['secret']>().toEqualTypeOf<string>();
    expectTypeOf<ApiKeyWithSecret['key']['expires_at']>().toEqualTypeOf<string | null>();
  });

  it('accepts the seed call as written', () => {
    expectTypeOf(
      client.apiKeys.createApiKey('internal-api', {
        name: 'Primary production key',
        permissions: ['users:read', 'users:write'],
        metadata: { owner: 'backend-service' },
      }),
    ).resolves.toEqualTypeOf<ApiKeyWithSecret>();
  });

  it('refuses an unknown field, a missing name and a wrong type at compile time', () => {
    // @ts-expect-error organization_id is not part of the contract (openapi-fetch alone lets this through)
    void client.apiKeys.createApiKey('internal-api', { name: 'x', organization_id: 'org_1' });
    // @ts-expect-error app_slug is not part of the request
    void client.apiKeys.createApiKey('internal-api', { name: 'x', app_slug: 'other' });
    // @ts-expect-error name is required
    void client.apiKeys.createApiKey('internal-api', { permissions: [] });
    // @ts-expect-error permissions is a list of strings
    void client.apiKeys.createApiKey('internal-api', { name: 'x', permissions: 'users:read' });
    expectTypeOf<{ name: string; organization_id: string }>().not.toEqualTypeOf<CreateApiKeyRequest>();
  });
});
