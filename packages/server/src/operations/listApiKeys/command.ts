import type { operations } from '@apikeys/types';
import type { OperationCommand } from '../operationCommand.js';

export const command: OperationCommand<operations['listApiKeys']> = {
  words: ['keys', 'list'],
  description:
    'list keys, newest first: id, status, secret hint, created at, name (--json: the records as the API answers them)',
  arguments: [{ name: 'app', field: 'path.appName', help: 'the app slug' }],
  options: [
    { name: '--status <status>', field: 'query.status', help: 'which keys' },
    { name: '--owner <owner>', field: 'query.owner', help: 'only the keys of this owner' },
    { name: '--environment <environment>', field: 'query.environment', help: 'only the keys of this environment' },
  ],
  text: ({ data }, { params, query }) =>
    data.length === 0
      ? `No ${query.status === 'all' ? '' : `${query.status} `}keys in ${params.appName}.`
      : data
          .map((key) =>
            [key.id, key.status, `${key.key_prefix}_…${key.key_suffix}`, key.created_at, key.name].join('\t'),
          )
          .join('\n'),
};
