import { describe, expect, it } from 'vitest';
import { lifecycleServer } from '../../../test/support/lifecycleServer.js';
import { storeKinds } from '../../../test/support/stores.js';
import { expectProblem } from '../../../test/support/testServer.js';
import type { KeyStore } from '../../store/keyStore.js';

describe('the errors stage', () => {
  const api = lifecycleServer(storeKinds[0].open);

  it("answers a failure with the contract's 500 problem, its cause only in the log", async () => {
    const store = api.store as KeyStore & { findApp: KeyStore['findApp'] };
    const findApp = store.findApp;
    store.findApp = async () => {
      throw new Error('disk on fire at /var/secret-path');
    };
    try {
      const response = await api.server.call('GET', api.keys('internal-api'));
      const problem = await expectProblem(response, 500, 'internal-error');
      expect(problem.title).toBe('Internal server error');
      expect(problem.request_id).toBe(response.headers.get('x-request-id'));
      expect(JSON.stringify(problem)).not.toContain('secret-path');
      const logged = api.server.logs.entries().find((entry) => entry.msg === 'request failed');
      expect(JSON.stringify(logged)).toContain('disk on fire');
    } finally {
      store.findApp = findApp;
    }
  });

  it('answers a refusal with its status, title and headers, and logs no cause for it', async () => {
    const before = api.server.logs.entries().filter((entry) => entry.msg === 'request failed').length;
    const response = await api.server.call('GET', api.keys('internal-api'), undefined, {
      token: 'wrong-token-0123456789',
    });
    const problem = await expectProblem(response, 401, 'unauthorized');
    expect(problem.title).toBe('Unauthorized');
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="apikeys"');
    expect(api.server.logs.entries().filter((entry) => entry.msg === 'request failed')).toHaveLength(before);
  });
});
