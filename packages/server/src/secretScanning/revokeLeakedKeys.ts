import { statusOf } from '../keys/keyStatus.js';
import { hashSecret, hasValidChecksum } from '../keys/secret.js';
import type { Logger } from '../logger.js';
import type { KeyStore } from '../store/keyStore.js';
import type { SecretScanningLabel, SecretScanningMatch } from './scanningPayload.js';

export interface RevokeLeakedKeysDeps {
  store: KeyStore;
  pepper?: string | undefined;
  now: () => Date;
  logger: Logger;
}

/** What a leaked key's revocation_reason says. */
export const LEAKED_REASON = 'leaked';
// Lookups in flight at once: enough for 1000 matches to finish well within GitHub's timeout
// (most fail the checksum and cost nothing), few enough to leave most of the PostgreSQL pool
// (4 connections on 2 cores) to the API.
const CONCURRENT_LOOKUPS = 2;
/** The audit trail's actor for leak revocations; a token name cannot hold a colon, so none can pose as it. */
export const LEAK_REPORTER = 'github:secret-scanning';

type Label = SecretScanningLabel['label'];

async function forEachBounded<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      await work(items[next++]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Labels each match as GitHub's feedback expects, in input order, revoking every one of our
 * keys, and every service token, that is still live. A token that fails our checksum is a false
 * positive with no database work; a key already revoked or expired is a true positive, revoked
 * no second time. `requestId` goes into each revocation's audit event.
 */
export async function revokeLeakedKeys(
  { store, pepper, now, logger }: RevokeLeakedKeysDeps,
  matches: readonly SecretScanningMatch[],
  requestId: string | null,
): Promise<SecretScanningLabel[]> {
  const audit = { actor: LEAK_REPORTER, operation: 'githubSecretScanning', requestId };
  // A leaked service token is as dangerous as a key; the live ones are read once per delivery, if needed.
  let liveTokens: Promise<Map<string, string>> | undefined;
  const liveTokenNamed = async (tokenHash: string) => {
    liveTokens ??= store
      .liveServiceTokens()
      .then((tokens) => new Map(tokens.map(({ tokenHash, name }) => [tokenHash, name])));
    return (await liveTokens).get(tokenHash);
  };

  // GitHub may report one token at several places: it is looked up (and revoked) once.
  const urls = new Map<string, string>();
  for (const { token, url } of matches) {
    if (!urls.has(token)) {
      urls.set(token, url);
    }
  }
  const labels = new Map<string, Label>();
  await forEachBounded([...urls], CONCURRENT_LOOKUPS, async ([token, url]) => {
    if (!hasValidChecksum(token)) {
      labels.set(token, 'false_positive');
      return;
    }
    const hash = hashSecret(token, pepper);
    const stored = await store.findKeyBySecretHash(hash);
    if (!stored) {
      const tokenName = await liveTokenNamed(hash);
      if (tokenName !== undefined && (await store.revokeToken(tokenName, now(), audit))) {
        logger.info('revoked a leaked service token', { name: tokenName, foundAt: url });
      }
      labels.set(token, tokenName === undefined ? 'false_positive' : 'true_positive');
      return;
    }
    const at = now();
    const { app_slug: app, id } = stored.key;
    // Through the store the server verifies with, so the very next verification answers REVOKED.
    // An expired key is revoked too: its expiry could be lifted, and its secret is public now.
    if (
      statusOf(stored.key, at) !== 'revoked' &&
      (await store.revokeKey(app, id, LEAKED_REASON, at, { ...audit, leaked: true, leakSource: url || null }))
    ) {
      logger.info('revoked a leaked key', { app, keyId: id, foundAt: url });
    }
    labels.set(token, 'true_positive');
  });
  return matches.map(({ token, type }) => ({
    token_hash: hashSecret(token),
    token_type: type,
    label: labels.get(token)!,
  }));
}
