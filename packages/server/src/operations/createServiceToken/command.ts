import type { operations } from '@apikeys/types';
import type { OperationCommand } from '../operationCommand.js';

export const command: OperationCommand<operations['createServiceToken']> = {
  words: ['tokens', 'add'],
  description: 'add a service token; prints the token, this once only (--json: { "name", "scopes", "token" })',
  options: [
    {
      name: '--name <name>',
      field: 'body.name',
      help: 'what the token is called, in the audit trail too; never reused',
    },
    { name: '--scope <scope>', field: 'body.scopes', help: 'a scope it holds; repeat for more' },
  ],
  text: ({ token, secret }) =>
    [
      `Added service token ${token.name} with ${token.scopes.join(', ')}. The token, shown only this once:`,
      secret,
    ].join('\n'),
  // As scripts read it since the command came before the API's operation.
  json: ({ token, secret }) => ({ name: token.name, scopes: token.scopes, token: secret }),
};
