import type { operations } from '@apikeys/types';
import type { OperationCommand } from '../operationCommand.js';

export const command: OperationCommand<operations['listApps']> = {
  words: ['apps', 'list'],
  description: 'list the apps: slug, key prefix, created at',
  text: ({ data }) =>
    data.length === 0
      ? 'No apps yet. Add one with: apikeys apps add <slug> --prefix <prefix>'
      : data.map((app) => `${app.slug}\t${app.key_prefix}\t${app.created_at}`).join('\n'),
};
