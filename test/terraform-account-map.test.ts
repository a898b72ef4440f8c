/**
 * The account-map fix, with real Terraform (offline: local modules only). Both components'
 * providers.tf load `../account-map/modules/iam-roles` (aws-iam-role v1.537.0 and
 * aws-github-oidc-provider v1.535.1, src/providers.tf), which does not exist in an Atmos work
 * directory. For each work-directory layout (v1.215.0 nests an instance "iam-role/terraform" one
 * level deeper, pkg/provisioner/workdir/types.go BuildPath; later versions flatten it) this stages
 * a replica of that block, the files Atmos writes there from our generate: section (the map
 * serialised to HCL, pkg/terraform/generate/file_generator.go serializeToHCL, with `!exec` resolved
 * to the repository root as pkg/utils/yaml_func_exec.go does), and the stub module, then runs
 * `terraform get`. Without our override the same tree must fail.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { readTree, renderGolden, tempDir } from './helpers/run.ts';

const terraform = spawnSync('terraform', ['version'], { encoding: 'utf8' });
const HAVE_TERRAFORM = terraform.status === 0;
if (!HAVE_TERRAFORM) console.log('  terraform-account-map: skipped, the terraform binary is not installed (apt or /usr/local/bin/terraform)');

/** The providers.tf blocks of both components, replicated from their facts (inputs and outputs each reads). */
const PROVIDERS: Record<string, string> = {
  'iam-role': `provider "aws" {
  region  = "us-east-2"
  profile = module.iam_roles.terraform_profile_name
  dynamic "assume_role" {
    for_each = compact([module.iam_roles.terraform_role_arn])
    content {
      role_arn = assume_role.value
    }
  }
}

module "iam_roles" {
  source  = "../account-map/modules/iam-roles"
  context = {}
}

output "role" {
  value = module.iam_roles.terraform_role_arn
}
`,
  'github-oidc-provider': `variable "superadmin" {
  type    = bool
  default = false
}

provider "aws" {
  region  = "us-east-2"
  profile = !var.superadmin && module.iam_roles.profiles_enabled ? module.iam_roles.terraform_profile_name : null
  dynamic "assume_role" {
    for_each = !var.superadmin && module.iam_roles.profiles_enabled ? [] : (
      var.superadmin ? compact([module.iam_roles.org_role_arn]) : compact([module.iam_roles.terraform_role_arn])
    )
    content {
      role_arn = assume_role.value
    }
  }
}

module "iam_roles" {
  source     = "../account-map/modules/iam-roles"
  privileged = var.superadmin
  context    = {}
}
`,
};

const LAYOUTS = {
  'nested (v1.215.0: .workdir/terraform/dev-iam-role/terraform)': (instance: string) => `.workdir/terraform/dev-${instance}`,
  'flat (later: .workdir/terraform/dev-iam-role-terraform)': (instance: string) => `.workdir/terraform/dev-${instance.replaceAll('/', '-')}`,
};

/** What Atmos writes for `module: {iam_roles: {source: X}}` into a .tf file (hclwrite output). */
function overrideHcl(source: string): string {
  return `module "iam_roles" {\n  source = ${JSON.stringify(source)}\n}\n`;
}

function get(dir: string): { code: number; output: string } {
  const run = spawnSync('terraform', ['get'], { cwd: dir, encoding: 'utf8', env: { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' } });
  return { code: run.status ?? 1, output: `${run.stdout}${run.stderr}` };
}

for (const [layout, workdirOf] of Object.entries(LAYOUTS)) {
  for (const [instance, base] of [['iam-role/terraform', 'iam-role'], ['github-oidc-provider', 'github-oidc-provider']] as const) {
    test(`terraform get: ${instance} in the ${layout} layout resolves module "iam_roles" with the generated files, and fails without them`, async () => {
      if (!HAVE_TERRAFORM) return;
      const generated = readTree(await renderGolden('advanced-three-accounts'));
      const repo = tempDir('tf-account-map-');
      for (const [path, text] of generated) {
        mkdirSync(join(repo, path, '..'), { recursive: true });
        writeFileSync(join(repo, path), text);
      }
      execFileSync('git', ['init', '-q', repo]);
      const catalog = parse(generated.get('stacks/catalog/github-ci.yaml') ?? '', {
        version: '1.2',
        customTags: [{ tag: '!exec', resolve: (command: string) => ({ command }) }],
      });
      const section = catalog.components.terraform[instance].generate as Record<string, { module: { iam_roles: { source: { command: string } } } }>;
      assert.equal(Object.keys(section), ['iam_roles_override.tf']);
      // `!exec` runs through Atmos's shell from the repository: run the same command with sh here.
      const command = section['iam_roles_override.tf'].module.iam_roles.source.command;
      const source = execFileSync('sh', ['-c', command], { cwd: repo, encoding: 'utf8' }).replace(/\n+$/, '');

      const workdir = join(repo, workdirOf(instance));
      mkdirSync(workdir, { recursive: true });
      writeFileSync(join(workdir, 'providers.tf'), PROVIDERS[base]);
      const without = get(workdir);
      assert.is.not(without.code, 0, 'without the override, init cannot read ../account-map');
      assert.match(without.output, /Unreadable module directory|Module not found|does not exist/);

      writeFileSync(join(workdir, 'iam_roles_override.tf'), overrideHcl(source));
      const withIt = get(workdir);
      assert.is(withIt.code, 0, withIt.output);
      const modules = JSON.parse(readFileSync(join(workdir, '.terraform/modules/modules.json'), 'utf8')) as { Modules: Array<{ Key: string; Source: string }> };
      assert.ok(modules.Modules.some((m) => m.Key === 'iam_roles' && m.Source.endsWith('/components/terraform/iam-roles-stub')), JSON.stringify(modules));
      // The stub gives each output the components read (validate needs no provider download for this check).
      const stub = readFileSync(join(repo, 'components/terraform/iam-roles-stub/main.tf'), 'utf8');
      for (const name of ['terraform_role_arn', 'terraform_profile_name', 'org_role_arn', 'profiles_enabled']) assert.match(stub, new RegExp(`output "${name}"`));
      for (const name of ['context', 'privileged']) assert.match(stub, new RegExp(`variable "${name}"`));
    });
  }
}

test.run();
