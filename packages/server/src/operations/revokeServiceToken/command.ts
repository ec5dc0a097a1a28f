import type { operations } from '@apikeys/types';
import type { OperationCommand } from '../operationCommand.js';

export const command: OperationCommand<operations['revokeServiceToken']> = {
  words: ['tokens', 'revoke'],
  description: 'revoke a service token: every server refuses it within milliseconds (a revoked token stays as it is)',
  arguments: [{ name: 'name', field: 'path.tokenName', help: 'the token name' }],
  text: (token) => `Service token ${token.name} is revoked as of ${token.revoked_at}.`,
};
