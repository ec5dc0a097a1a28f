import { bindOperations } from './generated/bindOperations.js';
import type { ApiKeysClient } from './generated/operations.js';
import { type ApiKeysClientOptions, createTransport, type OperationRuntime } from './transport.js';

// The methods are generated from the contract (generated/operations.ts, generated/bindOperations.ts,
// `pnpm generate`); this binds them to the transport.

/** Every item of a listing, page after page, until its `next_cursor` is null. */
const everyPage: OperationRuntime['everyPage'] = async function* (operationId, page) {
  let cursor: string | undefined;
  do {
    const answer = await page(cursor);
    // A server (or the mock, answering one example) that hands back the cursor it was sent would page forever.
    if (answer.next_cursor !== null && answer.next_cursor === cursor) {
      throw new Error(
        `${operationId} answered with the cursor it was sent (${cursor}); stopping instead of paging forever.`,
      );
    }
    yield* answer.data;
    cursor = answer.next_cursor ?? undefined;
  } while (cursor !== undefined);
};

// Unique per call, so that the call's retries, and only they, are recognised as the same request.
const idempotencyKey: OperationRuntime['idempotencyKey'] = (requestOptions) =>
  requestOptions.idempotencyKey ?? globalThis.crypto.randomUUID();

export function createApiKeysClient(options: ApiKeysClientOptions): ApiKeysClient {
  return { apiKeys: bindOperations({ send: createTransport(options), everyPage, idempotencyKey }) };
}
