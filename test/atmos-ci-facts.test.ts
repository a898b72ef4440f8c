/**
 * domain.md section 8, one row per fact: what real Atmos (v1.215.0) needs for the generated CI to
 * run, checked against the tree of every golden scenario. Each row names the Atmos source file
 * (github.com/cloudposse/atmos at tag v1.215.0) it was read in.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GOLDEN_DIR, goldenCases, readTree, renderGolden } from './helpers/run.ts';

type Tree = Map<string, string>;
type Obj = Record<string, any>;

const yaml = (text: string | undefined): Obj => (text ? (parse(text, { version: '1.2', logLevel: 'silent', customTags: [{ tag: '!exec', resolve: (s: string) => `!exec ${s}` }] }) as Obj) : {});
const config = (tree: Tree): Obj => yaml(tree.get('atmos.yaml'));
const stacks = (tree: Tree): Array<[string, Obj]> => [...tree].filter(([p]) => /stacks\/orgs\/.*\/(?!_defaults)[^/]+\.yaml$/.test(p)).map(([p, t]) => [p, yaml(t)]);
const catalog = (tree: Tree): Obj => yaml(tree.get('stacks/catalog/github-ci.yaml'));
const answers = (tree: Tree): Obj => yaml(tree.get('.atmos-oidc.yaml'));

interface Fact {
  fact: string;
  source: string;
  holds: (tree: Tree) => void;
}

const FACTS: Fact[] = [
  {
    fact: '`atmos terraform deploy` runs `terraform init` first only with components.terraform.deploy_run_init: true (the default applies only when no atmos.yaml exists)',
    source: 'internal/exec/terraform_execute_helpers.go (shouldRunTerraformInit); pkg/config/default.go; pkg/config/load.go',
    holds: (t) => assert.is(config(t).components?.terraform?.deploy_run_init, true),
  },
  {
    fact: '`describe affected` finds its base commit from the CI environment only with ci.enabled: true',
    source: 'internal/exec/describe_affected.go (resolveBaseFromCI when CLIConfig.CI.Enabled)',
    holds: (t) => assert.is(config(t).ci?.enabled, true),
  },
  {
    fact: '--upload-status plans exit 2 on changes; 2 is mapped to success only with ci.enabled: true (drift detection)',
    source: 'internal/exec/ci_exit_codes.go (mapCIExitCode)',
    holds: (t) => assert.is(config(t).ci?.enabled, true),
  },
  {
    fact: 'state: terraform.backend_type and a backend section reach every generated stack, and auto_generate_backend_file: true writes them',
    source: 'internal/exec/terraform_utils.go (AutoGenerateBackendFile); internal/exec/terraform_execute_helpers.go (generateConfigFiles)',
    holds: (t) => {
      assert.is(config(t).components?.terraform?.auto_generate_backend_file, true);
      const backend = answers(t).backend;
      assert.ok(backend, 'the answers name a backend');
      for (const [path, stack] of stacks(t)) {
        const imports: string[] = stack.import ?? [];
        const backendFile = [...t.keys()].find((p) => imports.some((i) => p.endsWith(`${i}.yaml`)) && yaml(t.get(p)).terraform?.backend_type);
        assert.ok(backendFile, `${path} imports a file that sets terraform.backend_type`);
        const type = yaml(t.get(backendFile)).terraform.backend_type;
        assert.is(type, backend.type === 'existing' ? type : backend.type, `${path}: backend ${type}`);
      }
    },
  },
  {
    fact: 'local state only when chosen, and then said loudly in the file',
    source: 'internal/exec/terraform_utils.go (the backend file is whatever the stacks say)',
    holds: (t) => {
      for (const [p, text] of t) if (/_defaults\.yaml$/.test(p) && /backend_type: local/.test(text)) assert.match(text, /NOT kept between CI runs/);
      if (answers(t).backend?.type !== 'local') for (const [p, text] of t) if (p.startsWith('stacks/')) assert.not.match(text, /backend_type: local/, p);
    },
  },
  {
    fact: 'components.terraform.init_run_reconfigure: true (init -reconfigure, as Cloud Posse\'s examples set)',
    source: 'internal/exec/terraform_execute_helpers.go (buildInitArgs)',
    holds: (t) => assert.is(config(t).components?.terraform?.init_run_reconfigure, true),
  },
  {
    fact: 'name: in a stack manifest wins over stacks.name_template, so `-s <stage>` names the generated stacks',
    source: 'internal/exec/stack_utils.go',
    holds: (t) => {
      for (const [path, stack] of stacks(t)) assert.is(stack.name, stack.vars?.stage, path);
    },
  },
  {
    fact: 'generate: files are written into the work directory (the working dir a provisioner set) before init, only with auto_generate_files: true; names are joined to that directory and no sub-directory is created',
    source: 'pkg/terraform/generate/generate.go (GenerateFilesForComponent); pkg/terraform/generate/file_generator.go (GenerateFiles); internal/exec/terraform_execute_helpers_exec.go (generateConfigFiles before executeTerraformInitPhase); internal/exec/path_utils.go',
    holds: (t) => {
      assert.is(config(t).components?.terraform?.auto_generate_files, true);
      const components: Obj = catalog(t).components?.terraform ?? {};
      for (const [name, component] of Object.entries(components)) {
        const files = Object.keys(component.generate ?? {});
        assert.equal(files, ['iam_roles_override.tf'], `${name} generates the override`);
        for (const f of files) assert.not.ok(f.includes('/'), `${name}: ${f} stays in the work directory root`);
        const source: string = component.generate['iam_roles_override.tf'].module.iam_roles.source;
        assert.match(source, /^!exec echo "\$\(git rev-parse --show-toplevel\)\/components\/terraform\/iam-roles-stub"$/, `${name}: an absolute path, the same at every work-directory depth`);
      }
      assert.ok(t.has('components/terraform/iam-roles-stub/main.tf'), 'the stub module is in the repository');
    },
  },
  {
    fact: 'the work directory is <base>/.workdir/terraform/<stack>-<instance> (a "/" in the instance nests one level at v1.215.0), and is not committed',
    source: 'pkg/provisioner/workdir/types.go (BuildPath); pkg/provisioner/source/provision_hook.go',
    holds: (t) => assert.match(t.get('.gitignore') ?? '', /^\.workdir\/$/m),
  },
  {
    fact: 'Atmos Pro inputs are Go templates Atmos renders only with templates.settings.enabled: true',
    source: 'internal/exec/describe_stacks (template processing of settings.pro); domain.md section 6',
    holds: (t) => {
      if (answers(t).atmos_pro) assert.is(config(t).templates?.settings?.enabled, true);
    },
  },
  {
    fact: 'the backend role and the roles\' state statement are one answer',
    source: 'aws-iam-role src/main.tf (policy_statements); Terraform S3 backend assume_role',
    holds: (t) => {
      const a = answers(t);
      const role = a.backend?.role_arn ?? a.tfstate_role_arn ?? null;
      const defaults = [...t].find(([p]) => /orgs\/[^/]+\/_defaults\.yaml$/.test(p) && a.backend?.type === 's3');
      if (defaults) assert.is(yaml(defaults[1]).terraform.backend.s3.assume_role?.role_arn ?? null, role);
      for (const [name, component] of Object.entries<Obj>(catalog(t).components?.terraform ?? {})) {
        if (!name.startsWith('iam-role/')) continue;
        assert.equal(component.vars.policy_statements?.TerraformStateBackendAssumeRole?.resources ?? null, role === null ? null : [role], name);
      }
    },
  },
];

const trees = new Map<string, Tree>();
for (const name of goldenCases()) {
  for (const { fact, source, holds } of FACTS) {
    test(`${name}: ${fact} [${source}]`, async () => {
      if (!trees.has(name)) trees.set(name, readTree(await renderGolden(name)));
      holds(trees.get(name) as Tree);
    });
  }
}

test('no generated comment or message shows a raw {stage}', async () => {
  for (const name of goldenCases()) {
    if (!trees.has(name)) trees.set(name, readTree(await renderGolden(name)));
    for (const [path, text] of trees.get(name) as Tree) {
      if (path === '.atmos-oidc.yaml') continue; // the answer itself, as the user wrote it
      if (existsSync(join(GOLDEN_DIR, name, 'before', path))) continue; // the user's own file (name_pattern: "{stage}")
      assert.not.ok(text.includes('{stage}'), `${name}/${path}`);
    }
  }
});

test.run();
