import type { operations } from '@apikeys/types';
import type { OperationDeps, OperationHandler } from '../operationHandler.js';

export const getCurrentToken =
  (_deps: OperationDeps): OperationHandler<operations['getCurrentToken']> =>
  async ({ principal }) => ({ status: 200, body: { name: principal.name, scopes: [...principal.scopes] } });
