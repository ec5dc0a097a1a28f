import { describe, expect, it } from 'vitest';
import { contractCounters } from './counters.js';
import { readContractDocument } from './document.js';
import { contractRoutes } from './routes.js';

const document = readContractDocument();

describe('contractCounters', () => {
  it('gives each counter of x-counters its label and the operations that name it in x-counter', () => {
    expect(contractCounters(document, contractRoutes(document))).toEqual([
      {
        name: 'apikeys_keys_created_total',
        help: expect.any(String),
        label: 'operation',
        operationIds: ['createApiKey', 'rotateApiKey'],
      },
      {
        name: 'apikeys_key_verifications_total',
        help: expect.any(String),
        label: 'code',
        operationIds: ['verifyApiKey'],
      },
    ]);
  });

  it('fails at start, naming the operation, when an x-counter names a counter the contract does not declare', () => {
    const broken = structuredClone(document);
    (broken.paths!['/api-auth/apps/{appName}/keys']!.post as Record<string, unknown>)['x-counter'] =
      'apikeys_typo_total';
    expect(() => contractCounters(broken, contractRoutes(broken))).toThrow(
      "createApiKey's x-counter names no counter declared in x-counters",
    );
  });

  it('fails at start when a counter has no label', () => {
    const broken = structuredClone(document) as unknown as Record<string, Record<string, { label?: string }>>;
    delete broken['x-counters']!.apikeys_key_verifications_total!.label;
    const routes = contractRoutes(broken as never);
    expect(() => contractCounters(broken as never, routes)).toThrow(
      "The contract's counter apikeys_key_verifications_total has no help or no label",
    );
  });
});
