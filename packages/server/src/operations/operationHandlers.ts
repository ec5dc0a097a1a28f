// The handler map is generated from the contract's operationIds (`pnpm generate`, scripts/generate.mjs):
// add an operation's folder and handler, never an entry here.
export { operationHandlers } from './generated/handlerMap.js';
