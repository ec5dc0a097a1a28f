import { describe, expect, it } from 'vitest';
import { readContract } from '../../contract/contract.js';
import type { OperationHandlers } from '../../operations/operationHandler.js';
import type { IdempotencyGuard } from '../idempotency.js';
import { dispatch } from './dispatch.js';

const contract = readContract();
const answered = async () => ({ status: 200 as const, body: {} as never });
const handlersFor = (ids: string[]) =>
  Object.fromEntries(ids.map((id) => [id, answered])) as unknown as OperationHandlers;
const guard = {} as IdempotencyGuard;

describe('dispatch', () => {
  const ids = contract.routes.map((route) => route.operationId);

  it('takes a handler for every operation of the contract', () => {
    expect(() => dispatch(contract.routes, handlersFor(ids), guard)).not.toThrow();
  });

  it('refuses, at start, handlers that miss an operation or have one the contract lacks', () => {
    expect(() => dispatch(contract.routes, handlersFor(ids.slice(1)), guard)).toThrow(ids[0]!);
    expect(() => dispatch(contract.routes, handlersFor([...ids, 'deleteEverything']), guard)).toThrow(
      'deleteEverything',
    );
  });
});
