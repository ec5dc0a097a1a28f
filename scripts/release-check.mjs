// `pnpm release:check [base]`: the pending changesets bump @apikeys/client at least as much as the
// contract changed (`redocly diff` against the base `pnpm contract:diff` uses: major for a breaking
// change, minor for an added operation), and the release they make is the contract's info.version.
import { releaseProblems } from './release-plan.mjs';

const repo = process.cwd();
const { problems, contract, pending, change, released } = releaseProblems(repo, process.argv[2]);
if (problems.length > 0) {
  for (const problem of problems) {
    console.error(`release:check: ${problem}`);
  }
  process.exit(1);
}
console.log(
  `release:check: the contract changed at the ${change.level} level against ${change.base}; the pending ` +
    `changesets bump @apikeys/client ${pending === 'none' ? 'not at all' : `at ${pending}`}` +
    `${pending === 'none' ? '' : `, from ${released ?? 'its first release'} to ${contract}`}.`,
);
