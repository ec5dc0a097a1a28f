import { isUtf8 } from 'node:buffer';
import type { ValidationError } from '@apikeys/types';
import { invalidRequest, ProblemError } from '../http/problem.js';

/**
 * One match GitHub found, as its secret-scanning partner program sends it. GitHub's contract, not
 * ours: it is not in spec/openapi.yaml, and fields GitHub may add are accepted and ignored.
 */
export interface SecretScanningMatch {
  token: string;
  type: string;
  /** Where GitHub found the token (a public URL). */
  url: string;
  /** Where it was found: `content`, `commit`, `issue_comment`, … */
  source: string;
}

/** One feedback entry GitHub accepts in the answer: the token by its SHA-256, never the token. */
export interface SecretScanningLabel {
  token_hash: string;
  token_type: string;
  label: 'true_positive' | 'false_positive';
}

export const MAX_MATCHES = 1000;
const MATCH_FIELDS = ['token', 'type', 'url', 'source'] as const;
// As the API's body check does: enough to fix a payload, not thousands of lines.
const MAX_ERRORS = 20;

/** The matches in a signed body; a body that is not a list of matches is a 400 problem, more than MAX_MATCHES a 413. */
export function parseMatches(body: Buffer): SecretScanningMatch[] {
  if (!isUtf8(body)) {
    throw new ProblemError('invalid-request', 'The request body is not valid UTF-8.', {
      errors: [{ pointer: '', message: 'is not valid UTF-8' }],
    });
  }
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ProblemError('invalid-request', 'The request body is not valid JSON.', {
      errors: [{ pointer: '', message: 'malformed JSON' }],
    });
  }
  if (!Array.isArray(payload)) {
    throw invalidRequest([{ pointer: '', message: 'must be an array of matches' }]);
  }
  if (payload.length > MAX_MATCHES) {
    throw new ProblemError('payload-too-large', `A request may hold at most ${MAX_MATCHES} matches.`);
  }
  const errors: ValidationError[] = [];
  payload.forEach((match: unknown, index) => {
    if (typeof match !== 'object' || match === null || Array.isArray(match)) {
      errors.push({ pointer: `/${index}`, message: 'must be an object' });
      return;
    }
    for (const field of MATCH_FIELDS) {
      if (typeof (match as Record<string, unknown>)[field] !== 'string') {
        errors.push({ pointer: `/${index}/${field}`, message: 'must be a string' });
      }
    }
  });
  if (errors.length > 0) {
    throw invalidRequest(errors.slice(0, MAX_ERRORS));
  }
  return payload as SecretScanningMatch[];
}
