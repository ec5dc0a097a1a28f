import { describe, expect, it } from 'vitest';
import { createApiKeysClient, operationScopes } from '../src/index.js';

describe('operationScopes', () => {
  it('names the scopes a service token needs for each method that calls one operation', () => {
    const client = createApiKeysClient({ baseUrl: 'http://127.0.0.1:9', token: 'unused' });
    // The listAll* helpers page through the operation they are named after.
    const methods = Object.keys(client.apiKeys).filter((name) => !name.startsWith('listAll'));
    expect(Object.keys(operationScopes).sort()).toEqual(methods.sort());
    expect(operationScopes.verifyApiKey).toEqual(['keys:verify']);
    expect(operationScopes.rotateApiKey).toEqual(['keys:create', 'keys:revoke']);
    expect(operationScopes.listAuditEvents).toEqual(['audit:read']);
  });
});
