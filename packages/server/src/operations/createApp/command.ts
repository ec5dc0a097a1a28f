import type { operations } from '@apikeys/types';
import type { OperationCommand } from '../operationCommand.js';

export const command: OperationCommand<operations['createApp']> = {
  words: ['apps', 'add'],
  description: 'register an API auth app',
  arguments: [{ name: 'slug', field: 'body.slug', help: 'the app slug, as in /api-auth/apps/{appName}' }],
  options: [
    { name: '--prefix <prefix>', field: 'body.key_prefix', help: 'what its secrets start with (<prefix>_…)' },
    { name: '--display-name <name>', field: 'body.display_name', help: 'what people call it' },
  ],
  text: (app) => `Added app ${app.slug}: its keys start with ${app.key_prefix}_`,
};
