import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { repoRoot, specFile } from './support/repo.js';

// Each case is a throwaway git repository holding the contract (at 3.0.0), the client's manifest and
// CHANGELOG and the changesets configuration, committed; then the contract and the changesets are
// edited as a contributor would, and the scripts run as `pnpm release:check` / `release:version` run them.
type Spec = {
  info: { version: string };
  paths: Record<string, Record<string, { operationId?: string }>>;
  components: { schemas: Record<string, { required?: string[]; properties?: Record<string, unknown> }> };
};
let repo: string;

const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { stdio: 'pipe' });
const readSpec = () => parse(readFileSync(join(repo, 'spec/openapi.yaml'), 'utf8')) as Spec;
const writeSpec = (spec: Spec) => writeFileSync(join(repo, 'spec/openapi.yaml'), stringify(spec));

/** The contract at `version`, with the client's manifest on the same version, as a release leaves them. */
function setVersion(version: string) {
  const spec = readSpec();
  spec.info.version = version;
  writeSpec(spec);
  writeFileSync(
    join(repo, 'packages/client/package.json'),
    `${JSON.stringify({ name: '@apikeys/client', version }, null, 2)}\n`,
  );
}

function addChangeset(name: string, level: string, summary: string) {
  writeFileSync(join(repo, '.changeset', `${name}.md`), `---\n"@apikeys/client": ${level}\n---\n\n${summary}\n`);
}

function addOperation() {
  const spec = readSpec();
  const item = spec.paths['/api-auth/apps/{appName}/keys/{keyId}']!;
  spec.paths['/api-auth/apps/{appName}/keys/{keyId}/usage'] = {
    ...item,
    get: { ...item.get, operationId: 'getApiKeyUsage' },
  } as Spec['paths'][string];
  delete spec.paths['/api-auth/apps/{appName}/keys/{keyId}/usage']!.patch;
  writeSpec(spec);
}

function removeCreatedAt() {
  const spec = readSpec();
  const apiKey = spec.components.schemas.ApiKey!;
  apiKey.required = apiKey.required!.filter((name) => name !== 'created_at');
  delete apiKey.properties!.created_at;
  writeSpec(spec);
}

function run(script: string) {
  const result = spawnSync('node', [join(repoRoot, 'scripts', script)], { cwd: repo, encoding: 'utf8' });
  return { status: result.status, output: result.stdout + result.stderr };
}

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'release-check-test-'));
  mkdirSync(join(repo, 'spec'));
  mkdirSync(join(repo, 'packages/client'), { recursive: true });
  writeFileSync(join(repo, 'spec/openapi.yaml'), readFileSync(specFile, 'utf8'));
  cpSync(join(repoRoot, '.changeset/config.json'), join(repo, '.changeset/config.json'));
  cpSync(join(repoRoot, '.changeset/README.md'), join(repo, '.changeset/README.md'));
  writeFileSync(
    join(repo, 'packages/client/CHANGELOG.md'),
    '# @apikeys/client\n\n## 3.0.0\n\n### Major Changes\n\n- Scopes.\n',
  );
  writeFileSync(join(repo, 'package.json'), JSON.stringify({ name: 'workspace', private: true }));
  writeFileSync(join(repo, 'pnpm-workspace.yaml'), 'packages:\n  - packages/*\n');
  writeFileSync(join(repo, '.gitignore'), 'node_modules\n');
  // `changeset version` loads its changelog writer from the workspace's node_modules.
  symlinkSync(join(repoRoot, 'node_modules'), join(repo, 'node_modules'));
  setVersion('3.0.0');
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('-c', 'user.email=ci@example.invalid', '-c', 'user.name=ci', 'commit', '-qm', 'released 3.0.0');
  git('tag', 'api-v3.0.0');
});

afterEach(() => rmSync(repo, { recursive: true, force: true }));

describe('pnpm release:check', () => {
  it('passes an unchanged contract with no changeset', () => {
    const { status, output } = run('release-check.mjs');
    expect(output).toContain('changed at the none level against api-v3.0.0');
    expect(status).toBe(0);
  });

  it('asks for a minor changeset when an operation is added', () => {
    addOperation();
    setVersion('3.1.0');
    expect(run('release-check.mjs').output).toMatch(
      /minor level against api-v3\.0\.0.*bump @apikeys\/client not at all/,
    );

    addChangeset('usage', 'patch', 'Typo.');
    const patchOnly = run('release-check.mjs');
    expect(patchOnly.output).toContain('only at patch. Run `pnpm changeset` and choose minor (or higher)');
    expect(patchOnly.status).toBe(1);

    addChangeset('usage', 'minor', 'Adds `getApiKeyUsage`.');
    const { status, output } = run('release-check.mjs');
    expect(output).toContain('bump @apikeys/client at minor, from 3.0.0 to 3.1.0');
    expect(status).toBe(0);
  });

  it('asks for a major changeset when the contract breaks', () => {
    removeCreatedAt();
    setVersion('4.0.0');
    addChangeset('no-created-at', 'minor', 'Drops `created_at`.');
    const minor = run('release-check.mjs');
    expect(minor.output).toContain('changed at the major level against api-v3.0.0');
    expect(minor.status).toBe(1);

    addChangeset('no-created-at', 'major', 'Drops `created_at`.');
    expect(run('release-check.mjs').status).toBe(0);
  });

  it("fails when the changesets' release is not the contract's info.version", () => {
    addOperation();
    addChangeset('usage', 'minor', 'Adds `getApiKeyUsage`.');
    const unbumped = run('release-check.mjs');
    expect(unbumped.output).toContain(
      "release @apikeys/client 3.0.0 as 3.1.0 (minor), but the contract's info.version is 3.0.0",
    );
    expect(unbumped.status).toBe(1);

    // Two unreleased minor changes make one minor release: 3.1.0, not 3.2.0.
    setVersion('3.2.0');
    addChangeset('another', 'minor', 'Another field.');
    expect(run('release-check.mjs').output).toContain('as 3.1.0 (minor)');
  });

  it('fails when the client is not on the contract version', () => {
    writeFileSync(
      join(repo, 'packages/client/package.json'),
      JSON.stringify({ name: '@apikeys/client', version: '2.9.0' }),
    );
    const { status, output } = run('release-check.mjs');
    expect(output).toContain("@apikeys/client is version 2.9.0 but the contract's info.version is 3.0.0");
    expect(status).toBe(1);
  });
});

describe('pnpm release:version', () => {
  it("writes the CHANGELOG and lands the client on the contract's version", () => {
    addOperation();
    setVersion('3.1.0');
    addChangeset('usage', 'minor', 'Adds `getApiKeyUsage`: how often a key was used.');
    const { status, output } = run('release-version.mjs');
    expect(output).toContain('@apikeys/client 3.1.0');
    expect(status).toBe(0);
    expect(JSON.parse(readFileSync(join(repo, 'packages/client/package.json'), 'utf8')).version).toBe('3.1.0');
    const changelog = readFileSync(join(repo, 'packages/client/CHANGELOG.md'), 'utf8');
    expect(changelog).toMatch(/## 3\.1\.0\n\n### Minor Changes\n\n- Adds `getApiKeyUsage`: how often a key was used\./);
    expect(changelog.indexOf('## 3.1.0')).toBeLessThan(changelog.indexOf('## 3.0.0'));
    expect(existsSync(join(repo, '.changeset/usage.md'))).toBe(false);
  });
});
