import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';

// What consuming teams install: the built package (`pnpm build`, part of `npm test`).
const clientDir = fileURLToPath(new URL('..', import.meta.url));
const bin = (name: string) => fileURLToPath(new URL(`../../../node_modules/.bin/${name}`, import.meta.url));
const run = (name: string, args: string[]) =>
  spawnSync(bin(name), args, { cwd: clientDir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

describe('the published @apikeys/client package', () => {
  it('is built', () => {
    expect(existsSync(`${clientDir}dist/index.js`), 'run `pnpm build` (npm test does)').toBe(true);
    expect(existsSync(`${clientDir}dist/index.d.ts`)).toBe(true);
  });

  it('passes publint in strict mode', () => {
    const result = run('publint', ['--strict', '--pack', 'npm']);
    expect(result.stdout + result.stderr).toContain('All good!');
    expect(result.status).toBe(0);
  });

  it('resolves its types for ESM consumers under node16 and bundlers (are-the-types-wrong)', () => {
    const result = run('attw', ['--pack', '.', '--profile', 'esm-only', '--format', 'table']);
    const table = stripVTControlCharacters(result.stdout);
    // One column per entry point: the client, its webhook verifier, its package.json.
    expect(table).toContain('"@apikeys/client/webhooks"');
    expect(table).toMatch(/node16 \(from ESM\)\s*│\s*🟢[^│]*│\s*🟢[^│]*│\s*🟢/);
    expect(table).toMatch(/bundler\s*│\s*🟢[^│]*│\s*🟢[^│]*│\s*🟢/);
    expect(result.status).toBe(0);
  });

  it('imports nothing but openapi-fetch and its own modules, so it runs in browsers; the webhook verifier apart', () => {
    const importsOf = (file: string) =>
      [
        ...readFileSync(`${clientDir}dist/${file}`, 'utf8').matchAll(
          /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g,
        ),
      ].map((m) => m[1]!);
    const files = readdirSync(`${clientDir}dist`).filter((file) => file.endsWith('.js'));
    const specifiers = files.filter((file) => file !== 'webhooks.js').flatMap(importsOf);
    expect(specifiers.length).toBeGreaterThan(0);
    for (const specifier of specifiers) {
      expect(specifier === 'openapi-fetch' || specifier.startsWith('./')).toBe(true);
    }
    // `@apikeys/client/webhooks`, for receivers: no module of the client's own entry imports it.
    expect(importsOf('webhooks.js').filter((specifier) => !specifier.startsWith('./'))).toEqual(['standardwebhooks']);
    expect(specifiers).not.toContain('./webhooks.js');
  });
});
