/**
 * The merges judged by a model (issue 15 item 3). Random base/ours/theirs YAML documents: the
 * user's side is hand-formatted (indentation, comments, blank lines, quoting) and edited, the
 * tool's side is generated and changed. A small model of the documented rules says, per key,
 * what the merge must give: one side changed takes that side; both changed differently is a
 * conflict; a key the user edited is never deleted silently; plain lists merge as sets. The
 * structural merge must agree with the model, keep every line of the user's file whose value it
 * does not change byte for byte, and agree with `git merge-file` where both merge cleanly. Text
 * merges (`mergeText`) are compared with `git merge-file` run on the same inputs.
 * PROPERTY_RUNS=N sets the number of random documents (default 300).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse, stringify } from 'yaml';
import { conflictMarkerRanges, equal, mergeText, mergeYaml, resolveMarkersToTheirs } from '../src/write/merge.ts';
import { rng } from './helpers/rng.ts';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);


type Value = string | number | boolean | Value[] | { [key: string]: Value };
type Obj = { [key: string]: Value };

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isList = (v: unknown): v is Array<string | number> => Array.isArray(v) && v.every((x) => typeof x !== 'object');

function gen(r: () => number) {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const scalar = (): Value => pick<() => Value>([() => pick(['alpha', 'beta', 'gamma', 'delta', 'on', 'x-1']), () => Math.floor(r() * 100), () => r() < 0.5])();
  const list = (): Value[] => [...new Set(Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick(['a', 'b', 'c', 'd', 'e', 'f', 'g'])))];
  const value = (depth: number): Value => {
    const k = r();
    if (depth < 2 && k < 0.3) return map(depth + 1);
    if (k < 0.5) return list();
    return scalar();
  };
  const map = (depth: number): Obj => {
    const out: Obj = {};
    const n = 1 + Math.floor(r() * 4);
    for (let i = 0; i < n; i++) out[`k${depth}${i}`] = value(depth);
    return out;
  };
  /** Random changes by one side: `who` prefixes the keys it adds ("u" user, "t" tool, "s" either). */
  const mutate = (doc: Obj, who: string, rate: number): Obj => {
    const walk = (m: Obj, depth: number): Obj => {
      const out: Obj = {};
      for (const [k, v] of Object.entries(m)) {
        if (k === 'id') {
          out[k] = v;
          continue;
        }
        const roll = r();
        if (roll < rate * 0.25) continue; // delete
        if (roll < rate * 0.6) {
          if (isObj(v)) {
            const next = walk(v, depth + 1);
            out[k] = Object.keys(next).length ? next : scalar(); // no empty maps: a map emptied becomes a value
          }
          else if (isList(v)) {
            const kept = v.filter(() => r() > 0.3);
            const added = r() < 0.6 ? [pick(['a', 'b', 'c', 'h', 'i', 'j'])] : [];
            const next = [...new Set([...kept, ...added])];
            out[k] = next.length ? next : [pick(['k', 'l'])];
          } else out[k] = scalar();
          continue;
        }
        if (isObj(v)) {
          const next = walk(v, depth + 1);
          out[k] = Object.keys(next).length ? next : scalar();
        } else out[k] = v;
      }
      if (r() < rate * 0.5) out[`${pick([who, 's'])}${depth}${Math.floor(r() * 3)}`] = depth < 2 && r() < 0.2 ? { n: scalar() } : scalar();
      return out;
    };
    return walk(doc, 0);
  };
  return { map, mutate, pick };
}

/** The documented rules, as a model: the merged value and the conflicting paths. */
function model(base: Value | undefined, ours: Obj, theirs: Obj, resolve: 'keep' | 'theirs'): { value: Obj; conflicts: string[] } {
  const conflicts: string[] = [];
  const mergeMap = (b: Obj | undefined, o: Obj, t: Obj, path: string[]): Obj => {
    const out: Obj = { ...o };
    for (const key of new Set([...Object.keys(o), ...Object.keys(t), ...Object.keys(b ?? {})])) {
      const bv = b?.[key];
      const ov = o[key];
      const tv = t[key];
      const here = [...path, key];
      let result: Value | undefined;
      if (equal(ov, tv)) result = ov;
      else if (isObj(ov) && isObj(tv)) result = mergeMap(isObj(bv) ? bv : undefined, ov, tv, here);
      else if (isList(ov) && isList(tv) && isList(bv)) {
        const removed = bv.filter((x) => !tv.includes(x));
        result = [...ov.filter((x) => !removed.includes(x)), ...tv.filter((x) => !bv.includes(x) && !ov.includes(x))];
      } else if (equal(ov, bv)) result = tv;
      else if (equal(tv, bv)) result = ov;
      else {
        conflicts.push(here.join('.'));
        result = resolve === 'theirs' ? tv : ov;
      }
      if (result === undefined) delete out[key];
      else out[key] = result;
    }
    return out;
  };
  const value = mergeMap(isObj(base) ? base : undefined, ours, theirs, []);
  return { value, conflicts: conflicts.sort() };
}

interface Rendered {
  text: string;
  /** The key path each line belongs to (comments belong to the key below them). */
  paths: string[][];
}

/** The user's hand formatting: its own indentation, comments, blank lines and quoting. */
function handFormat(doc: Obj, r: () => number): Rendered {
  const indent = r() < 0.5 ? 2 : 4;
  const seqIndented = r() < 0.5;
  const lines: string[] = [];
  const paths: string[][] = [];
  const push = (line: string, path: string[]) => {
    lines.push(line);
    paths.push(path);
  };
  const scalar = (v: Value): string => {
    if (typeof v !== 'string' || v === 'on') return typeof v === 'string' ? `"${v}"` : String(v);
    const q = r();
    return q < 0.2 ? `"${v}"` : q < 0.35 ? `'${v}'` : v;
  };
  const comment = () => (r() < 0.25 ? `${' '.repeat(1 + Math.floor(r() * 4))}# note ${Math.floor(r() * 1000)}` : '');
  if (r() < 0.5) push('# hand-written header', []);
  const walk = (m: Obj, depth: number, path: string[]) => {
    const pad = ' '.repeat(depth * indent);
    for (const [k, v] of Object.entries(m)) {
      const here = [...path, k];
      if (r() < 0.15) push('', here);
      if (r() < 0.2) push(`${pad}# about ${k}`, here);
      if (isObj(v)) {
        push(`${pad}${k}:${comment()}`, here);
        walk(v, depth + 1, here);
      } else if (Array.isArray(v)) {
        push(`${pad}${k}:${comment()}`, here);
        for (const item of v) push(`${pad}${seqIndented ? ' '.repeat(indent) : ''}- ${scalar(item)}${comment()}`, here);
      } else push(`${pad}${k}: ${scalar(v)}${comment()}`, here);
    }
  };
  walk(doc, 0, []);
  return { text: `${lines.join('\n')}\n`, paths };
}

const generated = (doc: Obj): string => `# generated\n${stringify(doc, { lineWidth: 0 })}`;

function valueAt(doc: unknown, path: string[]): unknown {
  let v = doc;
  for (const k of path) v = isObj(v) ? v[k] : undefined;
  return v;
}

/** Every line of the user's file whose key (and every key above it) keeps its value is in the result, in order. */
function assertUntouchedLinesKept(ours: Rendered, oursValue: Obj, result: string, resultValue: Obj, seed: number): number {
  const out = result.split('\n');
  let j = 0;
  let checked = 0;
  ours.text.split('\n').slice(0, -1).forEach((line, i) => {
    const path = ours.paths[i];
    const touched = path.some((_, n) => !equal(valueAt(oursValue, path.slice(0, n + 1)), valueAt(resultValue, path.slice(0, n + 1))));
    if (touched) return;
    const found = out.indexOf(line, j);
    assert.ok(found >= 0, `seed ${seed}: untouched line ${i + 1} ${JSON.stringify(line)} kept byte for byte, in order\n--- ours\n${ours.text}--- result\n${result}`);
    j = found + 1;
    checked++;
  });
  return checked;
}

const counts = { docs: 0, conflicts: 0, clean: 0, linesChecked: 0, reformatted: 0, gitCompared: 0, textCases: 0 };

test(`structural merge agrees with the model of the rules on ${RUNS} random base/ours/theirs documents`, () => {
  for (let seed = 1; seed <= RUNS; seed++) {
    const r = rng(seed);
    const g = gen(r);
    const base: Obj = { id: 1, ...g.map(0) };
    const ours = g.mutate(base, 'u', 0.5);
    const theirs = g.mutate(base, 't', 0.5);
    const hand = handFormat(ours, r);
    assert.equal(parse(hand.text), ours, `seed ${seed}: the hand formatting reads as the user's value`);
    const baseText = generated(base);
    const theirsText = generated(theirs);
    counts.docs++;

    const keep = mergeYaml(hand.text, baseText, theirsText, 'keep');
    const expected = model(base, ours, theirs, 'keep');
    assert.equal([...keep.conflicts].sort(), expected.conflicts, `seed ${seed}: conflicts`);
    if (expected.conflicts.length) {
      counts.conflicts++;
      assert.is(keep.text, hand.text, `seed ${seed}: a conflict leaves the file as it is`);
    } else {
      counts.clean++;
      assert.equal(parse(keep.text) ?? {}, expected.value, `seed ${seed}: merged value\n--- ours\n${hand.text}--- theirs\n${theirsText}--- result\n${keep.text}`);
      if (keep.reformatted) counts.reformatted++;
      else counts.linesChecked += assertUntouchedLinesKept(hand, ours, keep.text, expected.value, seed);
    }

    const forced = mergeYaml(hand.text, baseText, theirsText, 'theirs');
    if (forced.reformatted) counts.reformatted++;
    const expectedForced = model(base, ours, theirs, 'theirs');
    assert.equal(parse(forced.text) ?? {}, expectedForced.value, `seed ${seed}: --force takes the tool side of each conflict, and only there`);
    if (!forced.reformatted) assertUntouchedLinesKept(hand, ours, forced.text, expectedForced.value, seed);

    const marked = mergeYaml(hand.text, baseText, theirsText, 'markers');
    if (expected.conflicts.length && !marked.conflicts.some((c) => c.startsWith('(document)'))) {
      assert.ok(conflictMarkerRanges(marked.text).length >= 1, `seed ${seed}: markers written`);
      if (!forced.reformatted) assert.is(resolveMarkersToTheirs(marked.text), forced.text, `seed ${seed}: markers resolved to the tool side are what --force writes`);
    }
  }
  assert.ok(counts.conflicts > RUNS / 10 && counts.clean > RUNS / 10, `both outcomes are exercised: ${JSON.stringify(counts)}`);
  // The whole-file fallback (re-serialising) would hide a wrong splice behind a right value and lose
  // the user's formatting everywhere: a map file is always edited in place (0 of 6,000 merges over
  // seeds 1-3000 fell back when the pair-by-pair patch was added; about 1 in 130 did before).
  assert.is(counts.reformatted, 0, `no merge re-serialises the whole file: ${counts.reformatted} of ${2 * RUNS} merges`);
});

test('where only values change, on lines far apart, the structural merge writes what git merge-file writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'merge-vs-git-'));
  try {
    for (let seed = 1; seed <= Math.ceil(RUNS / 3); seed++) {
      const r = rng(10_000 + seed);
      const keys = Array.from({ length: 12 }, (_, i) => `key${i}`);
      const base: Obj = Object.fromEntries(keys.map((k) => [k, `v${Math.floor(r() * 9)}`]));
      const ours: Obj = { ...base };
      const theirs: Obj = { ...base };
      // Each side changes keys of its own, at least two lines apart from the other's, as git needs.
      for (let i = 0; i < keys.length; i += 4) {
        if (r() < 0.6) ours[keys[i]] = `u${seed}`;
        if (r() < 0.6) theirs[keys[i + 2]] = `t${seed}`;
      }
      const baseText = generated(base);
      const oursText = generated(ours).replace('# generated\n', '# generated\n# ours\n');
      const theirsText = generated(theirs);
      const files = ['ours', 'base', 'theirs'].map((n) => join(dir, n));
      writeFileSync(files[0], oursText);
      writeFileSync(files[1], baseText);
      writeFileSync(files[2], theirsText);
      let gitText: string;
      try {
        gitText = execFileSync('git', ['merge-file', '-p', ...files], { encoding: 'utf8' });
      } catch {
        continue; // git found a conflict: nothing to compare
      }
      const ourMerge = mergeYaml(oursText, baseText, theirsText);
      assert.equal(ourMerge.conflicts, [], `seed ${seed}`);
      assert.is(ourMerge.text, gitText, `seed ${seed}: the same bytes as git merge-file`);
      counts.gitCompared++;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(counts.gitCompared >= RUNS / 6, `compared ${counts.gitCompared}`);
});

test('text merges equal git merge-file on the same inputs: markers, --theirs, and CRLF files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'text-vs-git-'));
  try {
    const cases = Math.max(10, Math.ceil(RUNS / 10));
    for (let seed = 1; seed <= cases; seed++) {
      const r = rng(20_000 + seed);
      const base = Array.from({ length: 10 }, (_, i) => `line ${i}`);
      const change = (who: string) =>
        base.flatMap((line) => {
          const roll = r();
          return roll < 0.1 ? [] : roll < 0.25 ? [`${line} ${who}`] : roll < 0.32 ? [line, `${who} added`] : [line];
        });
      const texts = { ours: `${change('ours').join('\n')}\n`, base: `${base.join('\n')}\n`, theirs: `${change('theirs').join('\n')}\n` };
      const git = (extra: string[], t: typeof texts): { text: string; code: number } => {
        const files = (['ours', 'base', 'theirs'] as const).map((n) => {
          writeFileSync(join(dir, n), t[n]);
          return join(dir, n);
        });
        try {
          return { text: execFileSync('git', ['merge-file', '-p', ...extra, '-L', 'your edit', '-L', 'last generated', '-L', 'generated now', ...files], { encoding: 'utf8' }), code: 0 };
        } catch (error) {
          const e = error as { status: number; stdout: string };
          return { text: e.stdout, code: e.status };
        }
      };
      const ours = await mergeText(texts.ours, texts.base, texts.theirs);
      const direct = git([], texts);
      assert.ok(ours, 'git is available');
      assert.is(ours!.text, direct.text, `seed ${seed}: markers`);
      assert.is(ours!.conflicts, direct.code, `seed ${seed}: conflict count`);
      const forced = await mergeText(texts.ours, texts.base, texts.theirs, 'theirs');
      assert.is(forced!.text, git(['--theirs'], texts).text, `seed ${seed}: --theirs`);
      assert.is(resolveMarkersToTheirs(ours!.text), forced!.text, `seed ${seed}: resolving our markers to the tool side is git's --theirs`);
      // A CRLF file is merged as LF and written back as CRLF: the same as git merging the CRLF texts.
      const crlf = { ours: texts.ours.replace(/\n/g, '\r\n'), base: texts.base.replace(/\n/g, '\r\n'), theirs: texts.theirs.replace(/\n/g, '\r\n') };
      if (direct.code === 0) assert.is(ours!.text.replace(/\n/g, '\r\n'), git([], crlf).text, `seed ${seed}: CRLF`);
      counts.textCases++;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`merge property runs: ${JSON.stringify(counts)}`);
});

test.run();
