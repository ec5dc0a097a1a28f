import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { OpenAPIV3_1 } from 'openapi-types';
import { contractAjv, errorPath } from './ajv.js';
import type { ContractDocument } from './document.js';
import type { ContractRoute } from './routes.js';

const describe = (error: ErrorObject) => `${errorPath(error)} ${error.message ?? 'is invalid'}`;

/** Why an answer (its status, Content-Type and body as sent) breaks the contract, or undefined when it keeps it. */
export type ResponseCheck = (
  operationId: string,
  status: number,
  contentType: string,
  body: unknown,
) => string | undefined;

/**
 * Checks an answer against its operation's declared response for that status (the answer or
 * the problem): on in development and tests, so that a handler that drifts from the contract
 * fails there instead of in a consumer. Each schema is compiled the first time it is needed.
 */
export function responseCheck(document: ContractDocument, routes: readonly ContractRoute[]): ResponseCheck {
  // Nothing coerced or filled in: an answer is checked as it will be sent.
  const ajv = contractAjv({ coerceTypes: false, useDefaults: false });
  const operations = new Map(routes.map((route) => [route.operationId, route.operation.responses ?? {}]));
  const compiled = new Map<string, ValidateFunction | undefined>();
  return (operationId, status, contentType, body) => {
    const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
    const key = `${operationId} ${status} ${mediaType}`;
    if (!compiled.has(key)) {
      const response = operations.get(operationId)?.[String(status)] as OpenAPIV3_1.ResponseObject | undefined;
      const schema = response?.content?.[mediaType]?.schema;
      compiled.set(key, schema && ajv.compile({ components: document.components, ...schema }));
    }
    const validate = compiled.get(key);
    if (!validate) {
      return `${operationId} declares no ${status} answer of type ${mediaType}`;
    }
    return validate(body) ? undefined : `${operationId} ${status}: ${(validate.errors ?? []).map(describe).join('; ')}`;
  };
}
