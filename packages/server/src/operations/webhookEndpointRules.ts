import { invalidRequest, ProblemError } from '../contract/problems.js';
import { requestPointer } from '../contract/requestPointer.js';
import { checkDestination } from '../keys/webhookDestination.js';
import type { KeyStore } from '../store/keyStore.js';
import { appNotFound } from './keyNotFound.js';
import type { OperationDeps } from './operationHandler.js';

/** How many endpoints an app may have: each event is sent to every one of them. */
export const MAX_ENDPOINTS_PER_APP = 20;

/** A URL webhooks may not go to is the caller's mistake: a 400 naming `url` and why (checked again when sent). */
export async function checkEndpointUrl(
  url: string,
  { webhookDestinations }: Pick<OperationDeps, 'webhookDestinations'>,
) {
  const checked = await checkDestination(url, webhookDestinations);
  if (!checked.ok) {
    throw invalidRequest([{ pointer: requestPointer.body('url'), message: checked.reason }]);
  }
}

/** The 404 for an endpoint the app does not have, said apart from an unknown app. */
export async function endpointNotFound(store: KeyStore, appName: string, endpointId: string): Promise<ProblemError> {
  if (!(await store.findApp(appName))) {
    return appNotFound(appName);
  }
  return new ProblemError('webhook-endpoint-not-found', `App '${appName}' has no webhook endpoint '${endpointId}'.`);
}
