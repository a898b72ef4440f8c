/**
 * Every golden case's generated files, judged by tools written by others: GitHub's workflow parser,
 * the SchemaStore workflow schema, Atmos's own schemas, our security rules, and AWS's policy logic
 * (the IAM simulator) applied to every credential chain the repository sets up.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
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
import { assertChains, counts, simulate } from './helpers/simulate.ts';

const rendered = new Map<string, Promise<string>>();
/** Each golden case rendered once into a fresh directory, shared by the judges below. */
function render(name: string): Promise<string> {
  if (!rendered.has(name)) rendered.set(name, renderGolden(name));
  return rendered.get(name) as Promise<string>;
}

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
    assertChains(await render(name));
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
  // The apply job and the smoke test's job in the same environment both use that identity.
  assert.equal(broken.map((c) => `${c.job} ${c.stack} ${c.roleArn}`).sort(), ['apply prod arn:aws:iam::333333333333:role/acme-gbl-prod-admin', 'test-apply prod arn:aws:iam::333333333333:role/acme-gbl-prod-admin']);
});

test.after(() => {
  console.log(
    `judges: ${counts.workflowsParsed} workflows parsed by GitHub's parser, ${counts.chainsSimulated} credential chains simulated ` +
      `(${counts.subsAllowed} sub claims allowed), ${counts.denialsChecked} denials checked, ${counts.verdictsMatched} simulator verdicts matched by admits()`,
  );
});

test.run();
