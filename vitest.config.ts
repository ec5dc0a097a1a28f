import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'packages/*/src/**/*.test.ts'],
    globalSetup: ['test/support/postgresGlobalSetup.ts'],
    // Type tests (*.test-d.ts) run through tsc and are reported like the others.
    typecheck: { enabled: true, include: ['packages/*/test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: real servers, Prism and Chromium are started per file.
    maxWorkers: 2,
  },
});
