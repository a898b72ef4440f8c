/**
 * init into a repository that already has Atmos configuration: what exists is respected, and
 * what it lacks is named exactly.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GOLDEN_DIR, readTree, runCli, tempDir } from './helpers/run.ts';

const answers = join(GOLDEN_DIR, 'advanced-three-accounts', 'answers.yaml');

test('an existing atmos.yaml gets the keys it lacks added (every line of it kept), its stacks base path is used, and the additions are named', async () => {
  const dir = tempDir('existing-');
  const config = 'base_path: "."\nstacks:\n  base_path: config/stacks\n  included_paths:\n    - "deploy/**/*"\n  name_pattern: "{tenant}-{stage}"\n';
  writeFileSync(join(dir, 'atmos.yaml'), config);
  const result = await runCli(['init', '--yes', '--answers', answers, dir]);
  assert.is(result.code, 0, result.stderr);
  const after = readFileSync(join(dir, 'atmos.yaml'), 'utf8');
  const kept = after.split('\n');
  for (const line of config.split('\n')) assert.ok(kept.includes(line), `kept: ${line}`);
  assert.match(after, /deploy_run_init: true/);
  assert.match(after, /^ci:\n {2}enabled: true$/m);
  const files = [...readTree(dir).keys()];
  assert.ok(files.includes('config/stacks/catalog/github-ci.yaml'), 'the catalog goes where atmos.yaml says stacks live');
  assert.ok(files.includes('config/stacks/orgs/acme/prod.yaml'));
  assert.match(result.stdout, /Added to your atmos\.yaml/);
  assert.match(result.stdout, /stacks\.included_paths: \+ "orgs\/\*\*\/\*"/);
  assert.match(result.stdout, /templates\.settings\.enabled: true/);
  assert.not.match(after, /name_template/, 'a name pattern is there, and each manifest sets its own name');
});

test('an atmos.yaml that has every key gets no advice', async () => {
  const dir = tempDir('existing-ok-');
  writeFileSync(join(dir, 'atmos.yaml'), 'stacks:\n  base_path: stacks\n  included_paths: ["orgs/**/*"]\n  name_template: "{{ .vars.stage }}"\ntemplates:\n  settings:\n    enabled: true\n');
  const result = await runCli(['init', '--yes', '--answers', answers, dir]);
  assert.is(result.code, 0, result.stderr);
  assert.not.match(result.stdout, /left as it is/);
});

test('.gitignore gets .workdir/ appended once, keeping its lines', async () => {
  const dir = tempDir('gitignore-');
  writeFileSync(join(dir, '.gitignore'), 'node_modules\n*.tfstate');
  assert.is((await runCli(['init', '--yes', '--answers', answers, dir])).code, 0);
  const lines = 'node_modules\n*.tfstate\n.workdir/\ncomponents/terraform/github-oidc-provider/iam_roles_override.tf\ncomponents/terraform/iam-role/iam_roles_override.tf\n';
  assert.is(readFileSync(join(dir, '.gitignore'), 'utf8'), lines);
  assert.is((await runCli(['init', '--yes', '--answers', answers, dir])).code, 0);
  assert.is(readFileSync(join(dir, '.gitignore'), 'utf8'), lines, 'not appended twice');
});

test('a hand-written catalog is merged: our components added, its own kept, a differing value is a conflict', async () => {
  const dir = tempDir('catalog-');
  mkdirSync(join(dir, 'stacks/catalog'), { recursive: true });
  const own = 'components:\n  terraform:\n    vpc:\n      vars:\n        cidr_block: 10.0.0.0/16\n';
  writeFileSync(join(dir, 'stacks/catalog/github-ci.yaml'), own);
  const merged = await runCli(['init', '--yes', '--answers', answers, dir]);
  assert.is(merged.code, 0, merged.stderr);
  const catalog = readFileSync(join(dir, 'stacks/catalog/github-ci.yaml'), 'utf8');
  assert.ok(catalog.startsWith(own), 'the existing component and its lines come first, unchanged');
  assert.match(catalog, /\n    iam-role\/terraform:\n/);

  const other = tempDir('catalog-conflict-');
  mkdirSync(join(other, 'stacks/catalog'), { recursive: true });
  const guide = 'components:\n  terraform:\n    iam-role/terraform:\n      vars:\n        trusted_github_repos:\n          - "acme/other-repo"\n        managed_policy_arns:\n          - arn:aws:iam::aws:policy/PowerUserAccess\n';
  writeFileSync(join(other, 'stacks/catalog/github-ci.yaml'), guide);
  const before = readTree(other);
  const conflict = await runCli(['init', '--yes', '--answers', answers, other]);
  assert.is(conflict.code, 1);
  assert.match(conflict.stdout, /conflict\s+stacks\/catalog\/github-ci\.yaml\s+\(both your edit and the new answers change components\.terraform\.iam-role\/terraform\.vars\.managed_policy_arns/);
  assert.equal(readTree(other), before, 'nothing written');
});

test('init never leaves a tree its own check rejects: an atmos.yaml without templates.settings gets it, and check then exits 0', async () => {
  const dir = tempDir('existing-check-');
  writeFileSync(join(dir, 'atmos.yaml'), '# ours\nstacks:\n  base_path: stacks\n  included_paths:\n    - "orgs/**/*"\n  name_pattern: "{stage}"\n');
  const init = await runCli(['init', '--yes', '--answers', answers, dir]);
  assert.is(init.code, 0, init.stderr);
  assert.match(readFileSync(join(dir, 'atmos.yaml'), 'utf8'), /^# ours\n/);
  const check = await runCli(['check', dir]);
  assert.is(check.code, 0, check.stdout + check.stderr);
  assert.not.match(check.stdout, /templates-disabled/);
});

const REFUSED: Array<[string, string, RegExp]> = [
  ['templates.settings.enabled: false', 'templates:\n  settings:\n    enabled: false\n', /atmos\.yaml: templates\.settings\.enabled: false is not allowed; expected true: .* set "templates\.settings\.enabled: true" and run again/],
  ['deploy_run_init: false', 'components:\n  terraform:\n    deploy_run_init: false\n', /atmos\.yaml: components\.terraform\.deploy_run_init: false is not allowed; expected true: .*shouldRunTerraformInit/],
  ['ci.enabled: false', 'ci:\n  enabled: false\n', /atmos\.yaml: ci\.enabled: false is not allowed; expected true/],
];

for (const [what, config, message] of REFUSED) {
  test(`an atmos.yaml that sets ${what} is not overwritten: exit 2 with the exact change to make, nothing written`, async () => {
    const dir = tempDir('existing-refused-');
    writeFileSync(join(dir, 'atmos.yaml'), config);
    const result = await runCli(['init', '--yes', '--answers', answers, dir]);
    assert.is(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stderr, message);
    assert.equal([...readTree(dir).keys()], ['atmos.yaml']);
    assert.is(readFileSync(join(dir, 'atmos.yaml'), 'utf8'), config);
  });
}

const UNADDABLE: Array<[string, string, RegExp]> = [
  [
    'its components in a flow map',
    'base_path: "."\nstacks: {base_path: stacks, included_paths: ["orgs/**/*"], name_pattern: "{stage}"}\ncomponents: {terraform: {base_path: components/terraform}}\n',
    /^error: atmos\.yaml: "components\.terraform" is not allowed; cannot add components\.terraform\.deploy_run_init: components\.terraform is not a block map; add these keys to atmos\.yaml by hand and run again:\nerror: components:\nerror: {3}terraform:\nerror: {5}deploy_run_init: true$/m,
  ],
  [
    'stacks in an anchored map another key refers to',
    'base_path: "."\nstacks: &s\n  base_path: stacks\n  included_paths: ["orgs/**/*"]\n  name_pattern: "{stage}"\nspare: *s\n',
    /^error: atmos\.yaml: "\(document\)" is not allowed; adding keys as text would change values the file already holds \(such as an anchored map another key refers to\); add these keys to atmos\.yaml by hand/m,
  ],
];

for (const [what, config, message] of UNADDABLE) {
  test(`an atmos.yaml with ${what}: exit 2 naming the keys to add by hand, nothing written`, async () => {
    const dir = tempDir('existing-unaddable-');
    writeFileSync(join(dir, 'atmos.yaml'), config);
    const result = await runCli(['init', '--yes', '--answers', answers, dir]);
    assert.is(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stderr, message);
    assert.not.match(result.stderr, /bug in create-atmos-oidc|\n\s+at /);
    assert.equal([...readTree(dir).keys()], ['atmos.yaml']);
    assert.is(readFileSync(join(dir, 'atmos.yaml'), 'utf8'), config);
  });
}

test.run();
