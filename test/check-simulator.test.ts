/**
 * `check`'s verdicts against AWS's policy logic as others wrote it: for every chain `check` reports
 * on the golden repositories (and on each golden role for tokens no job sends: a pull request, any
 * branch, another repository), the IAM policy simulator evaluates the trust policy the component
 * creates with the same `sub` and audience, and the two must agree, case by case.
 *
 * The simulator is run with `runUnsafeSimulation` on a policy wrapped by `createValidatedPolicy`:
 * the validating `runSimulation` drops the `token.actions.githubusercontent.com` keys and denies
 * everything, which would make every denial agree for the wrong reason.
 */
import { join } from 'node:path';
import { createValidatedPolicy, validateTrustPolicy } from '@cloud-copilot/iam-policy';
import { runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRepository, diskRepo, explainRole, type Chain } from '../src/check/index.ts';
import { AUDIENCE, subClaim, TOKEN_HOST, trustPolicyDocument } from '../src/setup/trust.ts';
import { GOLDEN_DIR, goldenCases } from './helpers/run.ts';

const tally = { chains: 0, probes: 0, allowed: 0, denied: 0 };

function simulate(providerArn: string, patterns: string[], roleArn: string, account: string, sub: string, aud = AUDIENCE): string {
  const policy = createValidatedPolicy(trustPolicyDocument(providerArn, patterns), validateTrustPolicy, { name: roleArn });
  assert.equal(policy.errors, [], `the trust policy of ${roleArn} is valid IAM`);
  return runUnsafeSimulation(
    {
      request: {
        principal: providerArn,
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: { resource: roleArn, accountId: account },
        contextVariables: { [`${TOKEN_HOST}:sub`]: sub, [`${TOKEN_HOST}:aud`]: aud },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policy,
    },
    {},
  );
}

function compare(chain: Chain): void {
  assert.ok(chain.providerArn && chain.roleArn && chain.account && chain.sub, `chain ${chain.workflow}/${chain.job} ${chain.stack} is fully resolved`);
  const verdict = simulate(chain.providerArn!, chain.patterns, chain.roleArn!, chain.account!, chain.sub!, chain.audience);
  const label = `${chain.workflow} job ${chain.job} ${chain.stack ?? chain.variant ?? ''}: ${chain.sub} → ${chain.roleArn}`;
  assert.is(chain.trust === 'admits', verdict === 'Allowed', `check (${chain.trust}) and the simulator (${verdict}) agree on ${label}`);
  if (chain.verdict === 'allowed') assert.is(verdict, 'Allowed', `an allowed chain is allowed by AWS: ${label}`);
  tally.chains++;
  if (verdict === 'Allowed') tally.allowed++;
  else tally.denied++;
}

for (const name of goldenCases()) {
  test(`${name}: every chain check reports agrees with the IAM simulator`, () => {
    const result = checkRepository(diskRepo(join(GOLDEN_DIR, name, 'expected')));
    assert.is(result.errors, 0, 'a generated repository has no error');
    assert.ok(result.chains.length >= 5, `${result.chains.length} chains`);
    for (const chain of result.chains) {
      assert.is.not(chain.verdict, 'unknown', `${chain.workflow}/${chain.job} ${chain.stack ?? ''} is proved or refuted, not unknown`);
      compare(chain);
      assert.is(chain.verdict, 'allowed', `${chain.workflow}/${chain.job} ${chain.stack ?? chain.variant ?? ''} holds`);
    }
  });

  test(`${name}: tokens no job sends get the simulator's verdict too`, () => {
    const result = checkRepository(diskRepo(join(GOLDEN_DIR, name, 'expected')));
    const repo = result.subject.subjectRepository;
    const [owner] = result.subject.repository.split('/');
    const probes = [
      subClaim(repo, { pullRequest: true }),
      subClaim(repo, { ref: 'refs/heads/feature/x' }),
      subClaim(repo, { ref: `refs/heads/main` }),
      subClaim(repo, { environment: 'production' }),
      subClaim(repo, { environment: 'Production' }),
      subClaim(`${owner}/other-repo`, { ref: 'refs/heads/main' }),
      subClaim(result.subject.repository === repo ? `${result.subject.repository}-fork` : result.subject.repository, { environment: 'dev' }),
    ];
    for (const role of new Set(result.roles.map((r) => r.component.name))) {
      for (const explained of explainRole(result, role)) {
        if (!explained.policy) continue;
        for (const sub of probes) {
          const verdict = simulate(explained.providerArn!, explained.patterns!, explained.roleArn!, explained.account!, sub);
          const ours = explained.patterns!.some((p) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\/]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(sub));
          assert.is(ours, verdict === 'Allowed', `${explained.component} in ${explained.stack}: ${sub} (simulator ${verdict})`);
          tally.probes++;
        }
        // A wrong audience is refused by both.
        assert.is(simulate(explained.providerArn!, explained.patterns!, explained.roleArn!, explained.account!, subClaim(repo, { environment: 'dev' }), 'sts.us-east-1.amazonaws.com'), 'ImplicitlyDenied');
      }
    }
  });
}

test('the advanced admin role is reached only by jobs inside its environment (apply, and the smoke test\'s test-apply), and the simulator agrees', () => {
  const result = checkRepository(diskRepo(join(GOLDEN_DIR, 'advanced-three-accounts', 'expected')));
  const admin = result.chains.filter((c) => c.roleArn?.endsWith('-terraform'));
  assert.ok(admin.length >= 3);
  for (const c of admin) {
    assert.ok(c.job === 'apply' || (c.job === 'test-apply' && c.workflow.endsWith('test-oidc.yaml')), `${c.workflow} ${c.job}`);
    assert.ok(c.context?.startsWith('environment:'));
  }
  assert.ok(admin.some((c) => c.job === 'apply'), 'the apply job reaches it');
  // The admin trust of each stack refuses the plan job's sub: broken if a plan job were pointed at it.
  for (const e of explainRole(result, 'iam-role/terraform')) {
    assert.is(simulate(e.providerArn!, e.patterns!, e.roleArn!, e.account!, subClaim(result.subject.subjectRepository, { ref: 'refs/heads/main' })), 'ImplicitlyDenied');
    assert.is(simulate(e.providerArn!, e.patterns!, e.roleArn!, e.account!, subClaim(result.subject.subjectRepository, { pullRequest: true })), 'ImplicitlyDenied');
  }
});

test('summary', () => {
  assert.ok(tally.chains >= 40, `${tally.chains} chains compared`);
  console.log(`check vs IAM simulator: ${tally.chains} chain verdicts agreed (${tally.allowed} allowed, ${tally.denied} denied), ${tally.probes} probe tokens agreed`);
});

test.run();
