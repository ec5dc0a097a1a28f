// The layers of packages/server/src and the boundaries between the packages, checked by `pnpm lint`
// (`depcruise packages --config .dependency-cruiser.cjs --output-type err-long`). The target layout is in
// CONTRIBUTING.md ("Where things live in the server"). Paths are relative to the workspace root.

const SERVER = '^packages/server/src/';
const KEYS = `${SERVER}keys/`;
const STORE = `${SERVER}store/`;
const CONTRACT = `${SERVER}contract/`;
const OPERATIONS = `${SERVER}operations/`;
const HTTP = `${SERVER}http/`;
const PROCESSES = `${SERVER}(main|cli)\\.ts$`;
const COMPOSITION_ROOT = `${SERVER}compose\\.ts$`;
// What may build the service: the processes, the package's entry (its createServer) and the benches.
const COMPOSERS = `(${SERVER}(main|cli|index)\\.ts$|^packages/server/bench/)`;
const TYPES = '^packages/types/';
// Tests (and type tests) may import anything: no layer rule applies to them, and circles count only for sources.
// One string, not an array: `viaOnly.pathNot` takes a single regular expression.
const TESTS = '(\\.test(-d)?\\.[cm]?[jt]s$|^packages/[^/]+/test/)';
const GENERATED = ['^packages/types/', '^packages/client/src/generated/'];

const source = (path) => ({ path, pathNot: [TESTS, ...GENERATED] });

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import circle makes its modules one unit: understood, tested and changed only together.',
      severity: 'error',
      from: source('^packages/'),
      to: { circular: true, viaOnly: { pathNot: TESTS } },
    },
    {
      name: 'keys-is-the-domain',
      comment: 'keys/ is the domain: it must not know HTTP, storage, the contract or the processes of the server.',
      severity: 'error',
      from: source(KEYS),
      to: { path: SERVER, pathNot: KEYS },
    },
    {
      name: 'keys-uses-only-types-and-node',
      comment:
        'keys/ is pure domain logic: besides itself only @apikeys/types and node built-ins (no Express, SQL, YAML).',
      severity: 'error',
      from: source(KEYS),
      to: { pathNot: [KEYS, TYPES], dependencyTypesNot: ['core'] },
    },
    {
      name: 'store-stays-below',
      comment: 'store/ is the bottom layer: keys/ (domain types), @apikeys/types and its drivers, nothing above it.',
      severity: 'error',
      from: source(STORE),
      to: { path: '^packages/', pathNot: [STORE, KEYS, TYPES] },
    },
    {
      name: 'contract-stays-below',
      comment:
        'contract/ turns the OpenAPI document into values: keys/ and @apikeys/types, no HTTP, storage, processes.',
      severity: 'error',
      from: source(CONTRACT),
      to: { path: '^packages/', pathNot: [CONTRACT, KEYS, TYPES] },
    },
    {
      name: 'operations-use-keys-store-contract',
      comment: 'Handlers use keys/, store/ and contract/ only (ProblemError is in contract/): Express stays in http/.',
      severity: 'error',
      from: source(OPERATIONS),
      to: { path: '^packages/', pathNot: [OPERATIONS, KEYS, STORE, CONTRACT, TYPES] },
    },
    {
      name: 'http-knows-operations-by-type',
      comment:
        'http/ dispatches to the handler map it is given: it knows operationHandler.ts types, not the operations.',
      severity: 'error',
      from: source(HTTP),
      to: { path: OPERATIONS, pathNot: `${OPERATIONS}operationHandler\\.ts$` },
    },
    {
      name: 'http-stays-in-http',
      comment:
        'http/ is Express only: it uses the contract, the domain, the handler types, the logger and metrics, and the idempotency store interface.',
      severity: 'error',
      from: source(HTTP),
      to: {
        path: SERVER,
        pathNot: [
          HTTP,
          CONTRACT,
          KEYS,
          `${OPERATIONS}operationHandler\\.ts$`,
          `${SERVER}logger\\.ts$`,
          `${SERVER}observability/`,
          `${STORE}idempotencyStore\\.ts$`,
        ],
      },
    },
    {
      name: 'observability-wraps-interfaces',
      comment:
        'Metrics wrap the store and the handlers through their interfaces, counting what the contract declares: no Express, no store implementation.',
      severity: 'error',
      from: source(`${SERVER}observability/`),
      to: {
        path: SERVER,
        pathNot: [
          `${SERVER}observability/`,
          KEYS,
          `${STORE}keyStore\\.ts$`,
          `${OPERATIONS}operationHandler\\.ts$`,
          `${SERVER}contract/counters\\.ts$`,
        ],
      },
    },
    {
      name: 'webhooks-use-the-store',
      comment:
        'The delivery worker leases and records through the store interface, and checks and signs with the domain.',
      severity: 'error',
      from: source(`${SERVER}webhooks/`),
      to: { path: SERVER, pathNot: [`${SERVER}webhooks/`, KEYS, `${STORE}keyStore\\.ts$`, `${SERVER}logger\\.ts$`] },
    },
    {
      name: 'secret-scanning-uses-the-store',
      comment: 'The GitHub endpoint revokes through the store interface and answers as the contract says.',
      severity: 'error',
      from: source(`${SERVER}secretScanning/`),
      to: {
        path: SERVER,
        pathNot: [
          `${SERVER}secretScanning/`,
          CONTRACT,
          KEYS,
          `${STORE}keyStore\\.ts$`,
          `${SERVER}logger\\.ts$`,
          `${HTTP}context\\.ts$`,
        ],
      },
    },
    {
      name: 'no-importing-processes',
      comment: 'main.ts and cli.ts are the processes: only tests import them.',
      severity: 'error',
      from: { pathNot: TESTS },
      to: { path: PROCESSES },
    },
    {
      name: 'one-composition-root',
      comment: 'compose.ts builds the service: only the processes, the package entry, benches and tests use it.',
      severity: 'error',
      from: { pathNot: [TESTS, COMPOSERS] },
      to: { path: COMPOSITION_ROOT },
    },
    {
      name: 'client-stands-alone',
      comment: 'The published client ships alone: it must not import the server or the mock.',
      severity: 'error',
      from: source('^packages/client/src/'),
      to: { path: ['^packages/(server|mock)/', '^@apikeys/(server|mock)($|/)'] },
    },
    {
      name: 'mock-stands-alone',
      comment: 'The mock answers from the contract alone: it must not import the server.',
      severity: 'error',
      from: source('^packages/mock/src/'),
      to: { path: ['^packages/server/', '^@apikeys/server($|/)'] },
    },
    {
      name: 'no-unresolvable',
      comment: 'An import the cruiser cannot resolve escapes every rule above (and fails at run time): fix it.',
      severity: 'error',
      from: source('^packages/'),
      to: { couldNotResolve: true },
    },
  ],
  options: {
    exclude: { path: '^packages/[^/]+/dist/' },
    doNotFollow: { path: ['(^|/)node_modules/', ...GENERATED] },
    // Type-only imports count: `import type` is a dependency of the design even though it is erased.
    tsPreCompilationDeps: true,
    // The workspace's compiler options (tsconfig.json extends tsconfig.base.json): NodeNext, `.js` -> `.ts`.
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['types', 'import', 'node', 'default'],
      extensions: ['.ts', '.d.ts', '.mts', '.d.mts', '.js', '.mjs', '.cjs', '.json'],
      mainFields: ['types', 'module', 'main'],
    },
    skipAnalysisNotInRules: true,
  },
};
