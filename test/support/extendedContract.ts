import type { Document } from './contract.js';

// The published contract with one operation more, as another branch would add it: a fake
// `labelApiKey` (POST …/keys/{keyId}/labels) built like the others (summary, description, tag,
// scope, named examples with summaries, code samples, shared problem responses). Options take
// one part away, to show the failure naming what it lacks.
export interface ExtraOperationOptions {
  withoutRequestExamples?: boolean;
  withoutScope?: boolean;
}

export const EXTRA_OPERATION = 'labelApiKey';

export function withExtraOperation(published: Document, options: ExtraOperationOptions = {}): Document {
  const document = structuredClone(published);
  const keyPath = document.paths['/api-auth/apps/{appName}/keys/{keyId}']!;
  const update = keyPath.patch as { responses: Record<string, unknown> };
  const { 200: _changed, ...errors } = update.responses;
  document.paths['/api-auth/apps/{appName}/keys/{keyId}/labels'] = {
    parameters: keyPath.parameters,
    post: {
      operationId: EXTRA_OPERATION,
      summary: 'Label an API key',
      description: 'Adds a label to the key. A label is at most 32 characters.\n',
      tags: ['API keys'],
      security: [{ bearerAuth: options.withoutScope ? [] : ['keys:update'] }],
      'x-codeSamples': [
        {
          lang: 'curl',
          source: 'curl -X POST https://apikeys.example.internal/api-auth/apps/internal-api/keys/…/labels',
        },
        {
          lang: 'JavaScript',
          label: 'TypeScript (@apikeys/client)',
          source: "await client.apiKeys.labelApiKey('internal-api', keyId, { label: 'billing' });",
        },
      ],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              additionalProperties: false,
              required: ['label'],
              properties: { label: { type: 'string', minLength: 1, maxLength: 32, pattern: '^[a-z]+$' } },
            },
            ...(options.withoutRequestExamples
              ? {}
              : {
                  examples: {
                    billing: { summary: 'A billing label', value: { label: 'billing' } },
                    ops: { summary: 'An operations label', value: { label: 'ops' } },
                  },
                }),
          },
        },
      },
      responses: {
        200: {
          description: 'The labels of the key.',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                additionalProperties: false,
                properties: { labels: { type: 'array', items: { type: 'string' } } },
              },
              examples: { labelled: { summary: 'Labelled', value: { labels: ['billing'] } } },
            },
          },
        },
        ...errors,
      },
    },
  };
  return document;
}
