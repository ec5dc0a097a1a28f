// Generated from spec/openapi.yaml and the operations' folders by `pnpm generate`. Do not edit.
// One command per operation whose folder has a command.ts, in the contract's order.
import { command as createApp } from '../createApp/command.js';
import { command as createServiceToken } from '../createServiceToken/command.js';
import { command as getServiceToken } from '../getServiceToken/command.js';
import { command as listApiKeys } from '../listApiKeys/command.js';
import { command as listApps } from '../listApps/command.js';
import { command as listServiceTokens } from '../listServiceTokens/command.js';
import { command as revokeApiKey } from '../revokeApiKey/command.js';
import { command as revokeServiceToken } from '../revokeServiceToken/command.js';
import { command as rotateApiKey } from '../rotateApiKey/command.js';
import type { OperationCommands } from '../operationCommand.js';

/** The operations the apikeys command offers, each with its command. */
export const operationCommands: OperationCommands = {
  createApp,
  listApps,
  createServiceToken,
  listServiceTokens,
  getServiceToken,
  revokeServiceToken,
  listApiKeys,
  revokeApiKey,
  rotateApiKey,
};
