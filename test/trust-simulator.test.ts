/**
 * Our matcher, `admits` from src/setup/trust.ts itself (no copy of it), judged by the IAM policy
 * simulator (@cloud-copilot/iam-simulate, written by others from AWS's documented StringLike rules)
 * on adversarial `sub` claims: each generated trust pattern is realised into a subject it should admit,
 * then bent the ways a wrong matcher would miss: text before or after it (a match mid-string), `?`
 * given zero or two characters, `*` spanning `:` and `/`, `:` written `%3A`, a letter in the other
 * case, a character dropped or changed. The two must agree on every subject, and when `admits` names
 * a pattern, the simulator must admit the subject on that pattern alone.
 *
 * Seed: TRUST_SIM_SEED (printed).
 */
import { createValidatedPolicy, validateTrustPolicy } from '@cloud-copilot/iam-policy';
import { runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import * as fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { admits, AUDIENCE, stringLike, TOKEN_HOST, trustPattern, trustPolicyDocument } from '../src/setup/trust.ts';

const SEED = Number(process.env.TRUST_SIM_SEED ?? Date.now() % 2 ** 31);
// TRUST_SIM_RUNS: fewer generated cases, for the mutation runs (hundreds of runs of this file).
const PROVIDER = `arn:aws:iam::111111111111:oidc-provider/${TOKEN_HOST}`;
const ROLE = 'arn:aws:iam::111111111111:role/acme-gbl-dev-planner';
const tally = { subjects: 0, allowed: 0, denied: 0, patternSets: 0 };

const policies = new Map<string, ReturnType<typeof createValidatedPolicy>>();
function simulate(patterns: readonly string[], sub: string): string {
  const key = JSON.stringify(patterns);
  let policy = policies.get(key);
  if (!policy) {
    policy = createValidatedPolicy(trustPolicyDocument(PROVIDER, patterns), validateTrustPolicy, { name: 'trust' });
    assert.equal(policy.errors, [], `the trust policy for ${key} is valid IAM`);
    policies.set(key, policy);
  }
  return runUnsafeSimulation(
    {
      request: {
        principal: PROVIDER,
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: { resource: ROLE, accountId: '111111111111' },
        contextVariables: { [`${TOKEN_HOST}:sub`]: sub, [`${TOKEN_HOST}:aud`]: AUDIENCE },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policy,
    },
    {},
  );
}

/** admits() and the simulator agree on `sub`; a named pattern admits it alone. */
function agree(patterns: readonly string[], sub: string, how: string): void {
  const verdict = simulate(patterns, sub);
  const matched = admits(patterns, sub);
  assert.is(matched !== null, verdict === 'Allowed', `${how}: admits(${JSON.stringify(patterns)}, ${JSON.stringify(sub)}) gives ${JSON.stringify(matched)}, the simulator ${verdict} (seed ${SEED})`);
  if (matched !== null) {
    assert.ok(patterns.includes(matched), `admits names one of the patterns: ${matched}`);
    assert.is(simulate([matched], sub), 'Allowed', `${how}: the pattern admits names (${matched}) admits ${sub} on its own`);
  }
  tally.subjects++;
  if (verdict === 'Allowed') tally.allowed++;
  else tally.denied++;
}

// ---- patterns: from trust entries as people write them, and raw ones with wildcards anywhere ----
const word = fc.string({ unit: fc.constantFrom(...'abcAB01-_.'.split('')), minLength: 1, maxLength: 6 });
const wild = fc.constantFrom('*', '?', '??', '*?', 'x*', '?x');
const piece = fc.oneof({ weight: 3, arbitrary: word }, { weight: 2, arbitrary: wild }, { weight: 1, arbitrary: fc.constantFrom(':', '/', '%3A', '@1', 'refs/heads/') });
const entry = fc.tuple(
  fc.oneof(word, word.map((w) => `${w}@42`)),
  fc.oneof(word, fc.constant('*'), fc.array(piece, { minLength: 1, maxLength: 3 }).map((a) => a.join('').replace(/[:/]/g, '-'))),
  fc.option(fc.oneof(word, fc.array(piece, { minLength: 1, maxLength: 4 }).map((a) => a.join('')), word.map((w) => `ref:refs/tags/${w}*`), word.map((w) => `environment:${w}`)), { nil: undefined }),
).map(([o, r, c]) => `${o}/${r}${c === undefined ? '' : `:${c}`}`);
const rawPattern = fc.array(piece, { minLength: 1, maxLength: 6 }).map((a) => `repo:${a.join('')}`);
const pattern = fc.oneof({ weight: 3, arbitrary: entry.map((e) => trustPattern(e, 'acme')) }, { weight: 1, arbitrary: rawPattern });

// ---- subjects: a realisation of one pattern, then bent ----
const filler = fc.string({ unit: fc.constantFrom(...'aZ0:/-%3A.'.split('')), maxLength: 5 });
const oneChar = fc.constantFrom(...'aZ0:/-%._@'.split(''));

function realise(p: string, fills: string[], chars: string[]): string {
  let i = 0;
  let j = 0;
  return [...p].map((ch) => (ch === '*' ? fills[i++ % fills.length] : ch === '?' ? chars[j++ % chars.length] : ch)).join('');
}

const flipCase = (s: string, at: number): string => {
  const k = [...s].findIndex((c, i) => i >= at % Math.max(s.length, 1) && c.toLowerCase() !== c.toUpperCase());
  if (k === -1) return s.toUpperCase();
  const c = s[k];
  return s.slice(0, k) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + s.slice(k + 1);
};

type Bend = (s: string, extra: string, at: number, p: string) => string;
const BENDS: Record<string, Bend> = {
  'as realised': (s) => s,
  'text before it (a mid-string match)': (s, extra) => `${extra || 'x'}${s}`,
  'text after it': (s, extra) => `${s}${extra || 'x'}`,
  'inside a longer subject': (s, extra) => `repo:evil/${s}:${extra}`,
  'one letter in the other case': (s, _e, at) => flipCase(s, at),
  'a character dropped': (s, _e, at) => (s.length ? s.slice(0, at % s.length) + s.slice((at % s.length) + 1) : s),
  'a character changed': (s, _e, at) => (s.length ? s.slice(0, at % s.length) + (s[at % s.length] === 'q' ? 'r' : 'q') + s.slice((at % s.length) + 1) : 'q'),
  '":" written "%3A"': (s) => s.replaceAll(':', '%3A'),
  '"%3A" written ":"': (s) => s.replaceAll('%3A', ':'),
  'the pattern itself, wildcards literal': (_s, _e, _a, p) => p,
  '"?" given no character': (_s, extra, _a, p) => realise(p.replace('?', ''), [extra], ['a']),
  '"?" given two characters': (_s, extra, _a, p) => realise(p.replace('?', 'ab'), [extra], ['a']),
  'the empty subject': () => '',
};

const bent = fc.tuple(fc.array(pattern, { minLength: 1, maxLength: 3 }), fc.nat(), fc.array(filler, { minLength: 1, maxLength: 3 }), fc.array(oneChar, { minLength: 1, maxLength: 3 }), filler, fc.nat(), fc.constantFrom(...Object.keys(BENDS)));

test.after(() => {
  console.log(`trust-simulator: seed ${SEED}: admits() and the IAM simulator agree on ${tally.subjects} subjects (${tally.allowed} allowed, ${tally.denied} denied) over ${tally.patternSets} pattern sets`);
});

test('named subjects: mid-string, "?", "*", "%3A" and case', () => {
  const cases: [string[], string[]][] = [
    [['repo:acme/infra:ref:refs/heads/main'], ['repo:acme/infra:ref:refs/heads/main', 'xrepo:acme/infra:ref:refs/heads/main', 'repo:acme/infra:ref:refs/heads/main2', 'repo:acme/infra:ref:refs/heads/Main', 'repo:acme/infra%3Aref:refs/heads/main', 'repo:ACME/infra:ref:refs/heads/main']],
    [['repo:acme/infra:*'], ['repo:acme/infra:pull_request', 'repo:acme/infra:', 'repo:acme/infra', 'repo:acme/infra-other:pull_request', 'repo:evil/repo:acme/infra:x']],
    [['repo:acme/*:ref:refs/tags/v?'], ['repo:acme/a:ref:refs/tags/v1', 'repo:acme/a:ref:refs/tags/v', 'repo:acme/a:ref:refs/tags/v12', 'repo:acme/a/b:ref:refs/tags/v1', 'repo:acme/:ref:refs/tags/v?']],
    [['repo:acme/infra:environment:prod', 'repo:acme/infra:ref:refs/heads/*'], ['repo:acme/infra:environment:prod', 'repo:acme/infra:environment:prod2', 'repo:acme/infra:ref:refs/heads/a:b', 'repo:acme/infra:pull_request']],
    [['repo:a.c/r:*'], ['repo:abc/r:x', 'repo:a.c/r:x']],
  ];
  for (const [patterns, subs] of cases) {
    tally.patternSets++;
    for (const sub of subs) agree(patterns, sub, 'named');
  }
});

test('generated: thousands of bent subjects, admits() agrees with the simulator on each', () => {
  const samples = fc.sample(bent, { seed: SEED, numRuns: Number(process.env.TRUST_SIM_RUNS ?? 2500) });
  for (const [patterns, pick, fills, chars, extra, at, bendName] of samples) {
    tally.patternSets++;
    const target = patterns[pick % patterns.length];
    const subject = realise(target, fills, chars);
    assert.ok(stringLike(target, subject), `a realisation of ${target} (${subject}) is admitted by it`);
    agree(patterns, subject, 'as realised');
    agree(patterns, BENDS[bendName](subject, extra, at, target), bendName);
  }
});

test.run();
