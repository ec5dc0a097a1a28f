import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperations, readContract, requireComplete, successes } from './support/contract.js';
import { generatedCalls } from './support/generatedCalls.js';
import { repoRoot } from './support/repo.js';
import { generatedClientNeeds } from './support/suiteNeeds.js';
import { startRealServer, type Target, TOKEN } from './support/targets.js';

// Teams on other stacks: @hey-api/openapi-ts (fetch client, one function per operation) and
// swagger-typescript-api (one class, methods with positional arguments) on the published bundled
// document, each in a project outside the workspace, compiled with strict tsc, calling the real server.
const publishedFile = join(repoRoot, 'packages/types/openapi.bundled.json');
const published = JSON.parse(readFileSync(publishedFile, 'utf8')) as {
  servers: { url: string; variables?: unknown }[];
  paths: Record<string, Record<string, { operationId?: string }>>;
};
const operationIds = Object.values(published.paths)
  .flatMap((item) => Object.values(item))
  .flatMap((operation) => (typeof operation === 'object' && operation.operationId ? [operation.operationId] : []))
  .sort();

const operations = contractOperations(readContract());
for (const operation of operations) {
  requireComplete(operation, generatedClientNeeds, 'the generated-client suite');
}
let contractCalls: Record<string, number[]> = {};
/** An expiry in the future whenever the test runs (the server runs on the real clock). */
const heyApiExpiry = new Date(Date.now() + 30 * 86_400_000).toISOString();

// The consumer writes its answers keyed by operationId; the `satisfies` lines fail to compile
// if a component came out inlined instead of as its named type.
const consumer = (contract: { imports: string[]; code: string }) => `import {
  ${contract.imports.map((name) => `${name} as contract_${name},`).join('\n  ')}
  type ApiKey,
  type ApiKeyWithSecret,
  createApiKey,
  getApiKey,
  listApiKeys,
  listAuditEvents,
  type Problem,
  revokeApiKey,
  rotateApiKey,
  updateApiKey,
  verifyApiKey,
} from './client/index.js';
import { client } from './client/client.gen.js';

// The generated client starts on the document's first server; this one listens elsewhere.
client.setConfig({ baseUrl: process.env.SERVER_URL!, auth: process.env.TOKEN! });
const appName = 'internal-api';

const created = await createApiKey({
  path: { appName },
  headers: { 'Idempotency-Key': 'generated-client-0123456789' },
  body: { name: 'from a generated client', permissions: ['users:read'], expires_at: process.env.EXPIRES_AT! },
});
const withSecret: ApiKeyWithSecret = created.data!;
const keyId = withSecret.key.id;
const listed = await listApiKeys({ path: { appName }, query: { limit: 10, status: 'all' } });
const fetched = await getApiKey({ path: { appName, keyId } });
const updated = await updateApiKey({ path: { appName, keyId }, body: { name: 'renamed by a generated client' } });
const verified = await verifyApiKey({ path: { appName }, body: { secret: withSecret.secret, required_permissions: ['users:read'] } });
const rotated = await rotateApiKey({ path: { appName, keyId }, body: { grace_period_seconds: 0 } });
const revoked = await revokeApiKey({ path: { appName, keyId: rotated.data!.key.id }, body: { reason: 'Done with it' } });
const audited = await listAuditEvents({ path: { appName }, query: { key_id: keyId, limit: 10 } });
const missing = await getApiKey({ path: { appName: 'no-such-app', keyId } });

// Every operation of the contract, with each of its named request examples (support/generatedCalls.ts).
${contract.code.replace(/await (\w+)\(/g, 'await contract_$1(')}

const key: ApiKey = fetched.data!;
const problem: Problem | undefined = missing.error;
console.log(JSON.stringify({ operations: {
  createApiKey: { status: created.response.status, name: withSecret.key.name, secret: withSecret.secret },
  listApiKeys: { status: listed.response.status, ids: listed.data!.data.map((each: ApiKey) => each.id) },
  getApiKey: { status: fetched.response.status, id: key.id, expires_at: key.expires_at },
  updateApiKey: { status: updated.response.status, name: updated.data!.name },
  verifyApiKey: { status: verified.response.status, code: verified.data!.code },
  rotateApiKey: { status: rotated.response.status, rotated_from: rotated.data!.key.rotated_from, secret: rotated.data!.secret },
  revokeApiKey: { status: revoked.response.status, state: revoked.data!.status, reason: revoked.data!.revocation_reason },
  listAuditEvents: { status: audited.response.status, keys: [...new Set(audited.data!.data.map((each) => each.key_id))], actions: audited.data!.data.map((each) => each.action) },
}, unknownApp: { status: missing.response.status, type: problem?.type },
  contractCalls,
}));
`;

/** Runs a build step of the consumer's project; a failure shows what the tool printed. */
function build(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
  }
  return `${result.stdout}${result.stderr}`;
}

/** A consumer's project outside the workspace, compiled as strictly as tsc allows by flags. */
function consumerProject(prefix: string) {
  const project = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'generated-consumer', private: true, type: 'module' }),
  );
  // @hey-api reads this tsconfig to pick the import extension (.js for nodenext).
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: 'nodenext',
        target: 'es2022',
        lib: ['es2022', 'dom'],
        types: ['node'],
        typeRoots: [join(repoRoot, 'node_modules/@types')],
        skipLibCheck: false,
      },
      include: ['consumer.ts', 'client'],
    }),
  );
  return project;
}

/**
 * The names a generator numbered because another type already had them (`KeyId2` beside `KeyId`,
 * `VerifyApiKeyResponse2` beside a schema named like @hey-api's `<OperationId>Response`).
 */
function renumbered(source: string) {
  const names = new Set(
    [...source.matchAll(/^export (?:type|interface|enum|const|class) (\w+)/gm)].map(([, name]) => name!),
  );
  return [...names].filter((name) => /\d$/.test(name) && names.has(name.replace(/\d+$/, '')));
}

describe('a client generated by @hey-api/openapi-ts from the published document', () => {
  let project: string;
  let server: Target;
  beforeAll(async () => {
    project = consumerProject('apikeys-generated-client-');
    server = await startRealServer();
    build(
      join(repoRoot, 'node_modules/.bin/openapi-ts'),
      [
        '--input',
        publishedFile,
        '--output',
        'client',
        '--client',
        '@hey-api/client-fetch',
        '--silent',
        '--no-log-file',
      ],
      project,
    );
    writeFileSync(join(project, 'consumer.ts'), consumer(await generatedCalls(operations)));
    build(join(repoRoot, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], project);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    rmSync(project, { recursive: true, force: true });
  });

  it('has one SDK function per operation of the contract', () => {
    const sdk = readFileSync(join(project, 'client/sdk.gen.ts'), 'utf8');
    const generatedOperations = [...sdk.matchAll(/^export const (\w+) = /gm)].map(([, name]) => name).sort();
    expect(generatedOperations).toEqual(operationIds);
  });

  it("starts on the document's first server, a plain URL", () => {
    const [first] = published.servers;
    expect(first!.variables).toBeUndefined();
    expect(readFileSync(join(project, 'client/client.gen.ts'), 'utf8')).toContain(`baseUrl: '${first!.url}'`);
  });

  it('calls every operation of the contract on the real server, compiled with tsc', async () => {
    // Not execFileSync: the server answering the consumer runs in this process.
    const { stdout } = await promisify(execFile)(process.execPath, ['consumer.js'], {
      cwd: project,
      encoding: 'utf8',
      env: { ...process.env, SERVER_URL: server.url, TOKEN, EXPIRES_AT: heyApiExpiry },
    });
    const { operations: answers, unknownApp, contractCalls: calls } = JSON.parse(stdout);
    contractCalls = calls;

    // The typed calls above are the contract's operations (each one is also called, whatever
    // the contract adds, by the contract-driven part: see the tests below).
    expect(operationIds).toEqual(expect.arrayContaining(Object.keys(answers)));
    const created = answers.createApiKey;
    expect(created).toMatchObject({
      status: 201,
      name: 'from a generated client',
      secret: expect.stringMatching(/^sk_/),
    });
    expect(answers.getApiKey).toEqual({ status: 200, id: expect.any(String), expires_at: heyApiExpiry });
    expect(answers.listApiKeys).toEqual({ status: 200, ids: expect.arrayContaining([answers.getApiKey.id]) });
    expect(answers.updateApiKey).toEqual({ status: 200, name: 'renamed by a generated client' });
    expect(answers.verifyApiKey).toEqual({ status: 200, code: 'VALID' });
    expect(answers.rotateApiKey).toMatchObject({ status: 201, rotated_from: answers.getApiKey.id });
    expect(answers.rotateApiKey.secret).not.toBe(created.secret);
    expect(answers.revokeApiKey).toEqual({ status: 200, state: 'revoked', reason: 'Done with it' });
    expect(answers.listAuditEvents).toEqual({
      status: 200,
      keys: [answers.getApiKey.id],
      actions: expect.arrayContaining(['created', 'rotated']),
    });
    expect(unknownApp).toEqual({ status: 404, type: 'urn:apikeys:problem:app-not-found' });
  });

  // After the test above, which ran the consumer.
  it.each(operations)('calls $operationId with each of its named request examples, answered 2xx', (operation) => {
    const success = successes(operation).map((response) => Number(response.status));
    expect(contractCalls[operation.operationId], `${operation.operationId} was not called`).toBeDefined();
    for (const status of contractCalls[operation.operationId]!) {
      expect(success).toContain(status);
    }
  });

  it("names the contract's components as types instead of inlining copies", () => {
    const types = readFileSync(join(project, 'client/types.gen.ts'), 'utf8');
    for (const name of ['ApiKey', 'ApiKeyWithSecret', 'ApiKeyList', 'Problem', 'ValidationError', 'KeyStatus']) {
      expect(types).toMatch(new RegExp(`^export type ${name} = `, 'm'));
    }
    expect(types).toMatch(/^export type ApiKeyWithSecret = \{\n(?:.*\n)*?\s+key: ApiKey;/m);
    expect(types).toMatch(/^\s+400: Problem;$/m);
    // The Problem schema's description once: where it is declared, not in every error response.
    expect(types.split('An RFC 9457 problem document.').length - 1).toBe(1);
    // No component named like another one, or like a type @hey-api derives from an operation
    // (`<OperationId>Response`), so none is renumbered.
    expect(renumbered(types)).toEqual([]);
  });
});

// A second style: swagger-typescript-api's one `Api` class (fetch), its methods grouped under the
// first path segment and taking path parameters positionally, non-2xx answers thrown. Its default
// base URL is the document's first server, used as it is; the test points it at its own server.
const swaggerConsumer = `import {
  Api,
  type ApiKey,
  type ApiKeyList,
  type ApiKeyWithSecret,
  type BadRequestResponse,
  type HttpResponse,
  type Problem,
  VerificationCode,
  type VerificationResult,
} from './client/Api.js';

const api = new Api<string>({
  baseUrl: process.env.SERVER_URL!,
  securityWorker: (token) => (token ? { headers: { Authorization: \`Bearer \${token}\` } } : {}),
});
api.setSecurityData(process.env.TOKEN!);
const appName = 'internal-api';
const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();

/** A refused request's answer: the generated client throws it, typed as the declared Problem. */
async function refusal<T>(call: Promise<HttpResponse<T, Problem>>): Promise<HttpResponse<T, Problem>> {
  try {
    await call;
  } catch (answer) {
    if (answer instanceof Response) {
      return answer as HttpResponse<T, Problem>;
    }
    throw answer;
  }
  throw new Error('the request was not refused');
}

const created = await api.apiAuth.createApiKey(
  appName,
  { name: 'from swagger-typescript-api', permissions: ['users:read'], expires_at: expiresAt },
  { headers: { 'Idempotency-Key': 'swagger-typescript-api-0123456789' } },
);
const withSecret: ApiKeyWithSecret = created.data;
const verified = await api.apiAuth.verifyApiKey(appName, { secret: withSecret.secret, required_permissions: ['users:read'] });
const verdict: VerificationResult = verified.data;
const listed = await api.apiAuth.listApiKeys(appName, { limit: 10, status: 'all' });
const page: ApiKeyList = listed.data;
const revoked = await api.apiAuth.revokeApiKey(appName, withSecret.key.id, { reason: 'Done with it' });
const key: ApiKey = revoked.data;
const afterRevoke = await api.apiAuth.verifyApiKey(appName, { secret: withSecret.secret });
const refused = await refusal(api.apiAuth.createApiKey(appName, { name: 'refused', permissions: ['no colon'] }));
const problem: BadRequestResponse = refused.error;

console.log(JSON.stringify({
  created: { status: created.status, name: withSecret.key.name, secret: withSecret.secret, id: withSecret.key.id },
  verified: { status: verified.status, valid: verdict.valid, code: verdict.code, isValid: verdict.code === VerificationCode.VALID },
  listed: { status: listed.status, ids: page.data.map((each) => each.id) },
  revoked: { status: revoked.status, state: key.status, reason: key.revocation_reason },
  afterRevoke: { status: afterRevoke.status, code: afterRevoke.data.code },
  refused: { status: refused.status, type: problem.type, pointers: (problem.errors ?? []).map((each) => each.pointer) },
}));
`;

describe('a client generated by swagger-typescript-api from the published document', () => {
  let project: string;
  let server: Target;
  let generated: string;
  let printed: string;
  beforeAll(async () => {
    project = consumerProject('apikeys-swagger-typescript-api-');
    server = await startRealServer();
    // Responses extracted as named types too, beside the schemas. With --silent the generator
    // prints only what went wrong: nothing may.
    printed = build(
      join(repoRoot, 'node_modules/.bin/swagger-typescript-api'),
      [
        'generate',
        '--path',
        publishedFile,
        '--output',
        'client',
        '--name',
        'Api.ts',
        '--extract-responses',
        '--silent',
      ],
      project,
    );
    generated = readFileSync(join(project, 'client/Api.ts'), 'utf8');
    writeFileSync(join(project, 'consumer.ts'), swaggerConsumer);
    build(join(repoRoot, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], project);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    rmSync(project, { recursive: true, force: true });
  });

  it('has one method per operation of the contract, generated without a complaint', () => {
    expect(printed).toBe('');
    const methods = [...generated.matchAll(/^ {4}(\w+): \(/gm)].map(([, name]) => name).sort();
    expect(methods).toEqual(operationIds);
  });

  it("defaults to the document's first server, a plain URL it uses as it is", () => {
    expect(generated).toContain(`public baseUrl: string = "${published.servers[0]!.url}";`);
  });

  it('names every schema and response component once, as its own type', () => {
    expect(renumbered(generated)).toEqual([]);
    for (const name of [
      'ApiKey',
      'ApiKeyWithSecret',
      'ApiKeyList',
      'Problem',
      'VerificationResult',
      'KeyId',
      'TokenName',
    ]) {
      expect(generated).toMatch(new RegExp(`^export (?:type|interface) ${name}\\b`, 'm'));
    }
    expect(generated).toMatch(/^export type BadRequestResponse = Problem;$/m);
  });

  it('creates, verifies, lists and revokes a key on the real server, and reads a refusal as a Problem, compiled with tsc', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['consumer.js'], {
      cwd: project,
      encoding: 'utf8',
      env: { ...process.env, SERVER_URL: server.url, TOKEN },
    });
    const answers = JSON.parse(stdout);
    expect(answers.created).toMatchObject({
      status: 201,
      name: 'from swagger-typescript-api',
      secret: expect.stringMatching(/^sk_/),
    });
    expect(answers.verified).toEqual({ status: 200, valid: true, code: 'VALID', isValid: true });
    expect(answers.listed).toEqual({ status: 200, ids: expect.arrayContaining([answers.created.id]) });
    expect(answers.revoked).toEqual({ status: 200, state: 'revoked', reason: 'Done with it' });
    expect(answers.afterRevoke).toEqual({ status: 200, code: 'REVOKED' });
    expect(answers.refused).toEqual({
      status: 400,
      type: 'urn:apikeys:problem:invalid-request',
      pointers: ['/body/permissions/0'],
    });
  });
});
