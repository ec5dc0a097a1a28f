import { type ContractOperation, exampleOf, parametersIn } from './contract.js';
import { actsOn, buildRequest, creatorOf, isIssuedId, nameFieldOf, requestExamples, uniqueNames } from './requests.js';

// The part of the generated-client consumer program made from the contract: every operation
// called through its @hey-api SDK function (named after its operationId) once per named example
// of its request body, with its parameters' examples, and a freshly created resource's id for a
// path parameter that is a server-issued id, or that names the resource the operation changes or
// removes (support/requests.ts has the rules; a creation's name is made unique). It prints each
// operation's statuses.

export async function generatedCalls(operations: ContractOperation[]): Promise<{ imports: string[]; code: string }> {
  const imports = new Set<string>();
  const lines = [
    'const idOf = (data: unknown): string => {',
    '  const record = data as Record<string, unknown>;',
    "  if (typeof record.id === 'string') return record.id;",
    "  const held = Object.values(record).find((value) => typeof value === 'object' && value !== null && 'id' in value);",
    '  return String((held as { id: unknown }).id);',
    '};',
    'const contractCalls: Record<string, number[]> = {};',
  ];
  const bodyValue = uniqueNames(operations);
  for (const operation of operations) {
    imports.add(operation.operationId);
    const examples = requestExamples(operation);
    lines.push(`contractCalls[${JSON.stringify(operation.operationId)}] = [];`);
    for (const example of examples.length > 0 ? examples.map(([name]) => name) : [undefined]) {
      const request = await buildRequest(operation, { bodyValue, ...(example ? { example } : {}) });
      const path: string[] = [];
      lines.push('{');
      for (const parameter of parametersIn(operation, 'path')) {
        const creator =
          isIssuedId(parameter) || actsOn(operation, parameter)
            ? creatorOf(operations, operation, parameter)
            : undefined;
        if (creator) {
          imports.add(creator.operationId);
          const made = await buildRequest(creator, { bodyValue });
          const madePath = Object.keys(made.pathValues).length > 0 ? `path: ${JSON.stringify(made.pathValues)}, ` : '';
          const field = isIssuedId(parameter) ? undefined : nameFieldOf(operations, creator);
          const name = field ? (made.body as Record<string, unknown>)[field] : undefined;
          lines.push(
            `  const made = await ${creator.operationId}({ ${madePath}body: ${JSON.stringify(made.body)} });`,
            `  if (made.response.status !== 201) throw new Error('${creator.operationId} answered ' + made.response.status);`,
          );
          path.push(
            `${JSON.stringify(parameter.name)}: ${typeof name === 'string' ? JSON.stringify(name) : 'idOf(made.data)'}`,
          );
        } else {
          path.push(`${JSON.stringify(parameter.name)}: ${JSON.stringify(String(exampleOf(parameter)))}`);
        }
      }
      // An operation without path parameters (or without a query or body) is called without that
      // member: hey-api types it as `never`, so even an empty `path: {}` does not compile.
      const options = [
        ...(path.length > 0 ? [`path: { ${path.join(', ')} }`] : []),
        ...(Object.keys(request.query).length > 0
          ? [
              `query: ${JSON.stringify(
                Object.fromEntries(
                  parametersIn(operation, 'query')
                    .filter((parameter) => parameter.name in request.query)
                    .map((parameter) => [parameter.name, exampleOf(parameter)]),
                ),
              )}`,
            ]
          : []),
        ...(request.body !== undefined ? [`body: ${JSON.stringify(request.body)}`] : []),
      ];
      lines.push(
        `  const answer = await ${operation.operationId}(${options.length > 0 ? `{ ${options.join(', ')} }` : ''});`,
        `  contractCalls[${JSON.stringify(operation.operationId)}]!.push(answer.response.status);`,
        '}',
      );
    }
  }
  return { imports: [...imports], code: lines.join('\n') };
}
