import { describe, expect, it } from 'vitest';
import { badRequestsFor } from './support/badRequests.js';
import { contractOperations, operationOfRequest, readContract, requireComplete } from './support/contract.js';
import { docsExpectation, docsNeeds } from './support/docsExpectations.js';
import { EXTRA_OPERATION, withExtraOperation } from './support/extendedContract.js';
import { buildRequest, creatorOf, freshResources } from './support/requests.js';
import { consumerNeeds, generatedClientNeeds, mockParityNeeds, validationProxyNeeds } from './support/suiteNeeds.js';

// The suites enumerate the contract: fed a copy of it with one operation more (a fake
// labelApiKey, as another branch would add one), each covers it with no edit, and when its
// request examples or its scope are taken away, each fails naming it and what it lacks.
const published = readContract();
const extraOf = (document = withExtraOperation(published)) => {
  const operations = contractOperations(document);
  return { operations, extra: operations.find((operation) => operation.operationId === EXTRA_OPERATION)! };
};

describe('the suites, fed a contract with an operation more', () => {
  const { operations, extra } = extraOf();

  it('enumerate it beside the published ones', () => {
    expect(operations.map((operation) => operation.operationId)).toEqual([
      ...contractOperations(published).map((operation) => operation.operationId),
      EXTRA_OPERATION,
    ]);
    expect(operationOfRequest(operations, 'POST', '/api-auth/apps/internal-api/keys/abc/labels')).toBe(extra);
  });

  it('find it complete for every suite', () => {
    for (const [suite, wanted] of [
      ['docs', docsNeeds],
      ['mock parity', mockParityNeeds],
      ['validation proxy', validationProxyNeeds(extra)],
      ['consumer', consumerNeeds(extra)],
      ['generated client', generatedClientNeeds],
    ] as const) {
      expect(() => requireComplete(extra, wanted, suite)).not.toThrow();
    }
  });

  it('docs: expect its section, fields, examples, switch and problems', () => {
    const expected = docsExpectation(extra);
    expect(expected).toMatchObject({
      sectionId: '/api-keys/labelapikey',
      title: 'Label an API key',
      method: 'POST',
      path: '/api-auth/apps/{appName}/keys/{keyId}/labels',
      scopes: ['keys:update'],
      says: expect.arrayContaining(['Adds a label to the key.']),
      examples: expect.arrayContaining(['"label": "billing"']),
      switchExample: { from: 'A billing label', to: 'An operations label', shows: '"label": "ops"' },
      statuses: ['200', '400', '401', '403', '404', '409', '413', '415', '429', '500'],
    });
    const [, label] = expected.fields.find(([name]) => name === 'label')!;
    expect('label\nstring, [ 1 .. 32 ] characters\n^[a-z]+$\n').toMatch(label);
    expect(expected.problems).toContainEqual({
      status: '409',
      says: "The key's state does not allow the change, or",
      type: 'urn:apikeys:problem:key-revoked',
    });
  });

  it('mock parity: break its request in every place its schemas constrain', async () => {
    const labels = (await badRequestsFor(extra, 16384)).map((request) => request.label);
    expect(labels).toEqual(
      expect.arrayContaining([
        'labelApiKey: no token',
        'labelApiKey: a {keyId} that breaks its schema',
        'labelApiKey: an unknown field',
        'labelApiKey: malformed JSON',
        'labelApiKey: no label',
        'labelApiKey: a blank label',
      ]),
    );
  });

  it('validation proxy, generated client: build its request with a freshly created key', async () => {
    expect(creatorOf(operations, extra, extra.parameters.find((p) => p.name === 'keyId')!)?.operationId).toBe(
      'createApiKey',
    );
    const created: string[] = [];
    const fakeServer = (async (url: string, init: RequestInit) => {
      created.push(`${init.method} ${new URL(url).pathname} ${init.body}`);
      return new Response(JSON.stringify({ key: { id: '11111111-2222-4333-8444-555555555555' }, secret: 'x' }), {
        status: 201,
      });
    }) as typeof fetch;
    const original = globalThis.fetch;
    globalThis.fetch = fakeServer;
    try {
      const request = await buildRequest(extra, {
        example: 'ops',
        pathValue: freshResources(operations, 'http://server', 'token'),
      });
      expect(request).toMatchObject({
        path: '/api-auth/apps/internal-api/keys/11111111-2222-4333-8444-555555555555/labels',
        body: { label: 'ops' },
      });
    } finally {
      globalThis.fetch = original;
    }
    expect(created).toEqual([
      'POST /api-auth/apps/internal-api/keys {"name":"Primary production key","permissions":["users:read","users:write"],"metadata":{"owner":"backend-service"}}',
    ]);
  });
});

describe('the suites, fed a contract whose new operation is incomplete', () => {
  it('fail naming it when its request body has no named example', async () => {
    const { extra } = extraOf(withExtraOperation(published, { withoutRequestExamples: true }));
    for (const wanted of [docsNeeds, mockParityNeeds, validationProxyNeeds(extra), generatedClientNeeds]) {
      expect(() => requireComplete(extra, wanted, 'a suite')).toThrow(
        'The contract is incomplete for a suite: operation labelApiKey (POST /api-auth/apps/{appName}/keys/{keyId}/labels) lacks a named example of its request body',
      );
    }
    await expect(buildRequest(extra)).rejects.toThrow(
      'Cannot build a request for labelApiKey (POST /api-auth/apps/{appName}/keys/{keyId}/labels): its request body has no named example.',
    );
  });

  it('fail naming it when its security requirement names no scope', () => {
    const { extra } = extraOf(withExtraOperation(published, { withoutScope: true }));
    for (const wanted of [docsNeeds, validationProxyNeeds(extra)]) {
      expect(() => requireComplete(extra, wanted, 'the docs suite')).toThrow(
        'operation labelApiKey (POST /api-auth/apps/{appName}/keys/{keyId}/labels) lacks a security scope',
      );
    }
  });

  it('fail naming it when a path parameter has no example and no rule gives it one', async () => {
    const document = withExtraOperation(published);
    const item = document.paths['/api-auth/apps/{appName}/keys/{keyId}/labels']!;
    item.parameters = (item.parameters as { name: string }[]).map((parameter) =>
      parameter.name === 'appName'
        ? { name: 'appName', in: 'path', required: true, schema: { type: 'string' } }
        : parameter,
    );
    const { extra } = extraOf(document);
    await expect(buildRequest(extra)).rejects.toThrow(
      'Cannot build a request for labelApiKey (POST /api-auth/apps/{appName}/keys/{keyId}/labels): its path parameter {appName} has no example and no rule gives it a value.',
    );
    expect(() => requireComplete(extra, mockParityNeeds, 'the mock parity suite')).toThrow(
      'lacks an example for every path parameter',
    );
  });
});
