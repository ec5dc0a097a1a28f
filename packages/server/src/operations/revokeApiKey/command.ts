import type { operations } from '@apikeys/types';
import type { OperationCommand } from '../operationCommand.js';

export const command: OperationCommand<operations['revokeApiKey']> = {
  words: ['keys', 'revoke'],
  description: 'revoke a key at once (a key already revoked stays as it is)',
  arguments: [
    { name: 'app', field: 'path.appName', help: 'the app slug' },
    { name: 'keyId', field: 'path.keyId', help: "the key's id (a UUID)" },
  ],
  options: [{ name: '--reason <text>', field: 'body.reason', help: 'why, kept as its revocation_reason' }],
  text: (key, { params }) => {
    const why = key.revocation_reason === null ? '' : ` (${key.revocation_reason})`;
    return `Key ${key.id} of ${params.appName} is revoked as of ${key.revoked_at}${why}.`;
  },
};
