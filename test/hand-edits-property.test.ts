/**
 * Issue 13's property: random hand edits (insert, delete, reformat, re-encode, CRLF) to generated
 * files, then a random day-two command (workflows, account, role, an answers edit), plain, with
 * --force or with --conflict inline. No byte the user wrote may change outside a conflicting
 * region: a run that reports a conflict writes nothing; otherwise every line the user wrote is
 * still there, in order and byte for byte (encoding included), unless the tool itself changes
 * that very line; a file keeps its line endings. The same command on an unedited copy gives the
 * tool's new output to tell the two apart. Under --force, a user's line may go only where the tool
 * changed it or inside a region that --conflict inline marks, on a copy, for the same command (hunk
 * by hunk, not the whole file). HAND_EDIT_RUNS=N sets the trials (default 10).
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { diffArrays } from 'diff';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli, tempDir } from './helpers/run.ts';
import { rng } from './helpers/rng.ts';

const RUNS = Number(process.env.HAND_EDIT_RUNS ?? 10);


const ANSWERS = `version: 1
repository: acme/infra-live
setup: advanced
accounts:
  - stage: dev
    id: "111111111111"
  - stage: prod
    id: "222222222222"
`;

const FILES = [
  '.github/workflows/atmos-terraform-plan.yaml',
  '.github/workflows/atmos-terraform-apply.yaml',
  '.github/workflows/test-oidc.yaml',
  'stacks/catalog/github-ci.yaml',
  'stacks/orgs/acme/dev.yaml',
  'stacks/orgs/acme/prod.yaml',
  'profiles/github/atmos.yaml',
  '.gitignore',
];

/** Bytes as one character per byte, so comparisons are byte for byte whatever the encoding. */
const bin = (path: string): string => readFileSync(path).toString('latin1');
const lines = (text: string): string[] => text.replace(/\r\n/g, '\n').split('\n');

type Edit = (text: string, r: () => number) => { text: string; kind: string };
const EDITS: Edit[] = [
  (text, r) => {
    const l = lines(text);
    l.splice(Math.floor(r() * l.length), 0, `# hand note ${Math.floor(r() * 1000)}`);
    return { text: l.join('\n'), kind: 'insert' };
  },
  (text, r) => {
    const l = lines(text);
    l.splice(Math.floor(r() * (l.length - 1)), 1);
    return { text: l.join('\n'), kind: 'delete' };
  },
  (text) => ({ text: lines(text).map((line) => line.replace(/^( +)/, '$1$1')).join('\n'), kind: 'reformat' }),
  (text, r) => {
    const l = lines(text);
    l.splice(Math.floor(r() * l.length), 0, `# Verantwortlich: J\u00fcrgen M\u00fcller`); // written as Latin-1 bytes below
    return { text: l.join('\n'), kind: 're-encode' };
  },
  (text) => ({ text: text.replace(/\r?\n/g, '\r\n'), kind: 'crlf' }),
];

const COMMANDS: Array<(n: number) => { argv: string[]; answers?: [string, string] }> = [
  () => ({ argv: ['workflows'] }),
  (n) => ({ argv: ['account', '--stage', `stage${n}`, '--account-id', String(300000000000 + n)] }),
  (n) => ({ argv: ['role', '--name', `reader${n}`, '--identity', `acme/reader${n}`, '--policy', 'arn:aws:iam::aws:policy/ReadOnlyAccess', '--trust', 'acme/infra-live:main'] }),
  () => ({ argv: ['workflows'], answers: ['region: us-east-2', 'region: eu-west-1'] }),
  () => ({ argv: ['workflows'], answers: ['atmos_pro: true', 'atmos_pro: false'] }),
];

function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const list = execFileSync('git', ['ls-files', '--others', '--cached', '--exclude-standard'], { cwd: dir, encoding: 'utf8' });
  for (const path of list.split('\n').filter(Boolean)) {
    try {
      out.set(path, bin(join(dir, path)));
    } catch {
      /* deleted */
    }
  }
  return out;
}

test(`hand edits then a day-two command: no byte the user wrote changes outside a conflict (${RUNS} trials)`, async () => {
  const template = tempDir('hand-edits-template-');
  const answers = `${template}-answers.yaml`;
  writeFileSync(answers, ANSWERS);
  const stats = { trials: 0, edits: 0, conflicts: 0, written: 0, forcedConflicts: 0, linesChecked: 0, linesInConflicts: 0, kinds: {} as Record<string, number>, modes: {} as Record<string, number> };
  try {
    const init = await runCli(['init', '--yes', '--answers', answers, template]);
    assert.is(init.code, 0, init.stderr);
    execFileSync('git', ['init', '-q'], { cwd: template });
    execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'add', '-A'], { cwd: template });
    execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-qm', 'init'], { cwd: template });
    for (let seed = 1; seed <= RUNS; seed++) {
      const r = rng(seed);
      const pristine = tempDir('hand-edits-pristine-');
      const edited = tempDir('hand-edits-edited-');
      try {
        cpSync(template, pristine, { recursive: true });
        cpSync(template, edited, { recursive: true });
        // The hand edits.
        const generatedBefore = snapshot(edited);
        const touched = new Set<string>();
        const n = 1 + Math.floor(r() * 3);
        for (let i = 0; i < n; i++) {
          const path = FILES[Math.floor(r() * FILES.length)];
          const abs = join(edited, path);
          const { text, kind } = EDITS[Math.floor(r() * EDITS.length)](bin(abs), r);
          writeFileSync(abs, Buffer.from(text, 'latin1'));
          touched.add(path);
          stats.edits++;
          stats.kinds[kind] = (stats.kinds[kind] ?? 0) + 1;
        }
        // The day-two command, on both copies.
        const command = COMMANDS[Math.floor(r() * COMMANDS.length)](seed);
        const mode = ['', '--force', '--conflict=inline'][Math.floor(r() * 3)];
        stats.modes[mode || 'plain'] = (stats.modes[mode || 'plain'] ?? 0) + 1;
        for (const dir of [pristine, edited]) {
          if (command.answers) {
            const file = join(dir, '.atmos-oidc.yaml');
            writeFileSync(file, readFileSync(file, 'utf8').replace(...command.answers));
          }
        }
        const before = snapshot(edited);
        const tool = await runCli([...command.argv, '--yes', pristine]);
        assert.is(tool.code, 0, `seed ${seed}: the command on an unedited copy: ${tool.stdout}${tool.stderr}`);
        const generatedAfter = snapshot(pristine);
        // Which files conflict: a dry run without --force names them (the regions --force may replace).
        const preview = mode === '--force' ? await runCli([...command.argv, '--yes', '--dry-run', edited]) : null;
        // Which lines conflict, hunk by hunk: the same command with --conflict inline on a copy marks
        // each conflicting region; --force may replace the user's lines inside those regions only.
        const conflictLines = new Map<string, Set<string>>();
        if (mode === '--force') {
          const marked = tempDir('hand-edits-marked-');
          try {
            cpSync(edited, marked, { recursive: true });
            const inline = await runCli([...command.argv, '--yes', '--conflict=inline', marked]);
            assert.ok(inline.code === 0 || inline.code === 1, `seed ${seed}: --conflict inline on a copy\n${inline.stdout}${inline.stderr}`);
            for (const [path, text] of snapshot(marked)) {
              const mine = new Set<string>();
              let inOurs = false;
              for (const line of lines(text)) {
                if (line.startsWith('<<<<<<< ')) inOurs = true;
                else if (line === '=======') inOurs = false;
                else if (inOurs) mine.add(line);
              }
              if (mine.size) conflictLines.set(path, mine);
            }
          } finally {
            rmSync(marked, { recursive: true, force: true });
          }
        }
        const result = await runCli([...command.argv, '--yes', ...(mode ? [mode] : []), edited]);
        const context = `seed ${seed}: ${command.argv.join(' ')} ${mode} after editing ${[...touched].join(', ')}\n${result.stdout}${result.stderr}`;
        assert.ok(result.code === 0 || result.code === 1, context);
        const after = snapshot(edited);
        stats.trials++;
        if (result.code === 1 && mode !== '--conflict=inline') {
          stats.conflicts++;
          assert.equal(after, before, `${context}\na run left in conflict writes nothing`);
          continue;
        }
        if (result.code === 0 && mode !== '--force') assert.not.match(result.stdout, /^\s+conflict\s/m, context);
        stats.written++;
        const forcedConflicts = new Set(preview ? [...preview.stdout.matchAll(/^ {2}conflict +(\S+)/gm)].map((m) => m[1]) : []);
        stats.forcedConflicts += forcedConflicts.size;
        for (const path of touched) {
          const mine = before.get(path) ?? '';
          const now = after.get(path);
          const generated = lines(generatedBefore.get(path) ?? '');
          const userLines = diffArrays(generated, lines(mine)).flatMap((part) => (part.added ? part.value : []));
          if (now === undefined) {
            assert.ok(forcedConflicts.has(path), `${context}\n${path}: an edited file is removed only by --force, where it conflicts`);
            continue;
          }
          // A file keeps its own line endings.
          if (/\r\n/.test(mine) && !/(^|[^\r])\n/.test(mine) && now !== mine) assert.not.match(now, /(^|[^\r])\n/, `${context}\n${path} keeps CRLF`);
          // The tool's own changes to its lines, from the unedited copy.
          const toolNew = new Set(lines(generatedAfter.get(path) ?? ''));
          const toolChanged = new Set(generated.filter((l) => !toolNew.has(l)).map((l) => l.trim().replace(/\s+#.*$/, '')));
          const kept = lines(now);
          let j = 0;
          for (const line of userLines) {
            const found = kept.indexOf(line, j);
            if (found >= 0) {
              j = found + 1;
              stats.linesChecked++;
              continue;
            }
            const toolsLine = toolChanged.has(line.trim().replace(/\s+#.*$/, ''));
            const inForcedConflict = forcedConflicts.has(path) && (conflictLines.get(path)?.has(line) ?? false);
            if (inForcedConflict) stats.linesInConflicts++;
            assert.ok(toolsLine || inForcedConflict, `${context}\n${path}: the user's line ${JSON.stringify(line)} was changed though the tool did not change it and it is in no conflicting region\n--- before\n${mine}\n--- after\n${now}`);
          }
        }
      } finally {
        rmSync(pristine, { recursive: true, force: true });
        rmSync(edited, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(template, { recursive: true, force: true });
    rmSync(answers, { force: true });
  }
  console.log(`hand-edit property: ${JSON.stringify(stats)}`);
});

test.run();
