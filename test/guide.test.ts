/**
 * The guide-basic golden case against the guide's own listings (test/fixtures/guide/, transcribed from
 * ../shared/seed/atmos-pro-aws-github-oidc-guide.txt), key for key and in both directions: every key of
 * a listing must keep its value in our output, and every key we add must be one we mean to add.
 * Catalog components are compared as Atmos resolves them for stack "dev" (catalog deep-merged with the
 * stack), since we put each account's ARNs into its stack rather than into the catalog.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadStacks, parseYaml, resolveComponent } from './helpers/judges.ts';
import { renderGolden, ROOT } from './helpers/run.ts';

type Obj = Record<string, unknown>;
const isMap = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

interface Difference {
  /** `changed`: a key of the listing is missing or has another value; `added`: a key only we have. */
  kind: 'changed' | 'added';
  path: string;
  guide?: unknown;
  ours?: unknown;
}

/** Steps are matched by name, or by action for unnamed steps, and must keep the listing's order. */
const stepKey = (step: Obj): string => String(step.name ?? String(step.uses ?? '').split('@')[0]);

function compare(guide: unknown, ours: unknown, path: string, out: Difference[]): void {
  if (isMap(guide) && isMap(ours)) {
    for (const [key, value] of Object.entries(guide))
      if (key in ours) compare(value, ours[key], `${path}.${key}`, out);
      else out.push({ kind: 'changed', path: `${path}.${key}`, guide: value });
    for (const [key, value] of Object.entries(ours)) if (!(key in guide)) out.push({ kind: 'added', path: `${path}.${key}`, ours: value });
    return;
  }
  if (path.endsWith('.steps') && Array.isArray(guide) && Array.isArray(ours)) {
    const ourKeys = ours.map((s) => stepKey(s as Obj));
    let last = -1;
    for (const step of guide as Obj[]) {
      const index = ourKeys.indexOf(stepKey(step));
      if (index === -1) out.push({ kind: 'changed', path: `${path}[${stepKey(step)}]`, guide: step });
      else {
        if (index < last) out.push({ kind: 'changed', path: `${path}[${stepKey(step)}] (order)`, guide: 'after the previous step', ours: 'before it' });
        last = index;
        compare(step, ours[index], `${path}[${stepKey(step)}]`, out);
      }
    }
    const guideKeys = (guide as Obj[]).map(stepKey);
    ourKeys.forEach((key, i) => guideKeys.includes(key) || out.push({ kind: 'added', path: `${path}[${key}]`, ours: ours[i] }));
    return;
  }
  if (Array.isArray(guide) && Array.isArray(ours) && guide.length === ours.length && guide.some(isMap)) {
    guide.forEach((item, i) => compare(item, ours[i], `${path}[${i}]`, out));
    return;
  }
  if (!same(guide, ours)) out.push({ kind: 'changed', path, guide, ours });
}

/**
 * A script sees the workflow's and the job's `env:` as its own: move them into each `run:` step, on
 * both sides, so where a variable is declared does not count as a difference but its value does.
 */
function envIntoScripts(workflow: unknown): Obj {
  const doc = structuredClone(workflow) as Obj;
  for (const job of Object.values(doc.jobs as Record<string, Obj>)) {
    const inherited = { ...(doc.env as Obj), ...(job.env as Obj) };
    for (const step of (job.steps ?? []) as Obj[])
      if (typeof step.run === 'string' && Object.keys(inherited).length) step.env = { ...inherited, ...(step.env as Obj) };
    delete job.env;
  }
  delete doc.env;
  return doc;
}

const fixture = (name: string): Obj => parseYaml(readFileSync(join(ROOT, 'test', 'fixtures', 'guide', name), 'utf8'), name) as Obj;

/** A changed key we mean: why, and what must hold of our value instead. */
interface Change {
  why: string;
  holds: (ours: unknown, guide: unknown, ourDoc: Obj) => boolean;
}

interface Listing {
  fixture: string;
  /** Our side: a file of the golden output, or a catalog component resolved for stack "dev". */
  ours: { file: string } | { component: string };
  changes: Record<string, Change>;
  /** Keys only we have, each with the reason. A listed path also covers everything beneath it. */
  additions: Record<string, string>;
}

const STACK_CONTEXT = {
  '.vars.namespace': 'the label context comes from the stack (namespace, environment, stage, region), which the guide leaves to the reader',
  '.vars.environment': 'environment gbl, so roles are named <namespace>-gbl-<stage>-<name> as the guide\'s ARNs are',
  '.vars.stage': 'the stack\'s stage',
  '.vars.region': 'the component\'s required region input, set once per stack',
  '.settings': 'the Atmos Pro dispatch settings (settings.pro) from the mixin every stack imports; Atmos merges them into each component',
  '.generate':
    'iam_roles_override.tf, which Atmos writes into the work directory before init (auto_generate_files): the guide\'s component fails terraform init there on ../account-map/modules/iam-roles (reference/domain.md section 4; test/terraform-account-map.test.ts)',
};

const LISTINGS: Listing[] = [
  {
    fixture: 'catalog-github-oidc-provider.yaml',
    ours: { component: 'github-oidc-provider' },
    changes: {},
    additions: { ...STACK_CONTEXT, '.metadata': 'resolved configuration always carries the component metadata (empty here)' },
  },
  {
    fixture: 'catalog-iam-role-terraform.yaml',
    ours: { component: 'iam-role/terraform' },
    changes: {
      '.vars.role_description': {
        why: 'the description names the identity the role backs, so each role of a multi-role setup says what it is for; the guide\'s second sentence is kept',
        holds: (ours) => typeof ours === 'string' && ours.includes('(acme/admin)') && ours.includes('Trusts the GitHub OIDC provider for keyless authentication.'),
      },
    },
    additions: STACK_CONTEXT,
  },
  {
    fixture: 'profile-github.yaml',
    ours: { file: 'profiles/github/atmos.yaml' },
    changes: {},
    additions: {},
  },
  {
    fixture: 'test-oidc.yaml',
    ours: { file: '.github/workflows/test-oidc.yaml' },
    changes: {
      '.jobs.test.steps[Configure AWS Credentials]': {
        why: 'issue 10: the smoke test goes through what CI uses (the Atmos profile, its identity and each stack\'s role) instead of a role ARN given to configure-aws-credentials; the guide\'s ARN is one of the matrix entries',
        holds: (ours, guide, doc) =>
          ours === undefined &&
          ((doc.jobs as Obj).test as { strategy: { matrix: { include: Obj[] } } }).strategy.matrix.include.some((entry) => entry.role === (guide as Obj).with['role-to-assume']),
      },
      '.jobs.test.steps[Verify Identity]': {
        why: 'the Atmos container has no aws CLI: a read-only atmos terraform plan with that identity proves the role answered, and the step summary names it',
        holds: (ours, _guide, doc) => ours === undefined && JSON.stringify((doc.jobs as Obj).test).includes('atmos terraform plan'),
      },
    },
    additions: {
      '.jobs.test.name': 'names each matrix run after its identity and stage',
      '.jobs.test.strategy': 'the matrix of accounts (stage and role ARN), every account tested even when one fails',
      '.jobs.test.container': 'the Atmos image the plan and apply jobs use',
      '.jobs.test.defaults': 'bash, as in the other Atmos jobs',
      '.jobs.test.steps[actions/checkout]': 'Atmos reads the stacks and profile from the repository',
      '.jobs.test.steps[Mark the workspace as a safe git directory]': 'git refuses a workspace owned by another user inside the container',
      '.jobs.test.steps[Plan through the profile and identity the plan jobs use]': 'the plan, with the profile, identity, backend and work directory of the plan jobs',
    },
  },
  {
    fixture: 'atmos-terraform-plan.yaml',
    ours: { file: '.github/workflows/atmos-terraform-plan.yaml' },
    changes: {
      '.jobs.plan.steps[Terraform Plan].run': {
        why: 'Atmos Pro dispatches drift detection with upload=true, and then the plan uploads its status (--upload-status); otherwise it is the guide\'s command',
        holds: (ours, guide) => {
          const command = String(guide).trim().replace(/\$\{(\w+)\}/g, '$$$1');
          const lines = String(ours).split('\n').map((l) => l.trim());
          return lines.includes(command) && lines.includes(`${command} --upload-status`);
        },
      },
    },
    additions: {
      '.on.workflow_dispatch.inputs.atmos_pro_run_id': 'input Atmos Pro passes when it dispatches (reference/domain.md section 6)',
      '.on.workflow_dispatch.inputs.sha': 'the commit Atmos Pro asks to plan',
      '.on.workflow_dispatch.inputs.upload': 'drift detection asks for the status upload',
      '.permissions.checks': 'the status upload writes check runs',
      '.permissions.statuses': 'the status upload writes commit statuses',
      '.jobs.plan.steps[actions/checkout].with': 'checks out the commit Atmos Pro asks for (inputs.sha, else the dispatch commit)',
      '.jobs.plan.steps[Mark the workspace as a safe git directory]': 'git refuses a workspace owned by another user inside the container',
      '.jobs.plan.steps[Terraform Plan].env.ATMOS_PRO_WORKSPACE_ID': 'the Atmos Pro workspace, a repository variable',
      '.jobs.plan.steps[Terraform Plan].env.GITHUB_TOKEN': 'Atmos Pro uploads authenticate with the workflow token',
      '.jobs.plan.steps[Terraform Plan].env.UPLOAD': 'the upload input reaches the script through env, never through ${{ }} in run:',
    },
  },
];

let rendered: Promise<string> | null = null;
const guideBasic = (): Promise<string> => (rendered ??= renderGolden('guide-basic'));

function ourSide(root: string, listing: Listing): { data: Obj; doc: Obj } {
  if ('file' in listing.ours) {
    const doc = parseYaml(readFileSync(join(root, listing.ours.file), 'utf8'), listing.ours.file) as Obj;
    return { data: listing.ours.file.startsWith('.github/') ? envIntoScripts(doc) : doc, doc };
  }
  const dev = loadStacks(root).find((s) => s.name === 'dev');
  if (!dev) throw new Error('guide-basic has no stack named dev');
  const resolved = resolveComponent(dev, listing.ours.component);
  return { data: resolved, doc: resolved };
}

function guideSide(listing: Listing): Obj {
  const data = fixture(listing.fixture);
  if ('file' in listing.ours) return listing.ours.file.startsWith('.github/') ? envIntoScripts(data) : data;
  return ((data.components as Obj).terraform as Obj)[listing.ours.component] as Obj;
}

const show = (d: Difference): string =>
  d.kind === 'added' ? `  added ${d.path}: ${JSON.stringify(d.ours)}` : `  changed ${d.path}: guide ${JSON.stringify(d.guide)}, ours ${JSON.stringify(d.ours)}`;

for (const listing of LISTINGS) {
  const target = 'file' in listing.ours ? listing.ours.file : `${listing.ours.component} resolved in stack dev`;
  test(`guide listing ${listing.fixture}: ${target} keeps every key and value, except the documented changes`, async () => {
    const root = await guideBasic();
    const { data, doc } = ourSide(root, listing);
    const differences: Difference[] = [];
    compare(guideSide(listing), data, '', differences);

    const covered = (path: string): boolean => Object.keys(listing.additions).some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`));
    const unexpected = differences.filter((d) => (d.kind === 'changed' ? !(d.path in listing.changes) : !covered(d.path)));
    assert.ok(unexpected.length === 0, `differences from the guide that are not documented:\n${unexpected.map(show).join('\n')}`);

    for (const [path, change] of Object.entries(listing.changes)) {
      const found = differences.find((d) => d.kind === 'changed' && d.path === path);
      assert.ok(found, `documented change ${path} no longer differs from the guide: remove it from the list`);
      assert.ok(change.holds(found.ours, found.guide, doc), `${path} (${change.why}): our value ${JSON.stringify(found.ours)} is not what the change promises`);
    }
    for (const path of Object.keys(listing.additions))
      assert.ok(
        differences.some((d) => d.kind === 'added' && (d.path === path || d.path.startsWith(`${path}.`) || d.path.startsWith(`${path}[`))),
        `documented addition ${path} is not in our output any more: remove it from the list`,
      );
  });
}

test.run();
