import type { operations } from '@apikeys/types';
import type { OperationCommand } from '../operationCommand.js';

export const command: OperationCommand<operations['getServiceToken']> = {
  words: ['tokens', 'show'],
  description: 'show a service token: name, status, scopes, created at, revoked at',
  arguments: [{ name: 'name', field: 'path.tokenName', help: 'the token name' }],
  text: (token) =>
    [
      `${token.name} (${token.status})`,
      `scopes:     ${token.scopes.join(', ')}`,
      `created at: ${token.created_at}`,
      ...(token.revoked_at === null ? [] : [`revoked at: ${token.revoked_at}`]),
    ].join('\n'),
};
