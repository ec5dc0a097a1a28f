import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/http/serve.js';
import type { OperationHandlers } from '../../src/operations/operationHandler.js';
import { storeKinds, type TestStore } from '../support/stores.js';
import { startTestServer, type TestServer, TOKEN } from '../support/testServer.js';
import { allowedDifferences, type Exchange, knownDisagreements } from './allowedDifferences.js';
import { buildCorpus, contractOperations, type RefereeCase, type Schema } from './corpus.js';
import { closeConnections, send } from './exchange.js';
import { startReferenceApp } from './referenceApp.js';
import { ACCEPTED_MARK, describeVerdict, referenceVerdict, sameVerdict, serverVerdict } from './verdicts.js';

// express-openapi-validator is the validator the design names as the contract's enforcer; the
// server checks requests with its own Ajv validators instead (it was too slow on the request
// path). This holds the server's verdicts to eov's: every case of a corpus made from the
// contract goes to a stock Express app running eov and to the real server with stub handlers,
// and both must accept it, or both refuse it with the same status and the same places named.
// Where the server is stricter on purpose, the rule is named in allowedDifferences.ts.

const contractFile = createRequire(import.meta.url).resolve('@apikeys/types/openapi.json');
const contract = JSON.parse(readFileSync(contractFile, 'utf8')) as Schema;

/** One handler per operation of the contract, answering a mark instead of doing the work. */
function stubHandlers(): OperationHandlers {
  return Object.fromEntries(
    contractOperations(contract).map(({ operationId }) => [
      operationId,
      async () => ({ status: 200, body: { referee: ACCEPTED_MARK, operationId } }),
    ]),
  ) as unknown as OperationHandlers;
}

async function inPool<T, R>(items: readonly T[], width: number, each: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let i = next++; i < items.length; i = next++) {
        results[i] = await each(items[i]!);
      }
    }),
  );
  return results;
}

const show = (exchange: Exchange) => {
  const { request } = exchange.case;
  const body =
    request.body === undefined
      ? ''
      : `\n    body: ${typeof request.body === 'string' ? JSON.stringify(request.body.slice(0, 300)) : `<${request.body.length} bytes> ${request.body.toString('hex').slice(0, 80)}`}`;
  return [
    `${exchange.case.operationId}: ${exchange.case.label}`,
    `    ${request.method} ${request.path.slice(0, 300)}`,
    `    headers: ${JSON.stringify({ ...request.headers, authorization: undefined })}${body}`,
    `    server:    ${describeVerdict(exchange.server)} ${JSON.stringify(exchange.serverAnswer.body)?.slice(0, 400)}`,
    `    reference: ${describeVerdict(exchange.reference)} ${JSON.stringify(exchange.referenceAnswer.body)?.slice(0, 400)}`,
  ].join('\n');
};

describe('express-openapi-validator as the referee of request validation', () => {
  let store: TestStore;
  let reference: RunningServer;
  let server: TestServer;

  beforeAll(async () => {
    store = await storeKinds[0].open();
    [reference, server] = await Promise.all([
      startReferenceApp(contractFile),
      startTestServer({
        store: store.store,
        contract: contractFile,
        handlers: stubHandlers(),
        validateResponses: false,
        rateLimit: { limit: 1_000_000, windowMs: 60_000 },
      }),
    ]);
  });

  afterAll(async () => {
    closeConnections();
    await Promise.all([reference?.close(), server?.close()]);
    await store?.dispose();
  });

  it('gives every case of the corpus the same verdict as the server, but where a named rule makes the server stricter', async () => {
    const corpus = buildCorpus(contract, TOKEN);
    const exchanges = await inPool(corpus, 6, async (each: RefereeCase): Promise<Exchange> => {
      const [serverAnswer, referenceAnswer] = await Promise.all([
        send(server.url, each.request),
        send(reference.url, each.request),
      ]);
      return {
        case: each,
        serverAnswer,
        referenceAnswer,
        server: serverVerdict(serverAnswer),
        reference: referenceVerdict(referenceAnswer),
      };
    });

    const byRule = new Map(allowedDifferences.map((rule) => [rule.name, 0]));
    const byKnown = new Map(knownDisagreements.map((rule) => [rule.name, 0]));
    const disagreements: string[] = [];
    let agreements = 0;
    for (const exchange of exchanges) {
      if (sameVerdict(exchange.server, exchange.reference)) {
        agreements += 1;
        continue;
      }
      const rule = allowedDifferences.find((each) => each.covers(exchange));
      const known = rule ? undefined : knownDisagreements.find((each) => each.covers(exchange));
      if (rule) {
        byRule.set(rule.name, byRule.get(rule.name)! + 1);
      } else if (known) {
        byKnown.set(known.name, byKnown.get(known.name)! + 1);
      } else {
        disagreements.push(show(exchange));
      }
    }

    const operations = contractOperations(contract);
    const perOperation = operations.map(({ operationId, parameters, body }) => {
      const mine = exchanges.filter((each) => each.case.operationId === operationId);
      return {
        operationId,
        // An operation that takes nothing (no parameter, no body) can only be sent what it does not name.
        takesNothing: parameters.filter((each) => each.in !== 'header').length === 0 && body === undefined,
        cases: mine.length,
        accepted: mine.filter((each) => each.server.accepted && each.reference.accepted).length,
        refused: mine.filter((each) => !each.server.accepted && !each.reference.accepted).length,
      };
    });
    console.log(
      `referee: ${exchanges.length} cases (${perOperation.map((each) => `${each.operationId} ${each.cases}: ${each.accepted} accepted, ${each.refused} refused`).join('; ')}); ` +
        `${agreements} agree; named differences: ${[...byRule].map(([name, count]) => `${name} ${count}`).join(', ')}; ` +
        `known disagreements (reported): ${[...byKnown].map(([name, count]) => `${name} ${count}`).join(', ')}; ` +
        `${disagreements.length} other disagreements`,
    );

    expect(disagreements, `${disagreements.length} disagreements:\n${disagreements.join('\n')}`).toEqual([]);
    // Not vacuous: each operation has requests both accept and requests both refuse.
    for (const each of perOperation) {
      expect(each.accepted, `${each.operationId}: no case both accepted`).toBeGreaterThanOrEqual(1);
      expect(each.refused, `${each.operationId}: too few cases both refused`).toBeGreaterThanOrEqual(
        each.takesNothing ? 1 : 5,
      );
    }
    // Every named difference still happens: a rule no case needs any more is taken out of the table.
    const unused = [...byRule, ...byKnown].filter(([, count]) => count === 0).map(([name]) => name);
    expect(unused, 'named differences or known disagreements no case of the corpus shows any more').toEqual([]);
  });

  it('covers an operation added to the contract without being told, and names one it cannot make a valid request for', () => {
    const grown = structuredClone(contract);
    const item = structuredClone(grown.paths['/api-auth/apps/{appName}/keys/{keyId}/revoke']);
    item.post.operationId = 'suspendApiKey';
    grown.paths['/api-auth/apps/{appName}/keys/{keyId}/suspend'] = item;
    expect(buildCorpus(grown, TOKEN).filter((each) => each.operationId === 'suspendApiKey').length).toBeGreaterThan(20);

    delete item.post.requestBody.content['application/json'].examples;
    expect(() => buildCorpus(grown, TOKEN)).toThrow(/suspendApiKey: its request body has no named example/);
  });
});
