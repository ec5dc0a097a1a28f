import type { components, ProblemType as GeneratedProblemType, operations } from '@apikeys/types';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type ApiKeysError,
  type ApiKeysProblem,
  type ApiKeyWithSecret,
  type CreateApiKeyRequest,
  createApiKeysClient,
  type ListApiKeysQuery,
  type ListAuditEventsQuery,
  type ProblemType,
  type RequestOptions,
  type WebhookEvent,
  type WebhookEventType,
} from '../src/index.js';

const client = createApiKeysClient({ baseUrl: 'http://localhost:3000', token: 'tok' });
type Schemas = components['schemas'];
const keyId = '2f6c1d3e-8b4a-4c5d-9e7f-0a1b2c3d4e5f';

describe('the client types come from the contract', () => {
  it('takes the generated CreateApiKeyRequest and resolves to the generated ApiKeyWithSecret', () => {
    expectTypeOf(client.apiKeys.createApiKey)
      .parameter(1)
      .toEqualTypeOf<components['schemas']['CreateApiKeyRequest']>();
    expectTypeOf(client.apiKeys.createApiKey).returns.resolves.toEqualTypeOf<
      components['schemas']['ApiKeyWithSecret']
    >();
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

describe('every operation takes and resolves to the generated types', () => {
  it('listAuditEvents and listAllAuditEvents', () => {
    expectTypeOf<ListAuditEventsQuery>().toEqualTypeOf<
      NonNullable<operations['listAuditEvents']['parameters']['query']>
    >();
    expectTypeOf(client.apiKeys.listAuditEvents).parameter(1).toEqualTypeOf<ListAuditEventsQuery | undefined>();
    expectTypeOf(client.apiKeys.listAuditEvents).returns.resolves.toEqualTypeOf<Schemas['AuditEventList']>();
    expectTypeOf(client.apiKeys.listAllAuditEvents)
      .parameter(1)
      .toEqualTypeOf<Omit<ListAuditEventsQuery, 'cursor'> | undefined>();
    expectTypeOf(client.apiKeys.listAllAuditEvents).returns.toEqualTypeOf<AsyncIterable<Schemas['AuditEvent']>>();
    void client.apiKeys.listAllAuditEvents('internal-api', { key_id: keyId, limit: 50 });
    // @ts-expect-error listAllAuditEvents follows the cursors itself
    void client.apiKeys.listAllAuditEvents('internal-api', { cursor: 'abc.def' });
  });

  it('listApiKeys and listAllApiKeys', () => {
    expectTypeOf<ListApiKeysQuery>().toEqualTypeOf<NonNullable<operations['listApiKeys']['parameters']['query']>>();
    expectTypeOf(client.apiKeys.listApiKeys).parameter(1).toEqualTypeOf<ListApiKeysQuery | undefined>();
    expectTypeOf(client.apiKeys.listApiKeys).returns.resolves.toEqualTypeOf<Schemas['ApiKeyList']>();
    expectTypeOf(client.apiKeys.listAllApiKeys)
      .parameter(1)
      .toEqualTypeOf<Omit<ListApiKeysQuery, 'cursor'> | undefined>();
    expectTypeOf(client.apiKeys.listAllApiKeys).returns.toEqualTypeOf<AsyncIterable<Schemas['ApiKey']>>();
  });

  it('getApiKey', () => {
    expectTypeOf(client.apiKeys.getApiKey).parameters.toEqualTypeOf<
      [appName: string, keyId: string, options?: RequestOptions]
    >();
    expectTypeOf(client.apiKeys.getApiKey).returns.resolves.toEqualTypeOf<Schemas['ApiKey']>();
  });

  it('updateApiKey', () => {
    expectTypeOf(client.apiKeys.updateApiKey).parameter(2).toEqualTypeOf<Schemas['UpdateApiKeyRequest']>();
    expectTypeOf(client.apiKeys.updateApiKey).returns.resolves.toEqualTypeOf<Schemas['ApiKey']>();
  });

  it('revokeApiKey, whose body may be left out', () => {
    expectTypeOf(client.apiKeys.revokeApiKey).parameter(2).toEqualTypeOf<Schemas['RevokeApiKeyRequest'] | undefined>();
    expectTypeOf(client.apiKeys.revokeApiKey).returns.resolves.toEqualTypeOf<Schemas['ApiKey']>();
  });

  it('rotateApiKey, whose body may be left out and whose grace period is optional as in the contract', () => {
    // The generated type makes grace_period_seconds required because it has a default.
    expectTypeOf(client.apiKeys.rotateApiKey).parameter(2).toEqualTypeOf<Schemas['RotateApiKeyRequest'] | undefined>();
    expectTypeOf(client.apiKeys.rotateApiKey).returns.resolves.toEqualTypeOf<Schemas['ApiKeyWithSecret']>();
    void client.apiKeys.rotateApiKey('internal-api', keyId, {}, { headers: { Prefer: 'code=409' } });
  });

  it('verifyApiKey', () => {
    expectTypeOf(client.apiKeys.verifyApiKey).parameter(1).toEqualTypeOf<Schemas['VerifyApiKeyRequest']>();
    expectTypeOf(client.apiKeys.verifyApiKey).returns.resolves.toEqualTypeOf<Schemas['VerificationResult']>();
  });

  it('refuses fields and query parameters the contract does not name', () => {
    // @ts-expect-error secret is not a field of an update
    void client.apiKeys.updateApiKey('internal-api', keyId, { secret: 'sk_x' });
    // @ts-expect-error status cannot be changed by an update (revoke the key)
    void client.apiKeys.updateApiKey('internal-api', keyId, { name: 'x', status: 'revoked' });
    // @ts-expect-error revoked_at is not a field of a revocation
    void client.apiKeys.revokeApiKey('internal-api', keyId, { reason: 'leaked', revoked_at: '2026-01-01T00:00:00Z' });
    // @ts-expect-error grace_period is not the field's name
    void client.apiKeys.rotateApiKey('internal-api', keyId, { grace_period: 60 });
    // @ts-expect-error app_slug is not a field of a verification
    void client.apiKeys.verifyApiKey('internal-api', { secret: 'sk_x', app_slug: 'internal-api' });
    // @ts-expect-error secret is required
    void client.apiKeys.verifyApiKey('internal-api', { required_permissions: ['users:read'] });
    // @ts-expect-error sort is not a query parameter of listApiKeys
    void client.apiKeys.listApiKeys('internal-api', { limit: 10, sort: 'asc' });
    // @ts-expect-error status is one of active, revoked, expired, all
    void client.apiKeys.listApiKeys('internal-api', { status: 'deleted' });
    // @ts-expect-error listAllApiKeys follows the cursors itself
    void client.apiKeys.listAllApiKeys('internal-api', { cursor: 'abc.def' });
  });
});

describe('problems', () => {
  it("types a problem as the contract's Problem, whose type may also be about:blank", () => {
    expectTypeOf<ProblemType>().toEqualTypeOf<GeneratedProblemType>();
    expectTypeOf<ApiKeysError['problem']>().toEqualTypeOf<ApiKeysProblem>();
    expectTypeOf<ApiKeysError['type']>().toEqualTypeOf<Schemas['Problem']['type'] | 'about:blank'>();
    expectTypeOf<Omit<ApiKeysProblem, 'type'>>().toEqualTypeOf<Omit<Schemas['Problem'], 'type'>>();
    expectTypeOf<ProblemType>().toExtend<ApiKeysError['type']>();
    expectTypeOf<'about:blank'>().toExtend<ApiKeysError['type']>();
  });
});

describe('the webhook events come from the contract', () => {
  it("types each event's body by its type, with the key as getApiKey answers it", () => {
    expectTypeOf<WebhookEventType>().toEqualTypeOf<
      'key.created' | 'key.updated' | 'key.revoked' | 'key.rotated' | 'key.leaked'
    >();
    expectTypeOf<Extract<WebhookEvent, { type: 'key.revoked' }>>().toEqualTypeOf<Schemas['KeyRevokedEvent']>();
    expectTypeOf<WebhookEvent['data']['key']>().toEqualTypeOf<Schemas['ApiKey']>();
  });
});
