/**
 * ShellCheck on every `run:` script of every generated workflow, as the shell that runs it (bash unless
 * the step or its defaults say otherwise). GitHub substitutes `${{ … }}` before the shell sees the
 * script, so those are blanked out first.
 */
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScripts, workflowFiles, type RunScript } from './helpers/judges.ts';
import { goldenCases, renderGolden } from './helpers/run.ts';

const probe = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
const installed = !probe.error;
const SHELLS: Record<string, string> = { bash: 'bash', sh: 'sh' };

/** Replace each `${{ … }}` with as many underscores, so line and column numbers still point at the workflow's text. */
export function blankExpressions(script: string): string {
  return script.replace(/\$\{\{[\s\S]*?\}\}/g, (expr) => expr.replace(/[^\n]/g, '_'));
}

function shellcheck(run: RunScript): string[] {
  const shell = SHELLS[run.shell];
  assert.ok(shell, `${run.workflow} job ${run.job} step "${run.step}": shell ${run.shell} cannot be checked by ShellCheck`);
  const result = spawnSync('shellcheck', [`--shell=${shell}`, '--format=gcc', '-'], { input: blankExpressions(run.script), encoding: 'utf8' });
  if (result.error) throw result.error;
  return result.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => `${run.workflow} job ${run.job} step "${run.step}": ${line.replace(/^-:/, 'line ')}`);
}

let scripts = 0;

if (!installed && process.env.CI) {
  test('shellcheck is installed (CI must install it: apt-get install -y shellcheck)', () => {
    assert.unreachable(`shellcheck not found: ${probe.error?.message}`);
  });
} else if (!installed) {
  console.log(`shellcheck: skipped, the shellcheck binary is not installed (${probe.error?.message}); CI installs it`);
  test.skip('shellcheck checks every run: script');
} else {
  test('shellcheck reports an unquoted expansion', () => {
    const findings = shellcheck({ workflow: 'control.yaml', job: 'a', step: 'b', script: 'rm -rf $TARGET/build\n', shell: 'bash' });
    assert.match(findings.join('\n'), /SC2086/);
  });

  test('${{ }} expressions are blanked without moving the rest of the script', () => {
    assert.is(blankExpressions('echo "${{ inputs.x }}" done'), 'echo "_______________" done');
  });

  for (const name of goldenCases()) {
    test(`${name}: shellcheck finds nothing in any run: script`, async () => {
      const runs = workflowFiles(await renderGolden(name)).flatMap((file) => runScripts(file.path, file.text));
      assert.ok(runs.length > 0, 'the workflows have run: scripts');
      for (const run of runs) {
        assert.equal(shellcheck(run), [], `${run.workflow} job ${run.job} step "${run.step}"`);
        scripts++;
      }
    });
  }

  test.after(() => {
    console.log(`shellcheck: ${scripts} run: scripts checked`);
  });
}

test.run();
