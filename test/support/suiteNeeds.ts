import { type ContractOperation, type Need, needs } from './contract.js';

// What each workspace suite needs of every operation of the contract; `requireComplete` turns a
// gap into a failure naming the operation and what it lacks. contractEnumeration.test.ts feeds
// these the contract with an extra operation to show that a new one is covered.

export const mockParityNeeds: Need[] = [needs.requestExample, needs.pathParameterExamples];

export const validationProxyNeeds = (operation: ContractOperation): Need[] => [
  needs.successResponse,
  needs.requestExample,
  needs.pathParameterExamples,
  // Behind bearer auth: its scopes, refused 401 and 429; and 403 when it names scopes (an operation
  // any accepted token may call, getCurrentToken's `bearerAuth: []` without a 403, has none to lack).
  ...(operation.scopes === undefined
    ? []
    : [
        needs.scopes,
        needs.problemResponse('401'),
        ...(operation.scopes.length > 0 ? [needs.problemResponse('403')] : []),
        needs.problemResponse('429'),
      ]),
];

export const consumerNeeds = (operation: ContractOperation): Need[] => [
  needs.successResponse,
  ...(operation.scopes === undefined ? [] : [needs.problemResponse('401')]),
];

export const generatedClientNeeds: Need[] = [needs.successResponse, needs.requestExample, needs.pathParameterExamples];
