import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { components, operations } from '@apikeys/types';
import { invalidRequest, ProblemError, type ProblemItem } from '../problem.js';
import { generateSecret, hashSecret, suffixOf } from '../secret.js';
import type { KeyStore } from '../store/keyStore.js';

type CreateApiKeyRequest = components['schemas']['CreateApiKeyRequest'];
type ApiKeyWithSecret = components['schemas']['ApiKeyWithSecret'];
type PathParams = operations['createApiKey']['parameters']['path'];

export interface CreateApiKeyDeps {
  store: KeyStore;
  now: () => Date;
  pepper?: string | undefined;
  /** From the contract's `x-max-serialized-bytes` on `metadata`. */
  maxMetadataBytes: number;
}

// The schema has already been enforced by express-openapi-validator; these are the rules it cannot express.
function rulesBeyondTheSchema(body: CreateApiKeyRequest, appName: string, now: Date, maxMetadataBytes: number): ProblemItem[] {
  const problems: ProblemItem[] = [];
  if (body.appName !== undefined && body.appName !== appName) {
    problems.push({ pointer: '/appName', message: `must equal the app in the URL ('${appName}')` });
  }
  if (body.expires_at !== undefined) {
    const expiry = Date.parse(body.expires_at);
    // RFC 3339 allows a leap second (23:59:60), which a JavaScript Date cannot hold.
    if (Number.isNaN(expiry)) problems.push({ pointer: '/expires_at', message: 'must be a date-time without a leap second' });
    else if (expiry <= now.getTime()) problems.push({ pointer: '/expires_at', message: 'must lie in the future' });
  }
  if (body.metadata !== undefined && Buffer.byteLength(JSON.stringify(body.metadata)) > maxMetadataBytes) {
    problems.push({ pointer: '/metadata', message: `must serialise to at most ${maxMetadataBytes} bytes of JSON` });
  }
  return problems;
}

export function createApiKey({ store, now, pepper, maxMetadataBytes }: CreateApiKeyDeps): RequestHandler<PathParams, ApiKeyWithSecret, CreateApiKeyRequest> {
  return async (req, res) => {
    const { appName } = req.params;
    const body = req.body;
    const createdAt = now();
    const problems = rulesBeyondTheSchema(body, appName, createdAt, maxMetadataBytes);
    if (problems.length > 0) throw invalidRequest(problems);

    const app = await store.findApp(appName);
    if (!app) throw new ProblemError(404, `No API auth app is named '${appName}'.`, { type: 'app-not-found', title: 'App not found' });

    const secret = generateSecret(app.keyPrefix);
    const key = {
      id: randomUUID(),
      app_slug: app.slug,
      name: body.name,
      key_prefix: app.keyPrefix,
      key_suffix: suffixOf(secret),
      permissions: body.permissions ?? [],
      metadata: body.metadata ?? {},
      owner: body.owner ?? null,
      environment: body.environment ?? null,
      expires_at: body.expires_at === undefined ? null : new Date(body.expires_at).toISOString(),
      created_at: createdAt.toISOString(),
    };
    await store.insertKey({ key, secretHash: hashSecret(secret, pepper), hashScheme: pepper ? 'hmac-sha256' : 'sha256' });

    res.status(201).setHeader('Cache-Control', 'no-store').json({ key, secret });
  };
}
