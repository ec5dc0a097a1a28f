import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, specFile } from './support/repo.js';

const spec = readFileSync(specFile, 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'spec-lint-test-'));
copyFileSync(join(repoRoot, 'redocly.yaml'), join(scratch, 'redocly.yaml'));
// Spectral's half: inside the workspace, so that the ruleset's `extends` finds the OWASP ruleset in
// node_modules, and with the spec at spec/openapi.yaml, where the ruleset's overrides point.
mkdirSync(join(repoRoot, '.tmp'), { recursive: true });
const spectralScratch = mkdtempSync(join(repoRoot, '.tmp', 'spectral-lint-test-'));
copyFileSync(join(repoRoot, '.spectral.yaml'), join(spectralScratch, '.spectral.yaml'));
mkdirSync(join(spectralScratch, 'spec'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(spectralScratch, { recursive: true, force: true });
});

function lint(document: string) {
  const file = join(scratch, 'openapi.yaml');
  writeFileSync(file, document);
  const result = spawnSync(
    join(repoRoot, 'node_modules/.bin/redocly'),
    ['lint', file, '--config', join(scratch, 'redocly.yaml')],
    {
      encoding: 'utf8',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    },
  );
  return { status: result.status, output: result.stdout + result.stderr };
}

function spectral(document: string) {
  const file = join(spectralScratch, 'spec/openapi.yaml');
  writeFileSync(file, document);
  const result = spawnSync(
    join(repoRoot, 'node_modules/.bin/spectral'),
    ['lint', file, '--ruleset', join(spectralScratch, '.spectral.yaml'), '--fail-severity', 'warn'],
    { encoding: 'utf8' },
  );
  return { status: result.status, output: result.stdout + result.stderr };
}

function broken(from: string, to: string) {
  expect(spec).toContain(from);
  return spec.replace(from, to);
}

describe('pnpm lint:spec', () => {
  it('passes the contract with no errors and no warnings', () => {
    const { status, output } = lint(spec);
    expect(output).not.toMatch(/You have \d+ warnings?/);
    expect(output).toContain('Your API description is valid');
    expect(status).toBe(0);
  });

  it('refuses an object schema that does not declare additionalProperties', () => {
    const { status, output } = lint(
      broken(
        '      additionalProperties: false\n      required:\n        - pointer\n',
        '      required:\n        - pointer\n',
      ),
    );
    expect(output).toContain('rule/object-schemas-declare-additional-properties');
    expect(status).toBe(1);
  });

  it('refuses an error response that is not problem+json', () => {
    const { status, output } = lint(
      broken(
        "      content:\n        application/problem+json:\n          schema:\n            $ref: '#/components/schemas/Problem'\n          examples:\n            notJson:",
        "      content:\n        application/json:\n          schema:\n            $ref: '#/components/schemas/Problem'\n          examples:\n            notJson:",
      ),
    );
    expect(output).toContain('rule/errors-are-problem-json');
    expect(status).toBe(1);
  });

  it('refuses component names that another kind of component, or a generator, could also use', () => {
    // The names the contract had: a parameter and a schema both KeyId, a schema named like
    // @hey-api's type for verifyApiKey's answer, a response and a header without their kind.
    const { status, output } = lint(
      spec
        .replace('\n    KeyIdParam:\n', '\n    KeyId:\n')
        .replace('\n    VerificationResult:\n', '\n    VerifyApiKeyResponse:\n')
        .replace('\n    KeyNotFoundResponse:\n', '\n    KeyNotFound:\n')
        .replace('\n    RetryAfterHeader:\n', '\n    RetryAfter:\n'),
    );
    for (const rule of [
      'rule/parameter-names-end-in-param',
      'rule/schema-names-keep-clear-of-other-kinds',
      'rule/response-names-end-in-response',
      'rule/header-names-end-in-header',
    ]) {
      expect(output).toContain(rule);
    }
    expect(status).toBe(1);
  });

  it('refuses a body without named examples', () => {
    const start = spec.indexOf(
      '            examples:\n              primaryProductionKey:\n                summary: A production key',
    );
    const end = spec.indexOf('      responses:\n', start);
    const { status, output } = lint(spec.slice(0, start) + spec.slice(end));
    expect(output).toContain('rule/media-types-have-examples');
    expect(status).toBe(1);
  });

  it('refuses an example that breaks its closed schema', () => {
    const { status, output } = lint(
      broken(
        '                  name: temporary-import-key\n',
        '                  name: temporary-import-key\n                  user_id: u_1\n',
      ),
    );
    expect(output).toContain('no-invalid-media-type-examples');
    expect(status).toBe(1);
  });

  it('refuses an operation without a description', () => {
    const { status, output } = lint(
      broken(
        '      description: |\n        Creates a key inside',
        '      x-description: |\n        Creates a key inside',
      ),
    );
    expect(output).toContain('operation-description');
    expect(status).toBe(1);
  });

  it('refuses allOf, which the validator and the mock read differently', () => {
    const { status, output } = lint(
      broken(
        "          $ref: '#/components/schemas/AppSlug'\n        name:",
        "          allOf:\n            - $ref: '#/components/schemas/AppSlug'\n        name:",
      ),
    );
    expect(output).toContain('rule/no-all-of');
    expect(status).toBe(1);
  });
});

describe('pnpm lint:spec, Spectral (spectral:oas and the OWASP ruleset)', () => {
  it('passes the contract with no errors and no warnings', () => {
    const { status, output } = spectral(spec);
    expect(output).toContain("No results with a severity of 'warn' or higher found!");
    expect(status).toBe(0);
  });

  it('refuses an array type without items (spectral:oas)', () => {
    const { status, output } = spectral(
      broken(
        '          maxItems: 100\n          items:\n            description: A permission or a scope, or a rate limit (see `Ratelimit`).\n' +
          '            type:\n              - string\n              - object\n            additionalProperties: true\n    AuditEvent:\n',
        '          maxItems: 100\n    AuditEvent:\n',
      ),
    );
    expect(output).toContain('array-items');
    expect(status).toBe(1);
  });

  it('refuses an integer without a format (OWASP)', () => {
    const { status, output } = spectral(
      broken(
        '          type: integer\n          format: int32\n          minimum: 400\n',
        '          type: integer\n          minimum: 400\n',
      ),
    );
    expect(output).toContain('owasp:api4:2023-integer-format');
    expect(status).toBe(1);
  });

  it('refuses an answer of listed items without maxItems (OWASP)', () => {
    const { status, output } = spectral(
      broken(
        '          description: The apps on this page.\n          maxItems: 100\n',
        '          description: The apps on this page.\n',
      ),
    );
    expect(output).toContain('owasp:api4:2023-array-limit');
    expect(status).toBe(1);
  });
});
