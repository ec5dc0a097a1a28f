import type { CreateApiKeyRequest, operations, ValidationError } from '@apikeys/types';
import { invalidRequest } from '../../contract/problems.js';
import { requestPointer } from '../../contract/requestPointer.js';
import { newBalance } from '../../keys/credits.js';
import { issueKey } from '../../keys/issueKey.js';
import { withStatus } from '../../keys/keyStatus.js';
import { ratelimitsOf } from '../../keys/ratelimits.js';
import {
  creditProblems,
  expiryProblems,
  metadataProblems,
  normaliseExpiry,
  ratelimitProblems,
} from '../keyFieldRules.js';
import { appNotFound } from '../keyNotFound.js';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';

function appNameProblems(body: CreateApiKeyRequest, appName: string): ValidationError[] {
  if (body.appName === undefined || body.appName === appName) {
    return [];
  }
  return [{ pointer: requestPointer.body('appName'), message: `must equal the app in the URL ('${appName}')` }];
}

export const createApiKey =
  ({ store, now, pepper, limits }: OperationDeps): OperationHandler<operations['createApiKey']> =>
  async ({ params: { appName }, body, audit }) => {
    const createdAt = now();
    const problems = [
      ...appNameProblems(body, appName),
      ...expiryProblems(body.expires_at, createdAt),
      ...metadataProblems(body.metadata, limits),
      ...creditProblems(body.credits),
      ...ratelimitProblems(body.ratelimits),
    ];
    if (problems.length > 0) {
      throw invalidRequest(problems);
    }

    const app = await store.findApp(appName);
    if (!app) {
      throw appNotFound(appName);
    }

    const { stored, answer } = issueKey(
      app,
      {
        name: body.name,
        permissions: body.permissions ?? [],
        metadata: body.metadata ?? {},
        owner: body.owner ?? null,
        environment: body.environment ?? null,
        expires_at: normaliseExpiry(body.expires_at),
        ratelimits: ratelimitsOf(body.ratelimits ?? []),
      },
      { now: createdAt, pepper, balance: body.credits ? newBalance(body.credits, createdAt) : null },
    );
    await store.insertKey(stored, audit);
    return {
      status: 201,
      headers: { 'Cache-Control': 'no-store' },
      body: { ...answer, key: withStatus(answer.key, createdAt) },
    };
  };
