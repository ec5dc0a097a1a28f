import type { operations } from '@apikeys/types';
import type { OperationCommand } from '../operationCommand.js';

export const command: OperationCommand<operations['listServiceTokens']> = {
  words: ['tokens', 'list'],
  description: 'list the service tokens, oldest first: name, status, scopes, created at, revoked at',
  text: ({ data }) =>
    data.length === 0
      ? 'No service tokens yet. Add one with: apikeys tokens add --name <name> --scope <scope>'
      : data
          .map((token) =>
            [token.name, token.status, token.scopes.join(','), token.created_at, token.revoked_at ?? '']
              .join('\t')
              .trimEnd(),
          )
          .join('\n'),
};
