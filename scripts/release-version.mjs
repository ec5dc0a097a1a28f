// `pnpm release:version`: turns the pending changesets into the CHANGELOGs and versions, with
// @apikeys/client landing on the contract's info.version. The contract's author set that version
// already (contract:diff requires it for a breaking change), so the client is first put back on
// the version it was released at, and `changeset version` bumps it from there.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLIENT, clientVersion, releaseProblems, versionBefore } from './release-plan.mjs';

const repo = process.cwd();
const tools = fileURLToPath(new URL('..', import.meta.url));
const { problems, contract, pending, released } = releaseProblems(repo, process.argv[2]);
if (problems.length > 0 || pending === 'none') {
  for (const problem of problems) {
    console.error(`release:version: ${problem}`);
  }
  console.error(pending === 'none' ? `release:version: no pending changeset for ${CLIENT}: nothing to release.` : '');
  process.exit(1);
}
const manifest = join(repo, 'packages/client/package.json');
const text = readFileSync(manifest, 'utf8');
writeFileSync(
  manifest,
  text.replace(/"version": "[^"]+"/, `"version": "${released ?? versionBefore(contract, pending)}"`),
);
execFileSync(join(tools, 'node_modules/.bin/changeset'), ['version'], { cwd: repo, stdio: 'inherit' });
// changesets writes its markdown without Prettier; the workspace's formatter is Biome.
const changelogs = ['packages/client/CHANGELOG.md', 'packages/types/CHANGELOG.md'].filter((file) =>
  existsSync(join(repo, file)),
);
execFileSync(join(tools, 'node_modules/.bin/biome'), ['format', '--write', ...changelogs], {
  cwd: repo,
  stdio: 'inherit',
});
if (clientVersion(repo) !== contract) {
  console.error(`release:version: ${CLIENT} came out as ${clientVersion(repo)}, not ${contract}.`);
  process.exit(1);
}
console.log(`release:version: ${CLIENT} ${contract}. Review the CHANGELOGs, commit, and tag api-v${contract}.`);
