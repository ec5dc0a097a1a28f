import type { Problem, ProblemType, ValidationError } from '@apikeys/types';
import { type ContractDocument, componentSchema, type Schema } from './document.js';

/** The contract's problem types without their common `urn:apikeys:problem:` prefix. */
export type ProblemSlug = ProblemType extends `urn:apikeys:problem:${infer Slug}` ? Slug : never;

export interface ProblemKind {
  status: number;
  title: string;
}

/**
 * A refusal, thrown by a handler or a request stage and answered as the application/problem+json
 * document its type declares. Its status and title are the contract's (`x-problem-types`), looked
 * up where it is answered (ProblemCatalogue), so that constructing one reads no contract.
 */
export class ProblemError extends Error {
  readonly type: ProblemType;

  constructor(
    slug: ProblemSlug,
    readonly detail: string,
    readonly options: { errors?: ValidationError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.type = `urn:apikeys:problem:${slug}`;
  }
}

export const invalidRequest = (errors: ValidationError[]) =>
  new ProblemError('invalid-request', 'The request does not match the contract.', { errors });

/** The status and title of each problem type, declared once in the contract. */
export interface ProblemCatalogue {
  statusOf(error: ProblemError): number;
  /** The problem document of `error`, without a request id. */
  documentOf(error: ProblemError): Problem;
}

export function problemCatalogue(document: ContractDocument): ProblemCatalogue {
  const type = componentSchema(document, 'Problem').properties?.type as Schema | undefined;
  const kinds = type?.['x-problem-types'] as Record<ProblemType, ProblemKind> | undefined;
  if (!kinds || typeof kinds !== 'object') {
    throw new Error('The contract has no x-problem-types on Problem.type');
  }
  const kindOf = (error: ProblemError) => {
    const kind = kinds[error.type];
    if (!kind) {
      throw new Error(`The contract declares no problem type ${error.type}`);
    }
    return kind;
  };
  return {
    statusOf: (error) => kindOf(error).status,
    documentOf: (error) => {
      const { status, title } = kindOf(error);
      return {
        type: error.type,
        title,
        status,
        detail: error.detail,
        ...(error.options.errors ? { errors: error.options.errors } : {}),
      };
    },
  };
}
