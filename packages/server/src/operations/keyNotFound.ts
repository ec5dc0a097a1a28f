import { ProblemError } from '../contract/problems.js';
import type { KeyStore } from '../store/keyStore.js';

export const appNotFound = (appName: string) =>
  new ProblemError('app-not-found', `No API auth app is named '${appName}'.`);

/** The 404 for a key the app does not have: said apart from an unknown app, never apart from another app's key. */
export async function keyNotFound(store: KeyStore, appName: string, keyId: string): Promise<ProblemError> {
  if (!(await store.findApp(appName))) {
    return appNotFound(appName);
  }
  return new ProblemError('key-not-found', `App '${appName}' has no key '${keyId}'.`);
}
