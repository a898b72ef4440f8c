/**
 * The interactive init in a real terminal: tmux runs the CLI in a detached pane, the test types with
 * `send-keys` and reads the screen with `capture-pane`, waiting for each prompt before answering it.
 * Each session runs a small script that prints `EXIT=<code>` when the CLI ends.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stringify } from 'yaml';
import { readTree, ROOT, runCli, tempDir } from './helpers/run.ts';

const WORK = tempDir('e2e-tmux-');
/** A tmux server of our own, away from any the user runs. */
const SOCKET = join(WORK, 'tmux.sock');
/** An empty gh configuration: a gh on the machine is then not logged in, and asks nothing. */
const GH_CONFIG = join(WORK, 'gh-config');
mkdirSync(GH_CONFIG);

const tmuxEnv: NodeJS.ProcessEnv = { ...process.env, TERM: process.env.TERM && process.env.TERM !== 'dumb' ? process.env.TERM : 'xterm-256color' };
delete tmuxEnv.TMUX;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-S', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8', env: tmuxEnv, stdio: ['ignore', 'pipe', 'pipe'] });
}

const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

let sessions = 0;

interface Session {
  name: string;
  /** The whole pane, scrollback included, wrapped lines joined. */
  screen(): string;
  /** Wait until the screen matches, polling; fails with the screen when it never does. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Type text literally. */
  type(text: string): void;
  /** Press keys by tmux name: Enter, Down, Escape, C-c, C-u. */
  press(...keys: string[]): void;
  /** Wait for the prompt, then type `text` (if any) and press Enter. */
  answer(prompt: RegExp, text?: string): Promise<void>;
  /** Wait for the CLI to end and return its exit code. */
  exitCode(): Promise<number>;
  close(): void;
}

/** Run `create-atmos-oidc ARGS` in a fresh 200x50 tmux pane, from the repository root. */
function start(args: string[]): Session {
  const name = `s${++sessions}`;
  const script = join(WORK, `${name}.sh`);
  writeFileSync(
    script,
    [
      `cd ${quote(ROOT)}`,
      'unset GH_TOKEN GITHUB_TOKEN GH_ENTERPRISE_TOKEN GITHUB_ENTERPRISE_TOKEN',
      `export GH_CONFIG_DIR=${quote(GH_CONFIG)} GH_PROMPT_DISABLED=1`,
      `${quote(process.execPath)} --import tsx src/cli/main.ts ${args.map(quote).join(' ')}`,
      'echo "EXIT=$?"',
      'exec sleep 600',
      '',
    ].join('\n'),
  );
  tmux('new-session', '-d', '-s', name, '-x', '200', '-y', '50', `sh ${quote(script)}`);
  const screen = (): string => tmux('capture-pane', '-p', '-J', '-t', name, '-S', '-');
  const session: Session = {
    name,
    screen,
    async waitFor(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = screen();
        if (pattern.test(text)) return text;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} in tmux session ${name}; the screen:\n${text}`);
        await new Promise((r) => setTimeout(r, 40));
      }
    },
    type(text) {
      tmux('send-keys', '-t', name, '-l', text);
    },
    press(...keys) {
      tmux('send-keys', '-t', name, ...keys);
    },
    async answer(prompt, text) {
      await session.waitFor(prompt);
      if (text) session.type(text);
      session.press('Enter');
    },
    async exitCode() {
      const text = await session.waitFor(/^EXIT=\d+$/m, 30_000);
      return Number(/^EXIT=(\d+)$/m.exec(text)?.[1]);
    },
    close() {
      try {
        tmux('kill-session', '-t', name);
      } catch {
        /* already gone */
      }
    },
  };
  return session;
}

/** An empty git repository whose origin is `remote`. */
function gitRepository(dir: string, remote: string): string {
  mkdirSync(dir, { recursive: true });
  execFileSync('git', ['init', '-q'], { cwd: dir });
  execFileSync('git', ['remote', 'add', 'origin', remote], { cwd: dir });
  return dir;
}

/** Every file and directory under `dir` (`.git` included) with a hash of each file's bytes. */
function snapshot(dir: string): Map<string, string> {
  const entries = new Map<string, string>();
  const walk = (current: string): void => {
    for (const name of readdirSync(current).sort()) {
      const abs = join(current, name);
      const rel = relative(dir, abs);
      const stat = statSync(abs);
      if (stat.isDirectory()) {
        entries.set(`${rel}/`, `dir ${stat.mode.toString(8)}`);
        walk(abs);
      } else entries.set(rel, `${stat.mode.toString(8)} ${createHash('sha256').update(readFileSync(abs)).digest('hex')}`);
    }
  };
  walk(dir);
  return entries;
}

/** The files a run wrote, without the repository's own `.git`. */
function writtenTree(dir: string): Map<string, string> {
  return new Map([...readTree(dir)].filter(([path]) => !path.startsWith('.git/')));
}

const PROMPT = {
  repository: /^\? GitHub repository/m,
  immutable: /^\? Does the repository send immutable subject claims/m,
  namespace: /^\? Namespace/m,
  branch: /^\? Default branch/m,
  region: /^\? AWS region/m,
  stage: (n: number) => new RegExp(`^\\? Stage of AWS account ${n}`, 'm'),
  accountId: (stage: string) => new RegExp(`^\\? AWS account id of ${stage}`, 'm'),
  provider: /^\? Does account \d{12} already have a GitHub OIDC provider\?/m,
  another: /^\? Add another AWS account\?/m,
  setup: /^\? Setup/m,
  atmos: /^\? Atmos version/m,
  pro: /^\? Use Atmos Pro\?/m,
  backend: /^\? Terraform state backend/m,
  bucket: /^\? S3 bucket for Terraform state/m,
  bucketRegion: /^\? Region of the state bucket/m,
  lock: /^\? State lock/m,
  tfstate: /^\? Terraform state role ARN/m,
  guard: /^\? Add a pull-request guard workflow\?/m,
  write: /^\? Write these files\?/m,
};

test.after(() => {
  try {
    tmux('kill-server');
  } catch {
    /* no server left */
  }
});

test('a whole basic run in a terminal writes exactly what the non-interactive run of the same answers writes', async () => {
  const target = gitRepository(join(WORK, 'basic'), 'git@github.com:acme/infra-live.git');
  const cli = start(['init', target]);
  try {
    const first = await cli.waitFor(PROMPT.repository);
    assert.match(first, /\(acme\/infra-live\)/, 'the default comes from the origin remote');
    cli.press('Enter');
    await cli.answer(PROMPT.immutable, 'n');
    await cli.answer(PROMPT.namespace);
    await cli.answer(PROMPT.branch);
    await cli.waitFor(PROMPT.region);
    cli.type('frank');
    await cli.waitFor(/❯ eu-central-1 +Europe \(Frankfurt\)/);
    cli.press('Enter');
    await cli.answer(PROMPT.stage(1));
    await cli.answer(PROMPT.accountId('dev'), '111111111111');
    await cli.answer(PROMPT.provider);
    await cli.answer(PROMPT.another);
    await cli.waitFor(PROMPT.setup);
    cli.press('Down');
    await cli.waitFor(/❯ basic/);
    cli.press('Enter');
    await cli.answer(PROMPT.atmos);
    await cli.answer(PROMPT.pro);
    await cli.answer(PROMPT.backend);
    await cli.answer(PROMPT.bucket);
    await cli.answer(PROMPT.bucketRegion);
    await cli.answer(PROMPT.lock);
    await cli.answer(PROMPT.tfstate);
    await cli.answer(PROMPT.guard);
    const summary = await cli.waitFor(PROMPT.write);
    assert.match(summary, /Summary for acme\/infra-live \(region eu-central-1, basic setup, Atmos 1\.215\.0, Atmos Pro on\)/);
    assert.match(summary, /iam-role\/terraform in dev: any branch, tag, pull request or environment of acme\/infra-live/);
    assert.equal(
      readdirSync(target).filter((n) => !n.endsWith('.lock')),
      ['.git'],
      'nothing is written before the confirmation (a run may hold a lock file meanwhile)',
    );
    cli.press('Enter');
    assert.is(await cli.exitCode(), 0, cli.screen());
    const screen = cli.screen();
    assert.match(screen, /Wrote 14 files\./);
    assert.match(screen, /Next steps:/);
  } finally {
    cli.close();
  }

  const answers = join(WORK, 'basic-answers.yaml');
  writeFileSync(
    answers,
    stringify({ repository: 'acme/infra-live', namespace: 'acme', default_branch: 'main', region: 'eu-central-1', accounts: [{ stage: 'dev', id: '111111111111' }], setup: 'basic', atmos_version: '1.215.0', atmos_pro: true, backend: { type: 's3', bucket: 'acme-tfstate', region: 'eu-central-1' } }),
  );
  const batch = gitRepository(join(WORK, 'basic-batch'), 'git@github.com:acme/infra-live.git');
  const result = await runCli(['init', '--yes', '--answers', answers, batch]);
  assert.is(result.code, 0, result.stderr);
  const interactive = writtenTree(target);
  const expected = writtenTree(batch);
  assert.equal([...interactive.keys()], [...expected.keys()], 'the same files');
  for (const [path, content] of expected) assert.fixture(interactive.get(path) ?? '', content, path);
});

test('a wrong account id is refused at the prompt with the inline error, corrected there; given answers are not asked', async () => {
  const answers = join(WORK, 'partial.yaml');
  writeFileSync(
    answers,
    stringify({
      repository: 'acme/infra-live',
      repository_ids: null,
      namespace: 'acme',
      region: 'us-east-2',
      default_branch: 'main',
      setup: 'advanced',
      apply_environment: '{stage}',
      atmos_version: '1.215.0',
      atmos_pro: true,
      tfstate_role_arn: null,
      backend: { type: 's3', bucket: 'acme-tfstate', region: 'us-east-2' },
      guard_workflow: false,
    }),
  );
  const target = join(WORK, 'typo');
  const cli = start(['init', '--answers', answers, target]);
  try {
    await cli.answer(PROMPT.stage(1));
    await cli.answer(PROMPT.accountId('dev'), '12345');
    const refused = await cli.waitFor(/^> expected exactly 12 digits, e\.g\. "111111111111"$/m);
    assert.match(refused, /^\? AWS account id of dev .*12345$/m, 'the typed value stays to be fixed');
    cli.press('C-u');
    cli.type('111111111111');
    await cli.waitFor(/^\? AWS account id of dev .*111111111111$/m);
    cli.press('Enter');
    await cli.waitFor(/^✔ AWS account id of dev 111111111111$/m);
    await cli.answer(PROMPT.provider);
    await cli.answer(PROMPT.another, 'y');
    await cli.answer(PROMPT.stage(2));
    await cli.answer(PROMPT.accountId('prod'), '222222222222');
    await cli.answer(PROMPT.provider);
    await cli.answer(/^\? Add another AWS account\? .*dev, prod so far/m);
    const summary = await cli.waitFor(PROMPT.write);
    assert.match(summary, /iam-role\/terraform in prod: only jobs running in GitHub Environment prod of acme\/infra-live/);
    assert.match(summary, /iam-role\/planner in prod: any branch, tag, pull request or environment of acme\/infra-live/);
    assert.not.match(summary, /GitHub repository|Namespace|AWS region|^. Setup|Atmos version/m, 'answers from --answers are not asked again');
    cli.press('Enter');
    assert.is(await cli.exitCode(), 0, cli.screen());
  } finally {
    cli.close();
  }
  const written = readFileSync(join(target, '.atmos-oidc.yaml'), 'utf8');
  assert.match(written, /- stage: dev\n\s+id: "111111111111"/);
  assert.match(written, /- stage: prod\n\s+id: "222222222222"/);
});

test('Ctrl-C at the third prompt: one short line, exit 130, the directory byte for byte unchanged', async () => {
  const target = gitRepository(join(WORK, 'ctrl-c'), 'https://github.com/acme/infra-live.git');
  writeFileSync(join(target, 'README.md'), '# infra-live\n');
  writeFileSync(join(target, '.gitignore'), 'node_modules/\n');
  const before = snapshot(target);
  const cli = start(['init', target]);
  try {
    await cli.answer(PROMPT.repository);
    await cli.answer(PROMPT.immutable);
    await cli.waitFor(PROMPT.namespace);
    cli.press('C-c');
    assert.is(await cli.exitCode(), 130, cli.screen());
    const screen = cli.screen();
    const after = screen.slice(screen.search(PROMPT.namespace)).split('\n').filter((l) => l.trim());
    assert.equal(after.slice(1), ['Cancelled: nothing was written.', 'EXIT=130'], 'one short line, no stack trace');
  } finally {
    cli.close();
  }
  assert.equal(snapshot(target), before);
});

test('Escape at the region list cancels too: exit 130, nothing written', async () => {
  const target = gitRepository(join(WORK, 'escape'), 'git@github.com:acme/infra-live.git');
  const before = snapshot(target);
  const cli = start(['init', target]);
  try {
    await cli.answer(PROMPT.repository);
    await cli.answer(PROMPT.immutable);
    await cli.answer(PROMPT.namespace);
    await cli.answer(PROMPT.branch);
    await cli.waitFor(/❯ us-east-2/);
    cli.press('Escape');
    assert.is(await cli.exitCode(), 130, cli.screen());
    assert.match(cli.screen(), /^Cancelled: nothing was written\.$/m);
    assert.not.match(cli.screen(), /^\s+at /m);
  } finally {
    cli.close();
  }
  assert.equal(snapshot(target), before);
});

test('role: a name that exists is refused at the name prompt, before any other question', async () => {
  const target = join(WORK, 'role-exists');
  const setup = await runCli(['init', '--yes', '--repository', 'acme/infra-live', '--account', 'dev=111111111111', target]);
  assert.is(setup.code, 0, setup.stderr);
  const cli = start(['role', target]);
  try {
    await cli.answer(/^\? Role name/m, 'planner');
    const refused = await cli.waitFor(/^> role planner exists already \(identity acme\/planner\); choose another name/m);
    assert.not.match(refused, /^\? Identity/m, 'no further question before the name is fixed');
    cli.press('C-u');
    cli.type('deployer');
    cli.press('Enter');
    await cli.waitFor(/^\? Identity, named after its permission boundary .*\(acme\/deployer\)/m);
    cli.press('C-c');
    assert.is(await cli.exitCode(), 130, cli.screen());
  } finally {
    cli.close();
  }
});

test('init: an account id another stage uses asks "same account as dev?"; no asks for the id again; declining the write exits 1', async () => {
  const answers = join(WORK, 'same-id.yaml');
  writeFileSync(
    answers,
    stringify({ repository: 'acme/infra-live', repository_ids: null, namespace: 'acme', region: 'us-east-2', default_branch: 'main', setup: 'advanced', apply_environment: '{stage}', atmos_version: '1.215.0', atmos_pro: true, tfstate_role_arn: null, guard_workflow: false, backend: { type: 's3', bucket: 'acme-tfstate', region: 'us-east-2' } }),
  );
  const target = gitRepository(join(WORK, 'same-id'), 'git@github.com:acme/infra-live.git');
  const before = snapshot(target);
  const cli = start(['init', '--answers', answers, target]);
  try {
    await cli.answer(PROMPT.stage(1));
    await cli.answer(PROMPT.accountId('dev'), '111111111111');
    await cli.answer(PROMPT.provider);
    await cli.answer(PROMPT.another, 'y');
    await cli.answer(PROMPT.stage(2));
    await cli.answer(PROMPT.accountId('prod'), '111111111111');
    await cli.answer(/^\? Account 111111111111 is dev's too: same account as dev\?/m, 'n');
    await cli.waitFor(/^✔ Account 111111111111 is dev's too: same account as dev\? No$/m);
    await cli.waitFor(/^\? AWS account id of prod(?! .*111111111111$)/m);
    cli.type('222222222222');
    cli.press('Enter');
    await cli.answer(PROMPT.provider);
    await cli.answer(PROMPT.another);
    const summary = await cli.waitFor(PROMPT.write);
    assert.match(summary, /prod +222222222222/);
    cli.type('n');
    cli.press('Enter');
    assert.is(await cli.exitCode(), 1, cli.screen());
    assert.match(cli.screen(), /^Declined: nothing was written\.$/m);
  } finally {
    cli.close();
  }
  assert.equal(snapshot(target), before);
});

test('init again in a set-up repository asks every question with the recorded answers as defaults, and writes the change', async () => {
  const target = gitRepository(join(WORK, 'rerun'), 'git@github.com:acme/infra-live.git');
  const first = await runCli([
    'init', '--yes', '--account', 'dev=111111111111', '--account', 'prod=222222222222', '--set', 'namespace=acme',
    '--set', 'backend.type=s3', '--set', 'backend.bucket=acme-tfstate', '--set', 'backend.region=us-east-2', target,
  ]);
  assert.is(first.code, 0, first.stderr);
  const cli = start(['init', target]);
  try {
    const repo = await cli.waitFor(PROMPT.repository);
    assert.match(repo, /default as recorded.*\(acme\/infra-live\)/);
    cli.press('Enter');
    await cli.answer(/^\? Keep subject claims by name \(no immutable ids\)\?/m);
    await cli.answer(PROMPT.namespace);
    await cli.answer(PROMPT.branch);
    await cli.waitFor(/❯ us-east-2/);
    cli.type('ireland');
    await cli.waitFor(/❯ eu-west-1 +Europe \(Ireland\)/);
    cli.press('Enter');
    await cli.answer(/^\? Keep the accounts dev \(111111111111\), prod \(222222222222\)\?/m);
    await cli.answer(PROMPT.setup);
    await cli.answer(/^\? GitHub Environment of the apply job/m);
    await cli.answer(PROMPT.atmos);
    await cli.answer(PROMPT.pro);
    await cli.answer(PROMPT.backend);
    await cli.answer(PROMPT.bucket);
    await cli.answer(PROMPT.bucketRegion);
    await cli.answer(PROMPT.lock);
    await cli.answer(PROMPT.tfstate);
    await cli.answer(PROMPT.guard);
    const summary = await cli.waitFor(PROMPT.write);
    assert.match(summary, /Summary for acme\/infra-live \(region eu-west-1, advanced setup/);
    assert.match(summary, /State: s3:\/\/acme-tfstate \(us-east-2\)/, 'the recorded backend is the default');
    assert.match(summary, /Files: 0 to create, \d+ to change/);
    cli.press('Enter');
    assert.is(await cli.exitCode(), 0, cli.screen());
  } finally {
    cli.close();
  }
  const written = readFileSync(join(target, '.atmos-oidc.yaml'), 'utf8');
  assert.match(written, /^region: eu-west-1$/m);
  assert.match(written, /- stage: prod\n\s+id: "222222222222"/);
  assert.match(written, /name: planner/);
  const again = await runCli(['workflows', '--dry-run', target]);
  assert.is(again.code, 0, again.stderr);
  assert.not.match(again.stdout, /^\s+(create|update|delete|conflict)\s/m, 'the day-two plan of the new answers has nothing left to do');
});

test.run();
