import { checkContractDocument } from './checkDocument.js';
import { type ContractCounter, contractCounters } from './counters.js';
import {
  bundledContractFile,
  type ContractDocument,
  type ContractLimits,
  type ContractPatterns,
  contractFile,
  contractLimits,
  contractPatterns,
  readContractDocument,
} from './document.js';
import { patternMessages } from './patternMessages.js';
import { type ProblemCatalogue, problemCatalogue } from './problems.js';
import { type RequestCheck, requestCheck } from './requestCheck.js';
import { type ResponseCheck, responseCheck } from './responseCheck.js';
import { allowedMethods, type ContractRoute, contractRoutes, type OperationMatch, operationMatcher } from './routes.js';
import { declaredScopes } from './scopes.js';

/**
 * The contract as one value, built once at start from the bundled document and handed to
 * whatever needs it: its routes and their matcher, the methods allowed at each path, the
 * compiled request and response checks, the limits and patterns it states, its problem types, its
 * scopes and the counters its operations count into. Nothing else reads the document.
 */
export interface Contract {
  /** The bundled, dereferenced document (served at /openapi.json) and the one with its $refs kept. */
  files: { dereferenced: string; bundled: string };
  document: ContractDocument;
  routes: readonly ContractRoute[];
  operationOf(method: string, path: string): OperationMatch | undefined;
  /** The `Allow` header for a path the contract has, undefined for one it lacks. */
  allowedAt(path: string): string | undefined;
  checkRequest: RequestCheck;
  /** Compiles each answer's schema the first time it is needed: only development and tests check answers. */
  checkResponse: ResponseCheck;
  limits: ContractLimits;
  patterns: ContractPatterns;
  problems: ProblemCatalogue;
  /** Every scope the contract declares. */
  scopes: readonly string[];
  counters: readonly ContractCounter[];
}

export function buildContract(document: ContractDocument, files: Contract['files']): Contract {
  const routes = contractRoutes(document);
  return {
    files,
    document,
    routes,
    operationOf: operationMatcher(routes),
    allowedAt: allowedMethods(routes),
    checkRequest: requestCheck(document, routes, patternMessages(document)),
    checkResponse: responseCheck(document, routes),
    limits: contractLimits(document),
    patterns: contractPatterns(document),
    problems: problemCatalogue(document),
    scopes: declaredScopes(document),
    counters: contractCounters(document, routes),
  };
}

/**
 * Reads the bundled contract (the generated @apikeys/types/openapi.json by default), has
 * express-openapi-validator judge the document, and builds the contract: a broken contract fails
 * here, at start-up.
 */
export async function loadContract(file: string = contractFile): Promise<Contract> {
  await checkContractDocument(file);
  return readContract(file);
}

/** The contract built from `file` without express-openapi-validator's judgement: for the CLI, which only reads it. */
export function readContract(file: string = contractFile): Contract {
  return buildContract(readContractDocument(file), { dereferenced: file, bundled: bundledContractFile });
}
