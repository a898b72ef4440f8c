/**
 * Our translation of `trusted_github_repos` entries (trustPattern) against the component's own
 * Terraform: ../shared/reference/components/aws-iam-role/trust-locals.tf holds the variables and
 * locals of aws-iam-role src/github-assume-role-policy.tf (see its PROVENANCE.md), which Terraform
 * 1.11 evaluates offline. A scratch root module instantiates that directory once per generated
 * entry (`for_each`), so one `terraform apply` judges a whole batch; a batch Terraform refuses is
 * split in halves until each refused entry stands alone. Properties, entry by entry:
 *   - where Terraform computes a pattern, trustPattern computes the same string;
 *   - where Terraform fails (the regex cannot match, or no org is left), trustPattern throws;
 *   - every entry our answers validation (trustEntry) accepts is one Terraform accepts.
 * Skipped, with the reason printed, only where `terraform` or ../shared is absent.
 *
 * Seed: TRUST_TF_SEED (printed on every run). TRUST_TF_CACHE=DIR keeps Terraform's answers per batch,
 * for the mutation runs, which judge the same batches hundreds of times.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { trustEntry } from '../src/answers/validate.ts';
import { trustPattern } from '../src/setup/trust.ts';
import { SHARED_DIR, tempDir } from './helpers/run.ts';

const COMPONENT = join(SHARED_DIR, 'reference', 'components', 'aws-iam-role', 'trust-locals.tf');
const BATCH = 600;
const SEED = Number(process.env.TRUST_TF_SEED ?? Date.now() % 2 ** 31);
const CACHE = process.env.TRUST_TF_CACHE;

function terraformVersion(): string | null {
  const run = spawnSync('terraform', ['version', '-json'], { encoding: 'utf8' });
  if (run.error || run.status !== 0) return null;
  return (JSON.parse(run.stdout) as { terraform_version: string }).terraform_version;
}

const version = terraformVersion();
const skipReason = !existsSync(COMPONENT)
  ? `${COMPONENT} is absent (the shared reference is not checked out beside this repository)`
  : version === null
    ? '`terraform` is not on PATH'
    : null;

// ---- generated entries: the shapes people write, and the characters that break naive parsers ----
const nameChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.'.split(''));
const name = fc.string({ unit: nameChar, minLength: 1, maxLength: 12 });
const id = fc.integer({ min: 1, max: 2 ** 40 }).map(String);
const odd = fc.constantFrom(':', '/', '//', '*', '?', '%3A', '@', ' ', '"', "'", '\\', '${x}', '%{', '}', '{stage}', 'é', 'Ж', '😀', '\t', '\r', '..', '#', '&', '=', '+', ',', '');
const oddText = fc.array(fc.oneof(nameChar, odd), { maxLength: 6 }).map((a) => a.join(''));
const org = fc.oneof(
  { weight: 4, arbitrary: name },
  { weight: 2, arbitrary: fc.tuple(name, id).map(([n, i]) => `${n}@${i}`) },
  { weight: 1, arbitrary: fc.constantFrom('', '*', 'Acme', 'ACME') },
  { weight: 1, arbitrary: oddText },
);
const repo = fc.oneof(
  { weight: 4, arbitrary: name },
  { weight: 2, arbitrary: fc.tuple(name, id).map(([n, i]) => `${n}@${i}`) },
  { weight: 1, arbitrary: fc.constantFrom('*', 'infra-*', '?nfra', '', '.', '..', 'repo.git') },
  { weight: 1, arbitrary: oddText },
);
const branchName = fc.oneof(name, fc.tuple(name, name).map(([a, b]) => `${a}/${b}`), fc.constantFrom('main', 'release/*', 'v?', '*', 'pull_request', '/main', 'a//b', 'feat:x', 'ref', 'refs/heads/main', 'environment'));
const constraint = fc.oneof(
  { weight: 3, arbitrary: branchName },
  { weight: 2, arbitrary: branchName.map((b) => `ref:refs/heads/${b}`) },
  { weight: 2, arbitrary: name.map((t) => `ref:refs/tags/${t}`) },
  { weight: 1, arbitrary: fc.constantFrom('ref:refs/tags/v*', 'ref:refs/pull/1/merge', 'ref:', 'ref', 'refs/heads/main') },
  { weight: 2, arbitrary: fc.oneof(name, fc.constantFrom('{stage}', 'prod-{stage}', 'a:b', 'with space', '*')).map((e) => `environment:${e}`) },
  { weight: 1, arbitrary: fc.constantFrom('environment:', 'environment', 'Environment:prod', 'REF:refs/heads/main', 'pull_request', ':', '::') },
  { weight: 2, arbitrary: oddText },
);
const entry = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(org, repo, fc.option(constraint, { nil: undefined })).map(([o, r, c]) => `${o}/${r}${c === undefined ? '' : `:${c}`}`) },
  { weight: 2, arbitrary: fc.tuple(repo, fc.option(constraint, { nil: undefined })).map(([r, c]) => `${r}${c === undefined ? '' : `:${c}`}`) },
  { weight: 1, arbitrary: fc.tuple(org, repo, oddText, constraint).map(([o, r, x, c]) => `${o}/${r}${x}:${c}`) },
  { weight: 1, arbitrary: oddText },
);

// ---- Terraform, one apply per batch ----
type Verdict = { pattern: string } | { error: string };

class Terraform {
  readonly dir = tempDir('trust-terraform-');
  applies = 0;
  private ready = false;

  /** The scratch root module, initialised on the first batch not in the cache. */
  private init(): void {
    if (this.ready) return;
    this.ready = true;
    mkdirSync(join(this.dir, 'component'));
    copyFileSync(COMPONENT, join(this.dir, 'component', 'trust-locals.tf'));
    writeFileSync(
      join(this.dir, 'main.tf'),
      [
        'variable "entries" { type = map(string) }',
        'variable "org" { type = string }',
        'module "entry" {',
        '  source                       = "./component"',
        '  for_each                     = var.entries',
        '  trusted_github_repos         = [each.value]',
        '  trusted_github_org           = var.org',
        '  github_oidc_provider_enabled = true',
        '  github_oidc_provider_arn     = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"',
        '}',
        'output "subs" { value = { for k, m in module.entry : k => m.github_repos_sub } }',
        '',
      ].join('\n'),
    );
    this.run(['init', '-input=false', '-no-color']);
  }

  private run(args: string[]): { status: number | null; stderr: string } {
    const result = spawnSync('terraform', args, {
      cwd: this.dir,
      encoding: 'utf8',
      env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' },
    });
    return { status: result.status, stderr: result.stderr };
  }

  /** The patterns Terraform computes for these entries, or its error for each entry it refuses. */
  evaluate(entries: string[], org: string): Verdict[] {
    const vars = JSON.stringify({ org, entries: Object.fromEntries(entries.map((e, i) => [String(i), e])) });
    const key = createHash('sha256').update(vars).digest('hex');
    const cached = CACHE ? join(CACHE, `${key}.json`) : null;
    if (cached && existsSync(cached)) return JSON.parse(readFileSync(cached, 'utf8')) as Verdict[];
    this.init();
    writeFileSync(join(this.dir, 'batch.tfvars.json'), vars);
    rmSync(join(this.dir, 'terraform.tfstate'), { force: true });
    const run = this.run(['apply', '-auto-approve', '-input=false', '-no-color', '-var-file=batch.tfvars.json']);
    this.applies++;
    let verdicts: Verdict[];
    if (run.status === 0) {
      const state = JSON.parse(readFileSync(join(this.dir, 'terraform.tfstate'), 'utf8')) as { outputs: { subs: { value: Record<string, string[]> } } };
      const subs = state.outputs.subs.value;
      verdicts = entries.map((e, i) => {
        assert.is(subs[String(i)]?.length, 1, `Terraform gives one pattern for ${JSON.stringify(e)}`);
        return { pattern: subs[String(i)][0] };
      });
    } else if (entries.length === 1) {
      const message = /Error: (.*)\n[\s\S]*?(Call to function[^\n]*(?:\n[^\n│╵]+)*)/.exec(run.stderr);
      assert.ok(run.stderr.includes('Error'), `terraform failed with an error message: ${run.stderr}`);
      verdicts = [{ error: message ? `${message[1]}: ${message[2].replace(/\s+/g, ' ')}` : run.stderr.trim().split('\n')[0] }];
    } else {
      const half = Math.ceil(entries.length / 2);
      verdicts = [...this.evaluate(entries.slice(0, half), org), ...this.evaluate(entries.slice(half), org)];
    }
    if (cached) writeFileSync(cached, JSON.stringify(verdicts));
    return verdicts;
  }
}

function ours(entry: string, org: string): Verdict {
  try {
    return { pattern: trustPattern(entry, org || null) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

if (skipReason) {
  console.log(`trust-terraform: SKIPPED: ${skipReason}`);
  test.skip(`trustPattern equals the component's Terraform (skipped: ${skipReason})`, () => {});
} else {
  if (CACHE) mkdirSync(CACHE, { recursive: true });
  const tally = { entries: 0, batches: 0, applies: 0, patterns: 0, refusedByTerraform: 0, acceptedByValidation: 0 };
  let terraform: Terraform | null = null;

  test.before(() => {
    terraform = new Terraform();
  });
  test.after(() => {
    if (terraform) rmSync(terraform.dir, { recursive: true, force: true });
    console.log(
      `trust-terraform: Terraform ${version}, seed ${SEED}: ${tally.entries} generated entries in ${tally.batches} batches (${tally.applies} terraform apply runs); ` +
        `${tally.patterns} equal patterns, ${tally.refusedByTerraform} refused by Terraform and by trustPattern alike; ${tally.acceptedByValidation} accepted by our validation, all accepted by Terraform`,
    );
  });

  const judge = (label: string, org: string, entries: string[]): void => {
    const verdicts = terraform!.evaluate(entries, org);
    tally.batches++;
    tally.applies = terraform!.applies;
    entries.forEach((e, i) => {
      const theirs = verdicts[i];
      const mine = ours(e, org);
      const what = `${label}: entry ${JSON.stringify(e)} with trusted_github_org ${JSON.stringify(org)} (seed ${SEED})`;
      if ('pattern' in theirs) {
        assert.equal(mine, theirs, `${what}: trustPattern gives what Terraform gives`);
        tally.patterns++;
      } else {
        assert.ok('error' in mine, `${what}: Terraform refuses it (${theirs.error}) but trustPattern gives ${JSON.stringify(mine)}`);
        tally.refusedByTerraform++;
      }
      if (org && trustEntry(e) === null) {
        assert.ok('pattern' in theirs, `${what}: our validation accepts an entry Terraform refuses (${'error' in theirs ? theirs.error : ''})`);
        tally.acceptedByValidation++;
      }
      tally.entries++;
    });
  };

  test('named cases: the splits the component\'s regex makes that a naive split does not', () => {
    const cases = ['acme/infra-live:main', 'infra-live', 'a/b/c', 'a/b/c:d', 'a/b:', '/repo', ':main', 'a:b/c', 'a::b', '', 'a/', 'owner@1/repo@2:ref:refs/tags/v*', 'acme/*:environment:prod', 'a/b:pull_request', 'a\nb', 'x:y\nz'];
    judge('named', 'acme', cases);
    judge('named, no trusted_github_org', '', cases);
  });

  // Terraform names no entry when it fails, so a refused entry costs a split batch: the large rounds
  // hold entries it accepts in the main; the refusals (a line break, no org at all) get small rounds.
  const rounds = [
    { what: 'generated entries', org: 'acme', arbitrary: entry, count: 2400 },
    { what: 'entries with a line break somewhere', org: 'acme', arbitrary: fc.tuple(entry, fc.nat()).map(([e, n]) => `${e.slice(0, n % (e.length + 1))}\n${e.slice(n % (e.length + 1))}`), count: 8 },
    { what: 'generated entries, no trusted_github_org', org: '', arbitrary: entry, count: 12 },
  ];
  rounds.forEach((round, r) => {
    test(`${round.count} ${round.what} (trusted_github_org ${JSON.stringify(round.org)}): trustPattern equals Terraform`, () => {
      const entries = fc.sample(round.arbitrary, { seed: SEED + r, numRuns: round.count });
      for (let i = 0; i < entries.length; i += BATCH) judge(`${round.what} #${i / BATCH}`, round.org, entries.slice(i, i + BATCH));
    });
  });
}

test.run();
