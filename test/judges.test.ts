/**
 * Every golden case's generated files, judged by tools written by others: GitHub's workflow parser,
 * the SchemaStore workflow schema, Atmos's own schemas, our security rules, and AWS's policy logic
 * (the IAM simulator) applied to every credential chain the repository sets up.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createValidatedPolicy, validateTrustPolicy } from '@cloud-copilot/iam-policy';
import { runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { admits, AUDIENCE, TOKEN_HOST, trustPolicyDocument } from '../src/trust.ts';
import {
  atmosSchemaErrors,
  credentialChains,
  schemasMissingReason,
  securityRuleViolations,
  setupOf,
  stackRoles,
  workflowFiles,
  workflowParserErrors,
  workflowSchemaErrors,
  type StackRole,
} from './helpers/judges.ts';
import { goldenCases, renderGolden, tempDir } from './helpers/run.ts';

const rendered = new Map<string, Promise<string>>();
/** Each golden case rendered once into a fresh directory, shared by the judges below. */
function render(name: string): Promise<string> {
  if (!rendered.has(name)) rendered.set(name, renderGolden(name));
  return rendered.get(name) as Promise<string>;
}

const counts = { workflowsParsed: 0, chainsSimulated: 0, subsAllowed: 0, denialsChecked: 0, verdictsMatched: 0 };

/** What AWS decides for AssumeRoleWithWebIdentity on `role` with this token. */
function simulate(role: StackRole, sub: string, token: { aud?: string; provider?: string } = {}): string {
  const policy = createValidatedPolicy(trustPolicyDocument(role.providerArn as string, role.patterns), validateTrustPolicy, { name: `${role.component} in ${role.stack}` });
  assert.equal(policy.errors, [], `the trust policy of ${role.component} in ${role.stack} is valid IAM`);
  return runUnsafeSimulation(
    {
      request: {
        principal: token.provider ?? (role.providerArn as string),
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: { resource: role.arn, accountId: role.accountId },
        contextVariables: { [`${TOKEN_HOST}:sub`]: sub, [`${TOKEN_HOST}:aud`]: token.aud ?? AUDIENCE },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policy,
    },
    {},
  );
}

/** Simulate a token that differs only in `sub`, and require our own `admits()` to reach the same verdict. */
function verdictFor(role: StackRole, sub: string): string {
  const verdict = simulate(role, sub);
  const ours = admits(role.patterns, sub) !== null;
  assert.is(ours, verdict === 'Allowed', `admits() and the IAM simulator agree on ${sub} for ${role.arn} (simulator: ${verdict})`);
  counts.verdictsMatched++;
  return verdict;
}

function expectDenied(role: StackRole, sub: string, why: string): void {
  assert.is(verdictFor(role, sub), 'ImplicitlyDenied', `${role.arn} must not admit ${sub} (${why})`);
  counts.denialsChecked++;
}

/** `owner[@id]/repo[@id]` → another repository of the same owner. */
function otherRepository(subject: string): string {
  const [owner, repo] = subject.split('/');
  const [name, id] = repo.split('@');
  return `${owner}/${name}-other${id ? `@${Number(id) + 1}` : ''}`;
}

/** `owner[@id]/repo[@id]` → the same, with every letter of the owner's name in the other case. */
function ownerCaseChanged(subject: string): string {
  const slash = subject.indexOf('/');
  const owner = [...subject.slice(0, slash)].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
  return owner + subject.slice(slash);
}

const accountOfArn = (arn: string): string => arn.split(':')[4];

const schemaSkip = schemasMissingReason();
if (schemaSkip) console.log(`judges: schema checks skipped: ${schemaSkip}`);
const schemaTest = schemaSkip ? test.skip : test;

for (const name of goldenCases()) {
  test(`${name}: GitHub's workflow parser reports nothing on any workflow`, async () => {
    const files = workflowFiles(await render(name));
    assert.ok(files.length >= 3, 'at least test-oidc, plan and apply workflows');
    for (const file of files) {
      assert.equal(await workflowParserErrors(file.path, file.text), [], file.path);
      counts.workflowsParsed++;
    }
  });

  schemaTest(`${name}: every workflow matches the SchemaStore workflow schema`, async () => {
    for (const file of workflowFiles(await render(name))) assert.equal(workflowSchemaErrors(file.text, file.path), [], file.path);
  });

  schemaTest(`${name}: stack manifests, atmos.yaml and the profile match Atmos's schemas`, async () => {
    assert.equal(atmosSchemaErrors(await render(name)), []);
  });

  test(`${name}: no security rule is broken`, async () => {
    assert.equal(securityRuleViolations(await render(name)), []);
  });

  test(`${name}: AWS admits every job's token to the role its identity names, and nothing else`, async () => {
    const dir = await render(name);
    const chains = credentialChains(dir);
    const { setup, defaultBranch, applyRoleNames } = setupOf(dir);
    assert.ok(chains.length > 0, 'some job obtains AWS credentials');
    for (const chain of chains) {
      const where = `${chain.workflow} job ${chain.job}${chain.stack ? ` in stack ${chain.stack}` : ''}`;
      const role = chain.role;
      assert.ok(role, `${where}: ${chain.identity ?? 'role-to-assume'} names ${chain.roleArn}, which no stack creates`);
      if (!role) continue;
      assert.ok(role.providerArn, `${where}: ${role.component} has a github_oidc_provider_arn`);
      assert.ok(role.providerSource, `${where}: the provider ${role.providerArn} is deployed by a stack of account ${role.accountId} or declared existing`);
      assert.is(accountOfArn(role.providerArn as string), role.accountId, `${where}: the provider is in the role's own account`);
      assert.is(chain.audience, AUDIENCE, `${where}: the token is asked for audience ${AUDIENCE}`);
      assert.ok(role.patterns.length > 0, `${where}: ${role.component} has a GitHub trust statement`);
      for (const { context, sub } of chain.claims) {
        assert.is(verdictFor(role, sub), 'Allowed', `${where}: ${role.arn} admits ${sub}`);
        counts.subsAllowed++;
        expectDenied(role, `repo:${otherRepository(chain.subject)}:${context}`, 'another repository');
        expectDenied(role, `repo:${ownerCaseChanged(chain.subject)}:${context}`, 'the owner spelt in another case');
        assert.is(simulate(role, sub, { aud: 'sts.us-east-1.amazonaws.com' }), 'ImplicitlyDenied', `${where}: a token for another audience is refused`);
        assert.is(simulate(role, sub, { provider: `arn:aws:iam::999999999999:oidc-provider/${TOKEN_HOST}` }), 'ImplicitlyDenied', `${where}: a token through another account's provider is refused`);
        counts.denialsChecked += 2;
      }
      counts.chainsSimulated++;
    }

    if (setup !== 'advanced') return;
    const adminComponents = applyRoleNames.map((n) => `iam-role/${n}`);
    assert.ok(adminComponents.length > 0, 'advanced setup has a role used for apply');
    const adminRoles = stackRoles(dir).filter((r) => adminComponents.includes(r.component));
    assert.ok(adminRoles.length > 0, 'every stack creates the admin role');
    const subject = chains[0].subject;
    for (const role of adminRoles) {
      for (const context of new Set(['pull_request', 'ref:refs/heads/main', `ref:refs/heads/${defaultBranch}`]))
        expectDenied(role, `repo:${subject}:${context}`, 'the admin role admits no pull request and no branch');
    }
    for (const chain of chains.filter((c) => c.role && adminComponents.includes(c.role.component)))
      assert.ok(
        chain.claims.every((c) => c.context.startsWith('environment:')),
        `only jobs running in an environment reach the admin role (${chain.workflow} job ${chain.job} sends ${chain.claims.map((c) => c.context).join(', ')})`,
      );
  });
}

// The judges must fail on the faults they exist to catch, or their silence above proves nothing.

const workflowWithFaults = `name: faulty
on:
  pull_request_target:
permissions:
  id-tokn: write
jobs:
  deploy:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: aws-actions/configure-aws-credentials@v6
        with:
          role-to-asume: arn:aws:iam::111111111111:role/x
          role-to-assume: arn:aws:iam::111111111111:role/x
      - run: echo "\${{ github.event.pull_request.title }}"
`;

test("GitHub's parser reports a misspelt permission and an unknown action input", async () => {
  const errors = (await workflowParserErrors('.github/workflows/faulty.yaml', workflowWithFaults)).join('\n');
  assert.match(errors, /id-tokn/);
  assert.match(errors, /role-to-asume/);
});

schemaTest('the SchemaStore schema reports a misspelt permission', () => {
  assert.match(workflowSchemaErrors(workflowWithFaults).join('\n'), /id-tokn/);
});

schemaTest("Atmos's schemas report a malformed manifest and profile", async () => {
  const dir = tempDir('judge-atmos-');
  cpSync(await render('guide-basic'), dir, { recursive: true });
  writeFileSync(join(dir, 'stacks/orgs/acme/dev.yaml'), 'import: catalog/github-ci\nvars: [dev]\n');
  writeFileSync(join(dir, 'profiles/github/atmos.yaml'), 'auth: [github]\n');
  const errors = atmosSchemaErrors(dir).join('\n');
  assert.match(errors, /stacks\/orgs\/acme\/dev\.yaml/);
  assert.match(errors, /profiles\/github\/atmos\.yaml/);
});

test('the security rules report pull_request_target, ${{ }} in run: and a job-level permissions block without id-token', () => {
  const dir = tempDir('judge-security-');
  mkdirSync(join(dir, '.github/workflows'), { recursive: true });
  writeFileSync(join(dir, '.github/workflows/faulty.yaml'), workflowWithFaults);
  const violations = securityRuleViolations(dir);
  assert.is(violations.length, 3, violations.join('\n'));
  assert.match(violations.join('\n'), /pull_request_target/);
  assert.match(violations.join('\n'), /inside run:/);
  assert.match(violations.join('\n'), /job deploy obtains AWS credentials but its job-level permissions/);
});

test('the chain reader follows settings.pro: an apply environment the admin role does not trust is denied', async () => {
  const dir = tempDir('judge-chain-');
  cpSync(await render('advanced-three-accounts'), dir, { recursive: true });
  const mixin = join(dir, 'stacks/mixins/atmos-pro.yaml');
  writeFileSync(mixin, readFileSync(mixin, 'utf8').replaceAll('github_environment: "{{ .vars.stage }}"', 'github_environment: production'));
  const apply = credentialChains(dir).filter((c) => c.job === 'apply');
  assert.is(apply.length, 3);
  for (const chain of apply) {
    assert.equal(chain.claims.map((c) => c.context), ['environment:production']);
    assert.is(simulate(chain.role as StackRole, chain.claims[0].sub), 'ImplicitlyDenied');
  }
});

test('the chain reader reports an identity whose role no stack creates', async () => {
  const dir = tempDir('judge-chain-');
  cpSync(await render('advanced-three-accounts'), dir, { recursive: true });
  const stack = join(dir, 'stacks/orgs/acme/prod.yaml');
  writeFileSync(stack, readFileSync(stack, 'utf8').replace('role/acme-gbl-prod-terraform', 'role/acme-gbl-prod-admin'));
  const broken = credentialChains(dir).filter((c) => c.role === null);
  assert.equal(broken.map((c) => `${c.job} ${c.stack} ${c.roleArn}`), ['apply prod arn:aws:iam::333333333333:role/acme-gbl-prod-admin']);
});

test.after(() => {
  console.log(
    `judges: ${counts.workflowsParsed} workflows parsed by GitHub's parser, ${counts.chainsSimulated} credential chains simulated ` +
      `(${counts.subsAllowed} sub claims allowed), ${counts.denialsChecked} denials checked, ${counts.verdictsMatched} simulator verdicts matched by admits()`,
  );
});

test.run();
