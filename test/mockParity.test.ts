import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BadRequest, badRequestsFor } from './support/badRequests.js';
import { contractOperations, readContract, requireComplete, successes } from './support/contract.js';
import { buildRequest, freshResources, requestExamples, sendRequest } from './support/requests.js';
import { mockParityNeeds } from './support/suiteNeeds.js';
import { startMock, startRealServer, type Target, TOKEN } from './support/targets.js';

// A frontend developer must be able to trust the mock: what the server refuses, the mock refuses
// the same way (status, problem type, the pointers it names), and it never hangs. The bad
// requests are made from the contract (support/badRequests.ts): every operation's valid request,
// broken in one place its schemas constrain, so a new operation is covered with no edit here.
const document = readContract();
const operations = contractOperations(document);
for (const operation of operations) {
  requireComplete(operation, mockParityNeeds, 'the mock parity suite');
}
const bad: BadRequest[] = (
  await Promise.all(operations.map((operation) => badRequestsFor(operation, document['x-max-body-bytes'])))
).flat();
// The operations that take an Idempotency-Key: a retry is replayed, another request with it is 422.
const idempotent = operations.filter((operation) =>
  operation.parameters.some((parameter) => parameter.in === 'header' && parameter.name === 'Idempotency-Key'),
);

async function answer(target: Target, request: BadRequest) {
  const search = new URLSearchParams(request.query ?? {}).toString();
  const response = await fetch(`${target.url}${request.path}${search ? `?${search}` : ''}`, {
    method: request.method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(request.body ? { 'content-type': 'application/json' } : {}),
      ...request.headers,
    },
    ...(request.body ? { body: request.body } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const problem = (await response.json()) as {
    type: string;
    request_id?: string;
    errors?: { pointer: string; message: string }[];
  };
  return {
    status: response.status,
    contentType: response.headers.get('content-type')?.split(';')[0],
    allow: response.headers.get('allow'),
    type: problem.type,
    pointers: [...new Set((problem.errors ?? []).map((error) => error.pointer))].sort(),
    // Worded alike: a developer reads the mock's messages before the server's.
    messages: [...new Set((problem.errors ?? []).map((error) => `${error.pointer} ${error.message}`))].sort(),
    // Every problem names its request, as X-Request-Id does.
    requestId: problem.request_id === response.headers.get('x-request-id') && problem.request_id !== undefined,
  };
}

/** For each operation, what no operation takes: a query parameter it does not declare, a method its path lacks. */
const strays: BadRequest[] = operations.flatMap((operation) => {
  const path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const parameter = operation.parameters.find((each) => each.in === 'path' && each.name === name);
    return encodeURIComponent(String(parameter?.example ?? 'x'));
  });
  const methods = new Set(operations.filter((each) => each.path === operation.path).map((each) => each.method));
  const missing = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].find((method) => !methods.has(method));
  return [
    {
      operationId: operation.operationId,
      label: `${operation.operationId}: an undeclared query parameter`,
      method: operation.method,
      path,
      query: { unexpected_parameter: '1' },
    } as BadRequest,
    ...(missing
      ? [
          {
            operationId: operation.operationId,
            label: `${operation.operationId}: ${missing} on its path, which no operation takes`,
            method: missing,
            path,
          } as BadRequest,
        ]
      : []),
  ];
});

describe('the mock refuses what the server refuses', () => {
  let mock: Target;
  let server: Target;
  beforeAll(async () => {
    [mock, server] = await Promise.all([startMock(), startRealServer()]);
  });
  afterAll(async () => {
    await mock?.close();
    await server?.close();
  });

  it('has a bad request for every operation of the contract', () => {
    const without = operations.filter((operation) => !bad.some((each) => each.operationId === operation.operationId));
    expect(without.map((operation) => operation.operationId)).toEqual([]);
  });

  it.each([
    ...bad,
    ...strays,
    {
      operationId: '-',
      label: 'a path the contract lacks',
      method: 'GET',
      path: '/api-auth/nothing-here',
    } as BadRequest,
  ])('the same way: $label', async (request) => {
    const [fromServer, fromMock] = await Promise.all([answer(server, request), answer(mock, request)]);
    expect(fromServer.status).toBeGreaterThanOrEqual(400);
    expect(fromServer.contentType).toBe('application/problem+json');
    expect(fromMock).toEqual(fromServer);
  });

  it.each([
    { label: 'an unknown app', path: '/api-auth/apps/no-such-app/keys', prefer: 'code=404' },
    {
      label: 'an unknown key',
      path: '/api-auth/apps/internal-api/keys/7a0c9e52-3b1d-4f6e-8a2b-5c4d3e2f1a09',
      prefer: 'code=404, example=unknownKey',
    },
  ])(
    'asked for a 404 with Prefer, names the app and key of the request as the server does: $label',
    async ({ path, prefer }) => {
      const [fromServer, fromMock] = await Promise.all(
        [server, mock].map(async (target) => {
          const response = await fetch(`${target.url}${path}`, {
            headers: { authorization: `Bearer ${TOKEN}`, prefer },
          });
          return { status: response.status, detail: ((await response.json()) as { detail: string }).detail };
        }),
      );
      expect(fromServer!.status).toBe(404);
      expect(fromMock).toEqual(fromServer);
    },
  );

  it.each(idempotent)(
    '$operationId: answers a retry with the same Idempotency-Key as replayed, and another request with it as 422, like the server',
    async (operation) => {
      const examples = requestExamples(operation);
      if (examples.length < 2) {
        throw new Error(
          `The contract is incomplete for the mock parity suite: operation ${operation.operationId} takes an Idempotency-Key but its request body has fewer than two named examples to send as the same and as another request.`,
        );
      }
      const idempotencyKey = `mock-parity-${operation.operationId}-5b1f2a7c0e4d`;
      for (const target of [mock, server]) {
        const pathValue = freshResources(operations, target.url, TOKEN);
        const [first, other] = await Promise.all(
          examples.slice(0, 2).map(([example]) => buildRequest(operation, { example, pathValue })),
        );
        const send = (request = first!) =>
          sendRequest(
            target.url,
            { ...request, path: first!.path },
            {
              token: TOKEN,
              headers: { 'idempotency-key': idempotencyKey },
            },
          );
        const answered = await send();
        expect(String(answered.status)).toBe(successes(operation)[0]?.status);
        expect(answered.headers.get('idempotent-replayed')).toBe('false');
        const retry = await send();
        expect(retry.headers.get('idempotent-replayed')).toBe('true');
        expect(await retry.json()).toEqual(await answered.json());
        expect((await send(other)).status).toBe(422);
      }
    },
  );
});
