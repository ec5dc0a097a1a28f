import type { operations } from '@apikeys/types';
import type { OperationCommand } from '../operationCommand.js';

export const command: OperationCommand<operations['rotateApiKey']> = {
  words: ['keys', 'rotate'],
  description: 'replace a key by a new one with the same settings; prints the new secret, this once only',
  arguments: [
    { name: 'app', field: 'path.appName', help: 'the app slug' },
    { name: 'keyId', field: 'path.keyId', help: "the key's id (a UUID)" },
  ],
  options: [
    {
      name: '--grace-period-seconds <n>',
      field: 'body.grace_period_seconds',
      help: 'how long the old key keeps verifying',
    },
  ],
  text: ({ key, secret }, { params, body }) => {
    const grace = body.grace_period_seconds;
    const old = grace ? `Key ${params.keyId} keeps verifying for ${grace} seconds.` : `Key ${params.keyId} is revoked.`;
    return [`${old} Its successor is key ${key.id}. Its secret, shown only this once:`, secret].join('\n');
  },
};
