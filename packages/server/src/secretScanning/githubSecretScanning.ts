import { createHash } from 'node:crypto';
import express, { type RequestHandler, type Router } from 'express';
import { ProblemError } from '../contract/problems.js';
import { hashSecret } from '../keys/secret.js';
import type { Logger } from '../logger.js';
import type { KeyStore } from '../store/keyStore.js';
import { GitHubPublicKeys, SigningKeysUnavailableError } from './githubPublicKeys.js';
import { verifyGitHubSignature } from './githubSignature.js';
import { revokeLeakedKeys } from './revokeLeakedKeys.js';
import { parseMatches } from './scanningPayload.js';
import '../http/context.js';

export const GITHUB_SECRET_SCANNING_PATH = '/secret-scanning/github';
const MAX_BODY_BYTES = 1024 * 1024;
// GitHub signs each delivery afresh; the same signature again is a captured payload sent back.
const REPLAY_WINDOW_MS = 24 * 3600_000;
// A claim left running this long was most likely abandoned by a process that died (as in http/idempotency.ts).
const LEASE_MS = 120_000;
// Key ids and signatures are short; a header longer than this is not GitHub's.
const MAX_HEADER_LENGTH = 512;

export interface GitHubSecretScanningOptions {
  /** The store the server verifies keys with (its verification cache), so a revocation is seen at once. */
  store: KeyStore;
  pepper?: string | undefined;
  now: () => Date;
  logger: Logger;
  /** Where GitHub publishes its secret-scanning public keys. */
  keysUrl: string;
}

const unsigned = () =>
  new ProblemError('unauthorized', "The payload is not signed with one of GitHub's secret-scanning keys.");

/** Refuses a request without both signature headers before its body is read. */
const requireSignatureHeaders: RequestHandler = (req, res, next) => {
  const keyId = req.get('github-public-key-identifier');
  const signature = req.get('github-public-key-signature');
  if (!keyId || !signature || keyId.length > MAX_HEADER_LENGTH || signature.length > MAX_HEADER_LENGTH) {
    next(unsigned());
    return;
  }
  res.locals.githubSignature = { keyId, signature };
  next();
};

/**
 * `POST /secret-scanning/github`: GitHub's secret-scanning partner endpoint. Outside `/api-auth`
 * and the contract: its request and answer are GitHub's, and its signature is its authentication.
 * Mount it before the API's JSON body parser: the signature covers the exact bytes received.
 */
export function githubSecretScanning(options: GitHubSecretScanningOptions): Router {
  const { store, now, logger } = options;
  const keys = new GitHubPublicKeys({ url: options.keysUrl, now });

  /** The digest of the signature when GitHub signed exactly these bytes; 401 otherwise, before any store work. */
  async function verifiedSignature(
    body: Buffer,
    { keyId, signature }: NonNullable<Express.Locals['githubSignature']>,
  ): Promise<string> {
    let key: Awaited<ReturnType<GitHubPublicKeys['find']>>;
    try {
      key = await keys.find(keyId);
    } catch (error) {
      if (!(error instanceof SigningKeysUnavailableError)) {
        throw error;
      }
      logger.error('fetching GitHub secret-scanning keys failed', { error: String(error.cause) });
      throw new ProblemError(
        'signing-keys-unavailable',
        "GitHub's secret-scanning public keys could not be fetched to check the signature.",
        { headers: { 'Retry-After': String(error.retryAfterSeconds) } },
      );
    }
    const digest = key && verifyGitHubSignature(body, signature, key);
    if (!digest) {
      throw unsigned();
    }
    return digest;
  }

  const handle: RequestHandler = async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const signatureDigest = await verifiedSignature(body, res.locals.githubSignature!);
    const matches = parseMatches(body);

    // One claim per signature, in the database every instance shares: a replay is refused everywhere.
    const at = now();
    const claimId = hashSecret(`github secret scanning\n${signatureDigest}`);
    const held = await store.claimIdempotencyKey({
      id: claimId,
      fingerprint: createHash('sha256').update(body).digest('hex'),
      now: at,
      expiresAt: new Date(at.getTime() + REPLAY_WINDOW_MS),
      staleBefore: new Date(at.getTime() - LEASE_MS),
    });
    if (held) {
      throw new ProblemError('payload-replayed', 'This signed payload was already received.');
    }
    let labels: Awaited<ReturnType<typeof revokeLeakedKeys>>;
    try {
      labels = await revokeLeakedKeys(options, matches, res.locals.requestId);
    } catch (error) {
      // Let GitHub's retry of the same delivery run again.
      await store.releaseIdempotencyKey(claimId, at).catch(() => {});
      throw error;
    }
    // Only that it was handled is kept, never the tokens or their labels.
    await store
      .completeIdempotencyKey(claimId, at, Buffer.alloc(0))
      .catch((error: unknown) => logger.error('recording a secret-scanning delivery failed', { error: String(error) }));
    res.status(200).set('Cache-Control', 'no-store').json(labels);
  };

  const router = express.Router({ caseSensitive: true });
  router
    .route(GITHUB_SECRET_SCANNING_PATH)
    .post(
      requireSignatureHeaders,
      // Any media type, no content encoding: the signature covers the bytes as sent; the JSON they hold is read after.
      express.raw({ type: () => true, limit: MAX_BODY_BYTES, inflate: false }),
      handle,
    )
    .all((_req, _res, next) => {
      next(
        new ProblemError('method-not-allowed', 'The method is not allowed on this resource.', {
          headers: { Allow: 'POST' },
        }),
      );
    });
  return router;
}
