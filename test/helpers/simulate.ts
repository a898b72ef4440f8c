/**
 * The IAM simulator's verdicts on every credential chain of a generated repository, shared by the
 * golden judges and the day-two scenarios: the job's own token is allowed, every near miss denied.
 */
import { createValidatedPolicy, validateTrustPolicy } from '@cloud-copilot/iam-policy';
import { runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import * as assert from 'uvu/assert';
import { admits, AUDIENCE, TOKEN_HOST, trustPolicyDocument } from '../../src/setup/trust.ts';
import { credentialChains, setupOf, stackRoles, type StackRole } from './judges.ts';

export const counts = { workflowsParsed: 0, chainsSimulated: 0, subsAllowed: 0, denialsChecked: 0, verdictsMatched: 0 };

/** What AWS decides for AssumeRoleWithWebIdentity on `role` with this token. */
export function simulate(role: StackRole, sub: string, token: { aud?: string; provider?: string } = {}): string {
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
export function verdictFor(role: StackRole, sub: string): string {
  const verdict = simulate(role, sub);
  const ours = admits(role.patterns, sub) !== null;
  assert.is(ours, verdict === 'Allowed', `admits() and the IAM simulator agree on ${sub} for ${role.arn} (simulator: ${verdict})`);
  counts.verdictsMatched++;
  return verdict;
}

export function expectDenied(role: StackRole, sub: string, why: string): void {
  assert.is(verdictFor(role, sub), 'ImplicitlyDenied', `${role.arn} must not admit ${sub} (${why})`);
  counts.denialsChecked++;
}

/** `owner[@id]/repo[@id]` → another repository of the same owner. */
export function otherRepository(subject: string): string {
  const [owner, repo] = subject.split('/');
  const [name, id] = repo.split('@');
  return `${owner}/${name}-other${id ? `@${Number(id) + 1}` : ''}`;
}

/** `owner[@id]/repo[@id]` → the same, with every letter of the owner's name in the other case. */
export function ownerCaseChanged(subject: string): string {
  const slash = subject.indexOf('/');
  const owner = [...subject.slice(0, slash)].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
  return owner + subject.slice(slash);
}

const accountOfArn = (arn: string): string => arn.split(':')[4];

/**
 * For every account and every job that obtains credentials: AWS admits the job's `sub` to the role
 * its identity names, and refuses another repository, the owner in another case, another audience
 * and another account's provider; in advanced, the admin role refuses pull requests and branches.
 */
export function assertChains(dir: string): void {
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
}
