import { type ContractOperation, exampleOf, parametersIn } from './contract.js';
import { buildRequest, creatorOf, isIssuedId, requestExamples } from './requests.js';

// The part of the generated-client consumer program made from the contract: every operation
// called through its @hey-api SDK function (named after its operationId) once per named example
// of its request body, with its parameters' examples, and a freshly created resource's id for a
// path parameter that is a server-issued id. It prints each operation's statuses.

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
  for (const operation of operations) {
    imports.add(operation.operationId);
    const examples = requestExamples(operation);
    lines.push(`contractCalls[${JSON.stringify(operation.operationId)}] = [];`);
    for (const example of examples.length > 0 ? examples.map(([name]) => name) : [undefined]) {
      const request = await buildRequest(operation, example ? { example } : {});
      const path: string[] = [];
      lines.push('{');
      for (const parameter of parametersIn(operation, 'path')) {
        const creator = isIssuedId(parameter) ? creatorOf(operations, operation, parameter) : undefined;
        if (creator) {
          imports.add(creator.operationId);
          const made = await buildRequest(creator);
          lines.push(
            `  const made = await ${creator.operationId}({ path: ${JSON.stringify(made.pathValues)}, body: ${JSON.stringify(made.body)} });`,
          );
          path.push(`${JSON.stringify(parameter.name)}: idOf(made.data)`);
        } else {
          path.push(`${JSON.stringify(parameter.name)}: ${JSON.stringify(String(exampleOf(parameter)))}`);
        }
      }
      const options = [
        `path: { ${path.join(', ')} }`,
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
        `  const answer = await ${operation.operationId}({ ${options.join(', ')} });`,
        `  contractCalls[${JSON.stringify(operation.operationId)}]!.push(answer.response.status);`,
        '}',
      );
    }
  }
  return { imports: [...imports], code: lines.join('\n') };
}
