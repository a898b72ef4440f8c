/**
 * Repositories in the shapes check meets outside its own output (../shared/reference/domain.md
 * section 9), written by hand under test/fixtures/shapes/: roles created elsewhere, one role for
 * every job, atmos.yaml in rootfs/ or config/aws/, the older github-oidc-role component, release / merge_group /
 * workflow_run runs, preview environments, static keys, duplicate stack names, expressions in run:.
 * Each test states every finding and every chain verdict expected, and nothing else.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createValidatedPolicy, validateTrustPolicy } from '@cloud-copilot/iam-policy';
import { runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRepository, diskRepo, memoryRepo, type CheckResult } from '../src/check/index.ts';
import { ROOT } from './helpers/run.ts';
import { TOKEN_HOST, trustPolicyDocument } from '../src/setup/trust.ts';

const SHAPES = join(ROOT, 'test', 'fixtures', 'shapes');

function check(shape: string): CheckResult {
  return checkRepository(diskRepo(join(SHAPES, shape)), { repository: 'acme/infra' });
}

/** Every finding as "severity code file". */
function findings(r: CheckResult): string[] {
  return r.findings.map((f) => `${f.severity} ${f.code} ${f.file}`);
}

/** Every chain as "workflow/job context role verdict". */
function chains(r: CheckResult): string[] {
  return r.chains.map((c) => `${c.workflow.replace(/^.*\//, '').replace(/\.ya?ml$/, '')}/${c.job} ${c.context} ${c.roleArn?.replace(/^.*:role\//, '')} ${c.verdict}`);
}

test('roles elsewhere: every chain unknown (not refuted), one role-not-found warning per job, nothing else', () => {
  const r = check('roles-elsewhere');
  assert.equal(chains(r), ['apply/apply environment:dev acme-gbl-dev-terraform unknown', 'plan/plan pull_request acme-gbl-dev-planner unknown']);
  assert.equal(findings(r), ['warning role-not-found .github/workflows/apply.yaml', 'warning role-not-found .github/workflows/plan.yaml']);
  assert.is(r.errors, 0);
});

test('shared role: pull-request plan and production deploy on one role is an error, though no trust policy is readable', () => {
  const r = check('shared-role');
  assert.equal(chains(r), ['deploy/deploy environment:production acme-gbl-prod-terraform unknown', 'pr/plan pull_request acme-gbl-prod-terraform unknown']);
  assert.equal(findings(r), [
    'error role-shared-pull-request .github/workflows/pr.yaml',
    'warning role-not-found .github/workflows/deploy.yaml',
    'warning role-not-found .github/workflows/pr.yaml',
  ]);
  const shared = r.findings[0];
  assert.match(shared.message, /serves pr\/plan, which runs on pull_request .* and deploy\/deploy, which runs atmos terraform deploy/);
  // The dispatched deploy runs the commit named in inputs.sha: the chain says so.
  assert.match(r.chains[0].runs ?? '', /inputs\.sha.*any commit the dispatcher names/);
  assert.is(r.chains[1].runs, null);
});

test('rootfs config: atmos.yaml from the Atmos system directory under rootfs/, stacks at the root, the chain proved, no finding', () => {
  const r = check('rootfs-config');
  assert.is(r.stacks.config.file, 'rootfs/usr/local/etc/atmos/atmos.yaml');
  assert.is(r.stacks.config.discovery.source, 'system directory');
  assert.equal(r.stacks.all().map((s) => s.name), ['plat-dev']);
  assert.equal(chains(r), ['apply/apply ref:refs/heads/main acme-gbl-dev-terraform allowed']);
  assert.equal(findings(r), [], 'no import-missing, no atmos-config-missing');
});

test('config/<cloud>/: the workflow names the directory and the base path in its env, the chain proved, no finding', () => {
  const r = check('config-dir');
  assert.is(r.stacks.config.file, 'config/aws/atmos.yaml');
  assert.is(r.stacks.config.discovery.why, 'ATMOS_CLI_CONFIG_PATH: ./config/aws in .github/workflows/apply.yaml (jobs.apply.env)');
  assert.equal(chains(r), ['apply/apply ref:refs/heads/main acme-gbl-dev-terraform allowed']);
  assert.equal(findings(r), []);
});

test('github-oidc-role: roles from github_actions_allowed_repos are proved, the admin one only from main', () => {
  const r = check('github-oidc-role');
  assert.equal(
    r.roles.map((x) => [x.component.name, x.kind, x.arn, x.patterns, x.admin]),
    [
      ['github-oidc-role/gitops', 'github-oidc-role', 'arn:aws:iam::111111111111:role/acme-gbl-dev-gitops', ['repo:acme/infra:ref:refs/heads/main'], true],
      ['github-oidc-role/planner', 'github-oidc-role', 'arn:aws:iam::111111111111:role/acme-gbl-dev-planner', ['repo:acme/infra:*'], false],
    ],
  );
  assert.equal(chains(r), ['apply/apply ref:refs/heads/main acme-gbl-dev-gitops allowed', 'plan/plan pull_request acme-gbl-dev-planner allowed']);
  assert.equal(findings(r), []);
});

test('release, merge_group, workflow_run: the tag, the merge-queue branch and the default branch', () => {
  const r = check('release-merge-queue');
  assert.equal(chains(r), [
    'merge-queue/verify ref:refs/heads/gh-readonly-queue/main/* acme-gbl-dev-queue allowed',
    'nightly/drift ref:refs/heads/main acme-gbl-dev-nightly allowed',
    'release/publish ref:refs/tags/* acme-gbl-dev-release unknown',
  ]);
  // The role admits tags v*: which tag a release carries is known only when it runs.
  assert.is(r.chains[2].condition, 'only for a tag that repo:acme/infra:ref:refs/tags/v* admits');
  assert.equal(findings(r), []);
});

test('release tags: a role trusting every tag is allowed; one trusting tags of one letter, or release candidates only, stays unknown', () => {
  const release = (trust: string): CheckResult => {
    const files = shapeFiles('release-merge-queue');
    files.set('stacks/catalog/iam-role.yaml', files.get('stacks/catalog/iam-role.yaml')!.replace('- acme/infra:ref:refs/tags/v*', `- ${trust}`));
    return checkRepository(memoryRepo(files), { repository: 'acme/infra' });
  };
  const verdict = (r: CheckResult): string[] => r.chains.filter((c) => c.job === 'publish').map((c) => `${c.verdict} ${c.condition ?? ''}`.trim());
  assert.equal(verdict(release('acme/infra:ref:refs/tags/*')), ['allowed']);
  // A tag pattern that admits the word check tries for "any tag" by chance must not pass for every tag.
  assert.equal(verdict(release('acme/infra:ref:refs/tags/c*')), ['unknown only for a tag that repo:acme/infra:ref:refs/tags/c* admits']);
  assert.equal(verdict(release('acme/infra:ref:refs/tags/*-rc*')), ['unknown only for a tag that repo:acme/infra:ref:refs/tags/*-rc* admits']);
  // A branch-only role: no tag can match.
  assert.equal(verdict(release('acme/infra:main')), ['denied']);
});

test('preview environments: a pull-request job in an environment the admin role trusts, sharing that role with production', () => {
  const r = check('preview-environments');
  assert.equal(chains(r), ['preview/preview environment:preview acme-gbl-dev-admin allowed', 'release/production environment:production acme-gbl-dev-admin allowed']);
  assert.equal(findings(r), ['error pull-request-environment-admin .github/workflows/preview.yaml', 'error role-shared-pull-request .github/workflows/preview.yaml']);
  const env = r.findings[0];
  assert.is(env.place, 'jobs.preview.environment');
  assert.match(env.message, /runs on pull requests in environment "preview".*trusts that environment \(repo:acme\/infra:environment:preview\)/);
});

test('static keys: a warning per job, no chain, and no id-token demanded', () => {
  const r = check('static-keys');
  assert.equal(chains(r), []);
  assert.equal(
    r.findings.map((f) => `${f.severity} ${f.code} ${f.place}`),
    ['warning static-aws-keys jobs.plan.env', 'warning static-aws-keys jobs.apply.steps[1].with.aws-access-key-id'],
  );
});

test('duplicate stack names: an error naming both manifests and the component they both define', () => {
  const r = check('duplicate-names');
  assert.equal(findings(r), ['error stack-name-duplicate stacks/orgs/acme/plat/dev.yaml']);
  assert.match(r.findings[0].message, /dev-us-west-2\.yaml, stacks\/orgs\/acme\/plat\/dev\.yaml all resolve to stack name "plat-dev", and define vpc/);
  assert.equal(r.findings[0].related, ['stacks/orgs/acme/plat/dev-us-west-2.yaml']);
});

test('run: expressions: SHAs, numbers, ids, the repository and typed inputs pass; titles, branch names and free inputs are errors', () => {
  const r = check('run-expressions');
  assert.equal(
    r.findings.map((f) => `${f.severity} ${/\$\{\{ ([^}]+) \}\}/.exec(f.message)![1]}`),
    ['error github.event.pull_request.title', 'error github.head_ref', 'error inputs.note', 'warning steps.plan.outputs.summary'],
  );
});

/** A shape's files in memory, to change one of them. */
function shapeFiles(shape: string): Map<string, string> {
  const root = join(SHAPES, shape);
  const files = new Map<string, string>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      files.set(path.slice(root.length + 1), readFileSync(path, 'utf8'));
    }
  return files;
}

test('reusable plan workflow, config under config/aws, identities in a profile: a caller without id-token denies its own runs only; the regional audience is found in config/aws/atmos.yaml', () => {
  const r = check('reusable-profile');
  // Atmos v1.215.0 finds config/aws/atmos.yaml through ATMOS_CLI_CONFIG_PATH, activates profile "ci" from ATMOS_PROFILE
  // (pkg/config/load.go) and looks for it in profiles/ beside that atmos.yaml (pkg/config/profiles.go discoverProfileLocations).
  // pr.yaml grants contents and pull-requests only (workflow level, its job has no block); main.yaml's job grants id-token.
  assert.equal(chains(r), ['atmos-plan/plan ref:refs/heads/main acme-gbl-dev-terraform denied', 'atmos-plan/plan pull_request acme-gbl-dev-terraform denied']);
  assert.equal(r.chains[0].reasons, ['audience "sts.us-east-2.amazonaws.com" is not sts.amazonaws.com'], 'the push run from main.yaml has its token');
  assert.equal(findings(r), [
    'error id-token-missing .github/workflows/pr.yaml',
    'error audience-invalid config/aws/atmos.yaml',
    'error chain-broken stacks/catalog/iam-role.yaml',
  ]);
  const [idToken, audience] = r.findings;
  assert.is(idToken.place, 'permissions');
  assert.is(idToken.line, 4, "pr.yaml's workflow-level permissions");
  assert.is(idToken.fix, 'add "id-token: write" to permissions in .github/workflows/pr.yaml');
  // The provider is defined in config/aws/atmos.yaml only (profiles/ci holds the identities): the finding is at its audience line.
  assert.is(audience.line, 19);
  assert.is(audience.place, 'auth.providers.github-oidc.spec.audience');
  assert.is(audience.fix, 'set auth.providers.github-oidc.spec.audience: sts.amazonaws.com');
});

test('reusable plan workflow with the audience set right: the run main.yaml starts is allowed, the pull request run has no token', () => {
  const files = shapeFiles('reusable-profile');
  files.set('config/aws/atmos.yaml', files.get('config/aws/atmos.yaml')!.replace('audience: sts.us-east-2.amazonaws.com', 'audience: sts.amazonaws.com'));
  const r = checkRepository(memoryRepo(files), { repository: 'acme/infra' });
  assert.equal(chains(r), ['atmos-plan/plan ref:refs/heads/main acme-gbl-dev-terraform allowed', 'atmos-plan/plan pull_request acme-gbl-dev-terraform denied']);
  assert.equal(findings(r), ['error id-token-missing .github/workflows/pr.yaml', 'error chain-broken stacks/catalog/iam-role.yaml']);
  // With every run of the repository admitted by the role, the missing token is what denies the pull request run.
  files.set('stacks/catalog/iam-role.yaml', files.get('stacks/catalog/iam-role.yaml')!.replace('- acme/infra:main', '- acme/infra'));
  const admitted = checkRepository(memoryRepo(files), { repository: 'acme/infra' });
  assert.equal(admitted.chains.map((c) => [c.context, c.verdict, c.reasons[0]]), [
    ['ref:refs/heads/main', 'allowed', undefined],
    ['pull_request', 'denied', 'the job has no id-token: write'],
  ]);
});

test('every chain the shapes decide agrees with the IAM policy simulator on the trust policy the component creates', () => {
  let compared = 0;
  for (const shape of readdirSync(SHAPES).sort()) {
    for (const c of check(shape).chains) {
      if (c.trust === 'unknown' || !c.providerArn || !c.roleArn || !c.account || !c.sub) continue;
      // A part only the run knows (a merge-queue branch) is judged for an arbitrary value: so here.
      const sub = c.sub.replaceAll('*', 'check-any-value');
      const policy = createValidatedPolicy(trustPolicyDocument(c.providerArn, c.patterns), validateTrustPolicy, { name: c.roleArn });
      const verdict = runUnsafeSimulation(
        {
          request: {
            principal: c.providerArn,
            action: 'sts:AssumeRoleWithWebIdentity',
            resource: { resource: c.roleArn, accountId: c.account },
            contextVariables: { [`${TOKEN_HOST}:sub`]: sub, [`${TOKEN_HOST}:aud`]: c.audience },
          },
          identityPolicies: [],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          resourcePolicy: policy,
        },
        {},
      );
      assert.is(c.trust === 'admits', verdict === 'Allowed', `${shape} ${c.workflow}/${c.job}: check ${c.trust}, simulator ${verdict} (${sub})`);
      compared++;
    }
  }
  assert.is(compared, 10, 'rootfs-config, config-dir, github-oidc-role (2), release-merge-queue (2: the release tag stays unknown), preview-environments (2), reusable-profile (2)');
});

test.run();
