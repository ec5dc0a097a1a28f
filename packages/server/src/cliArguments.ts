import { InvalidArgumentError } from 'commander';
import type { OpenAPIV3_1 } from 'openapi-types';
import type { Contract } from './contract/contract.js';
import { ENV_TOKEN_NAME_PREFIX, SERVICE_TOKEN_PREFIX } from './keys/serviceToken.js';

// The apikeys command calls the operations without the HTTP layer, so without its request
// check: these parsers refuse what the contract refuses, with the contract's
// own patterns and limits, before anything touches the database.

type Schema = OpenAPIV3_1.SchemaObject;

// The contract declares key ids as `format: uuid`; this is that format's text form.
const UUID = /^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i;

function componentSchema(contract: OpenAPIV3_1.Document, name: string): Schema {
  const found = contract.components?.schemas?.[name] as Schema | undefined;
  if (!found) {
    throw new Error(`The contract has no schema ${name}`);
  }
  return found;
}

function property(contract: OpenAPIV3_1.Document, schemaName: string, name: string): Schema {
  const found = componentSchema(contract, schemaName).properties?.[name] as Schema | undefined;
  if (!found) {
    throw new Error(`The contract's ${schemaName} has no property ${name}`);
  }
  return found;
}

function queryParameter(contract: OpenAPIV3_1.Document, operationId: string, name: string): Schema {
  for (const item of Object.values(contract.paths ?? {})) {
    for (const operation of Object.values(item ?? {})) {
      if (
        typeof operation !== 'object' ||
        operation === null ||
        !('operationId' in operation) ||
        operation.operationId !== operationId
      ) {
        continue;
      }
      // The bundled contract is dereferenced: parameters are inline.
      const parameter = (operation.parameters as OpenAPIV3_1.ParameterObject[] | undefined)?.find(
        (each) => each.in === 'query' && each.name === name,
      );
      if (parameter?.schema) {
        return parameter.schema as Schema;
      }
    }
  }
  throw new Error(`The contract's ${operationId} has no query parameter ${name}`);
}

function bounds(schema: Schema, what: string): { minimum: number; maximum: number } {
  if (typeof schema.minimum !== 'number' || typeof schema.maximum !== 'number') {
    throw new Error(`The contract gives ${what} no minimum and maximum`);
  }
  return { minimum: schema.minimum, maximum: schema.maximum };
}

function wholeNumber(value: string, minimum: number, maximum: number, problem: string): number {
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= minimum && number <= maximum)) {
    throw new InvalidArgumentError(problem);
  }
  return number;
}

/** Commander argument parsers for the command's values, each enforcing the contract's rule for it. */
export function cliArguments({ document: contract, patterns, scopes }: Contract) {
  if (componentSchema(contract, 'KeyId').format !== 'uuid') {
    throw new Error('The contract no longer declares KeyId as format: uuid');
  }

  const reason = property(contract, 'RevokeApiKeyRequest', 'reason');
  if (!reason.pattern || reason.minLength === undefined || reason.maxLength === undefined) {
    throw new Error('The contract gives a revocation reason no pattern or length');
  }
  const reasonPattern = new RegExp(reason.pattern, 'u');
  const [reasonMin, reasonMax] = [reason.minLength, reason.maxLength];

  const grace = property(contract, 'RotateApiKeyRequest', 'grace_period_seconds');
  const graceBounds = bounds(grace, 'grace_period_seconds');
  if (typeof grace.default !== 'number') {
    throw new Error('The contract gives grace_period_seconds no default');
  }

  const status = queryParameter(contract, 'listApiKeys', 'status');
  if (!Array.isArray(status.enum) || typeof status.default !== 'string') {
    throw new Error("The contract gives listApiKeys's status no enum and default");
  }
  const limit = bounds(queryParameter(contract, 'listApiKeys', 'limit'), "listApiKeys's limit");

  return {
    appSlug(value: string): string {
      if (!patterns.appSlug.test(value)) {
        throw new InvalidArgumentError(
          `The slug must match ${patterns.appSlug.source} (lower-case letters, digits and hyphens, 1-63 characters).`,
        );
      }
      return value;
    },
    keyPrefix(value: string): string {
      if (!patterns.keyPrefix.test(value)) {
        throw new InvalidArgumentError(
          `--prefix must match ${patterns.keyPrefix.source} (1-16 lower-case letters and digits, starting with a letter).`,
        );
      }
      // Secret scanning tells a leaked key from a leaked service token only by what it finds.
      if (value === SERVICE_TOKEN_PREFIX) {
        throw new InvalidArgumentError(`--prefix ${SERVICE_TOKEN_PREFIX} is kept for service tokens.`);
      }
      return value;
    },
    /** A service token's name: shaped like an app slug, and not one of the names APIKEYS_TOKENS' tokens go by. */
    tokenName(value: string): string {
      if (!patterns.appSlug.test(value) || value.startsWith(ENV_TOKEN_NAME_PREFIX)) {
        throw new InvalidArgumentError(
          `The token name must match ${patterns.appSlug.source} (lower-case letters, digits and hyphens, 1-63 characters) and not start with ${ENV_TOKEN_NAME_PREFIX}.`,
        );
      }
      return value;
    },
    /** One more --scope: one the contract declares; a repeated one counts once. */
    scope(value: string, previous: string[] = []): string[] {
      if (!scopes.includes(value)) {
        throw new InvalidArgumentError(`Unknown scope '${value}'. The scopes are: ${scopes.join(', ')}.`);
      }
      return previous.includes(value) ? previous : [...previous, value];
    },
    keyId(value: string): string {
      if (!UUID.test(value)) {
        throw new InvalidArgumentError('The key id must be a UUID, the id that `keys list` shows.');
      }
      return value;
    },
    reason(value: string): string {
      // JSON Schema counts a string's length in code points, not UTF-16 units.
      const length = [...value].length;
      if (length < reasonMin || length > reasonMax || !reasonPattern.test(value)) {
        throw new InvalidArgumentError(
          `--reason must be ${reasonMin}-${reasonMax} characters, not blank, with no control characters.`,
        );
      }
      return value;
    },
    gracePeriodSeconds(value: string): number {
      const { minimum, maximum } = graceBounds;
      return wholeNumber(
        value,
        minimum,
        maximum,
        `--grace-period-seconds must be a whole number from ${minimum} to ${maximum}.`,
      );
    },
    /** A listing may span pages, so only the contract's minimum applies to how many keys to print. */
    limit(value: string): number {
      return wholeNumber(
        value,
        limit.minimum,
        Number.MAX_SAFE_INTEGER,
        `--limit must be a whole number of at least ${limit.minimum}.`,
      );
    },
    /** The contract's default grace period (revoke at once). */
    defaultGracePeriodSeconds: grace.default,
    /** The largest page listApiKeys answers. */
    pageSize: limit.maximum,
    /** Every scope the contract declares. */
    scopes,
    statuses: status.enum as string[],
    defaultStatus: status.default,
  };
}

export type CliArguments = ReturnType<typeof cliArguments>;
