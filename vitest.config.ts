import { defineConfig } from 'vitest/config';

// Fast tests (`pnpm test:unit`, a few seconds): no PostgreSQL, no browser, no child process, no
// build, no waiting on real timeouts (http/serve.test.ts waits out the 10 s header timeout, so it
// is an integration test). A new test file that needs none of those belongs in this list.
const unitTests = [
  'packages/server/src/keys/**/*.test.ts',
  'packages/server/src/operations/**/pageCursor.test.ts',
  'packages/server/src/secretScanning/githubSignature.test.ts',
  'packages/server/src/http/stages/dispatch.test.ts',
  'packages/server/src/store/sqlText.test.ts',
  'packages/server/test/logger.test.ts',
  'packages/server/test/config.test.ts',
  'packages/server/test/observabilityConfig.test.ts',
  'packages/server/test/fuzz/contractOracle.test.ts',
  'packages/client/test/retry.test.ts',
  'packages/client/test/operationScopes.test.ts',
  'test/problemTypes.test.ts',
  'test/publishedContract.test.ts',
  'test/contractEnumeration.test.ts',
];

// Tests that build the server and run its compiled JavaScript: one at a time, so that no build
// rewrites packages/server/dist under another one's running server.
const compiledServerTests = ['packages/server/test/bench.test.ts', 'packages/server/test/npmStart.test.ts'];

const allTests = ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'packages/*/src/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: real servers, Prism and Chromium are started per file.
    maxWorkers: 2,
    projects: [
      // Pure tests share their workers' loaded modules instead of loading them again for each file.
      { extends: true, test: { name: 'unit', include: unitTests, isolate: false } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: allTests,
          exclude: [...unitTests, ...compiledServerTests],
          globalSetup: ['test/support/postgresGlobalSetup.ts'],
          // Type tests (*.test-d.ts) run through tsc and are reported like the others.
          typecheck: { enabled: true, include: ['packages/*/test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
        },
      },
      {
        extends: true,
        test: {
          name: 'compiled server',
          include: compiledServerTests,
          globalSetup: ['test/support/postgresGlobalSetup.ts'],
          fileParallelism: false,
        },
      },
    ],
  },
});
