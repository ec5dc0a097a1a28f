import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot, specFile } from './support/repo.js';

// Each case edits the real spec in a throwaway git repository tagged api-v1.0.0 and runs the
// gate exactly as `pnpm contract:diff` does.
const released = readFileSync(specFile, 'utf8');
let repo: string;

function git(...args: string[]) {
  execFileSync('git', ['-C', repo, ...args], { stdio: 'pipe' });
}

function edit(from: string, to: string) {
  const current = readFileSync(join(repo, 'spec/openapi.yaml'), 'utf8');
  expect(current).toContain(from);
  writeFileSync(join(repo, 'spec/openapi.yaml'), current.replace(from, to));
}

function runGate(...args: string[]) {
  const result = spawnSync('node', [join(repoRoot, 'scripts/contract-diff.mjs'), ...args], {
    cwd: repo,
    encoding: 'utf8',
  });
  return { status: result.status, output: result.stdout + result.stderr };
}

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'contract-diff-test-'));
  mkdirSync(join(repo, 'spec'));
  writeFileSync(join(repo, 'spec/openapi.yaml'), released);
  git('init', '-q');
  git('add', '.');
  git('-c', 'user.email=ci@example.invalid', '-c', 'user.name=ci', 'commit', '-qm', 'spec v1');
  git('tag', 'api-v1.0.0');
});

afterEach(() => rmSync(repo, { recursive: true, force: true }));

const removeCreatedAt = () => {
  edit('        - expires_at\n        - created_at\n        - status\n', '        - expires_at\n        - status\n');
  edit(
    '        created_at:\n          type: string\n          format: date-time\n          description: When the key was created.\n',
    '',
  );
};

describe('pnpm contract:diff', () => {
  it('passes an unchanged spec', () => {
    const { status, output } = runGate();
    expect(output).toContain('no breaking change against api-v1.0.0');
    expect(status).toBe(0);
  });

  it('fails when a response field is removed', () => {
    removeCreatedAt();
    const { status, output } = runGate();
    expect(output).toMatch(/Property `created_at` of `\w+` was removed/);
    expect(status).toBe(1);
  });

  it('fails when a request field becomes required', () => {
    edit('      required:\n        - name\n', '      required:\n        - name\n        - owner\n');
    const { status, output } = runGate();
    expect(output).toMatch(/became required: `owner`/);
    expect(status).toBe(1);
  });

  it('fails when a limit is tightened', () => {
    edit('      maxItems: 100\n      uniqueItems: true\n', '      maxItems: 50\n      uniqueItems: true\n');
    const { status, output } = runGate();
    expect(output).toMatch(/`maxItems` of `permissions` changed from '100' to '50'/);
    expect(status).toBe(1);
  });

  it('passes an added optional request field', () => {
    edit(
      "        owner:\n          $ref: '#/components/schemas/Owner'\n",
      "        team:\n          type: string\n          description: Owning team.\n        owner:\n          $ref: '#/components/schemas/Owner'\n",
    );
    const { status, output } = runGate();
    expect(output).toContain('no breaking change');
    expect(status).toBe(0);
  });

  it('passes a breaking change released as a new major version', () => {
    removeCreatedAt();
    const major = Number(/^ {2}version: (\d+)\./m.exec(released)![1]);
    edit(/^ {2}version: .*\n/m.exec(released)![0], `  version: ${major + 1}.0.0\n`);
    const { status, output } = runGate();
    expect(output).toContain(`new major version (${major} → ${major + 1})`);
    expect(status).toBe(0);
  });

  it('compares with the previous commit when there is no api-v* tag, or with a ref given', () => {
    git('tag', '-d', 'api-v1.0.0');
    removeCreatedAt();
    expect(runGate().output).toContain('no api-v* tag and no previous commit');
    git('add', '.');
    git('-c', 'user.email=ci@example.invalid', '-c', 'user.name=ci', 'commit', '-qm', 'drop created_at');
    // HEAD~1 still has created_at, so the committed removal is caught too.
    expect(runGate().status).toBe(1);
    expect(runGate('HEAD').status).toBe(0);
  });
});
