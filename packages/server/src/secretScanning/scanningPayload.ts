import { isUtf8 } from 'node:buffer';
import type { ValidationError } from '@apikeys/types';
import { invalidRequest, ProblemError } from '../contract/problems.js';
import { requestPointer } from '../contract/requestPointer.js';

/**
 * One match GitHub found, as its secret-scanning partner program sends it. GitHub's contract, not
 * ours: it is not in spec/openapi.yaml, and fields GitHub may add are accepted and ignored.
 */
export interface SecretScanningMatch {
  token: string;
  type: string;
  /** Where GitHub found the token (a public URL); empty when GitHub sent none. */
  url: string;
  /** Where it was found: `content`, `commit`, `issue_comment`, …; empty when GitHub sent none. */
  source: string;
}

/** One feedback entry GitHub accepts in the answer: the token by its SHA-256, never the token. */
export interface SecretScanningLabel {
  token_hash: string;
  token_type: string;
  label: 'true_positive' | 'false_positive';
}

export const MAX_MATCHES = 1000;
// What a match must hold; GitHub's docs allow an empty url, and early deliveries had no source:
// one such match must not make the whole batch a 400, leaving every key in it live.
const REQUIRED_FIELDS = ['token', 'type'] as const;
const OPTIONAL_FIELDS = ['url', 'source'] as const;
// As the API's body check does: enough to fix a payload, not thousands of lines.
const MAX_ERRORS = 20;

/** The matches in a signed body; a body that is not a list of matches is a 400 problem, more than MAX_MATCHES a 413. */
export function parseMatches(body: Buffer): SecretScanningMatch[] {
  if (!isUtf8(body)) {
    throw new ProblemError('invalid-request', 'The request body is not valid UTF-8.', {
      errors: [{ pointer: requestPointer.body(), message: 'is not valid UTF-8' }],
    });
  }
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ProblemError('invalid-request', 'The request body is not valid JSON.', {
      errors: [{ pointer: requestPointer.body(), message: 'malformed JSON' }],
    });
  }
  if (!Array.isArray(payload)) {
    throw invalidRequest([{ pointer: requestPointer.body(), message: 'must be an array of matches' }]);
  }
  if (payload.length > MAX_MATCHES) {
    throw new ProblemError('payload-too-large', `A request may hold at most ${MAX_MATCHES} matches.`);
  }
  const errors: ValidationError[] = [];
  payload.forEach((match: unknown, index) => {
    if (typeof match !== 'object' || match === null || Array.isArray(match)) {
      errors.push({ pointer: requestPointer.body(index), message: 'must be an object' });
      return;
    }
    const fields = match as Record<string, unknown>;
    for (const field of REQUIRED_FIELDS) {
      if (typeof fields[field] !== 'string') {
        errors.push({ pointer: requestPointer.body(index, field), message: 'must be a string' });
      }
    }
    for (const field of OPTIONAL_FIELDS) {
      if (fields[field] !== undefined && fields[field] !== null && typeof fields[field] !== 'string') {
        errors.push({ pointer: requestPointer.body(index, field), message: 'must be a string' });
      }
    }
  });
  if (errors.length > 0) {
    throw invalidRequest(errors.slice(0, MAX_ERRORS));
  }
  return (payload as Record<string, unknown>[]).map((match) => ({
    token: match.token as string,
    type: match.type as string,
    url: typeof match.url === 'string' ? match.url : '',
    source: typeof match.source === 'string' ? match.source : '',
  }));
}
