import { issueServiceToken } from '../../src/keys/serviceToken.js';
import type { KeyStore } from '../../src/store/keyStore.js';
import { NOW } from './lifecycleServer.js';

/** Adds a service token with `scopes` straight to the store, and answers the token to send. */
export async function addServiceToken(store: KeyStore, name: string, scopes: string[]): Promise<string> {
  const { token, stored } = issueServiceToken(name, scopes, { now: NOW });
  await store.addServiceToken(stored, { actor: 'test', operation: 'test', requestId: null });
  return token;
}
