import { AppExistsError, type KeyStore } from './store/keyStore.js';

export const DEMO_APP = { slug: 'internal-api', keyPrefix: 'sk' } as const;

/** An empty database gets the demo app, so that a fresh `pnpm start` can create a key straight away. */
export async function seedDemoApp(store: KeyStore, now: Date): Promise<boolean> {
  if ((await store.findApps()).length > 0) {
    return false;
  }
  try {
    await store.addApp(DEMO_APP, now);
    return true;
  } catch (error) {
    // Another instance starting at the same moment seeded it first: the outcome is the same.
    if (error instanceof AppExistsError) {
      return false;
    }
    throw error;
  }
}
