import { Ajv2020, type ErrorObject, type Options } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { isRfc3339DateTime } from '../keys/rfc3339.js';
import { requestPointer } from './requestPointer.js';

// The options express-openapi-validator gave Ajv, so that the problems a caller reads (and the
// mock, which refuses what the server refuses) stay the same: every error, the contract's
// formats, date-time as RFC 3339 means it.
const CONTRACT_OPTIONS: Options = {
  strict: false,
  strictNumbers: true,
  strictTuples: true,
  allowUnionTypes: false,
  validateSchema: false,
  allErrors: true,
  removeAdditional: false,
};

/** An Ajv for the contract's schemas (JSON Schema 2020-12, as OpenAPI 3.1 has them). */
export function contractAjv(options: Pick<Options, 'coerceTypes' | 'useDefaults'>): Ajv2020 {
  const ajv = new Ajv2020({ ...CONTRACT_OPTIONS, ...options });
  addFormats.default(ajv, { mode: 'fast' });
  ajv.addFormat('date-time', isRfc3339DateTime);
  return ajv;
}

/**
 * The path of the value an error is about: Ajv's own path stops at the object for a property
 * that is missing or not allowed, so the property is added.
 */
export function errorPath(error: ErrorObject): string {
  const { additionalProperty, missingProperty } = error.params as Record<string, unknown>;
  const property = additionalProperty ?? missingProperty;
  return property === undefined ? error.instancePath : requestPointer.child(error.instancePath, String(property));
}
