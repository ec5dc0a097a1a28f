import type { operations } from '@apikeys/types';
import { describe, expectTypeOf, it } from 'vitest';
import { operationHandlers } from '../src/operations/generated/handlerMap.js';
import type { OperationCommand, RequestField } from '../src/operations/operationCommand.js';
import type { OperationDeps, OperationHandler, OperationHandlers } from '../src/operations/operationHandler.js';

const handlers = operationHandlers({} as OperationDeps);

// The contract as it would be after someone adds an operation to the spec and runs `pnpm generate`.
type WithNewOperation = operations & {
  deleteApiKey: {
    parameters: { query?: never; header?: never; path: { appName: string; keyId: string }; cookie?: never };
    requestBody?: never;
    responses: { 200: { headers: { [name: string]: unknown }; content: { 'application/json': { deleted: true } } } };
  };
};

describe('the server implements the contract, every operation of it', () => {
  it("has a handler for each operation of the contract's paths, and none for its webhooks", () => {
    expectTypeOf<keyof OperationHandlers>().toEqualTypeOf<Exclude<keyof operations, `${string}Webhook`>>();
    expectTypeOf(handlers).toEqualTypeOf<OperationHandlers>();
  });

  it('does not compile when the contract has an operation without a handler', () => {
    // @ts-expect-error deleteApiKey is in the contract but has no handler
    const incomplete: OperationHandlers<WithNewOperation> = handlers;
    void incomplete;
  });

  it('takes the generated request types and only answers a declared success with its generated body', () => {
    expectTypeOf<Parameters<OperationHandlers['updateApiKey']>[0]['body']>().toEqualTypeOf<
      operations['updateApiKey']['requestBody']['content']['application/json']
    >();
    expectTypeOf<Parameters<OperationHandlers['getApiKey']>[0]['params']>().toEqualTypeOf<
      operations['getApiKey']['parameters']['path']
    >();
    expectTypeOf<Parameters<OperationHandlers['listApiKeys']>[0]['query']>().toEqualTypeOf<
      NonNullable<operations['listApiKeys']['parameters']['query']>
    >();

    // @ts-expect-error the body of getApiKey's 200 is an ApiKey, not anything
    const wrongBody: OperationHandler<operations['getApiKey']> = async () => ({ status: 200, body: { id: 'x' } });
    // @ts-expect-error createApiKey declares 201, not 200
    const wrongStatus: OperationHandler<operations['createApiKey']> = async () => ({
      status: 200,
      body: { key: {}, secret: '' },
    });
    void wrongBody;
    void wrongStatus;
  });
});

describe('a command fills only the request fields its operation has', () => {
  it('types each value by the operation: a field it lacks does not compile', () => {
    expectTypeOf<RequestField<operations['rotateApiKey']>>().toEqualTypeOf<
      'path.appName' | 'path.keyId' | 'body.grace_period_seconds'
    >();
    const rotate: OperationCommand<operations['rotateApiKey']> = {
      words: ['keys', 'rotate'],
      description: 'rotate',
      // @ts-expect-error rotateApiKey has no query parameters
      options: [{ name: '--status <status>', field: 'query.status', help: 'which keys' }],
      text: ({ secret }) => secret,
    };
    expectTypeOf(rotate.words).toEqualTypeOf<readonly [group: string, verb: string]>();
  });
});
