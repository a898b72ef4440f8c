/**
 * The trust rules of src/setup/trust.ts case by case, one scenario per test: what pattern an entry
 * becomes (the component's `trusted_github_repos_regexp` in aws-iam-role
 * src/github-assume-role-policy.tf; test/trust-terraform.test.ts checks the same against Terraform on
 * generated entries), what `sub` a job sends (GitHub's OIDC docs, ../shared/reference/domain.md), how
 * StringLike matches, the policy document, the warnings and the words a summary shows.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  admits,
  AUDIENCE,
  describeEntries,
  describeEntry,
  stringLike,
  subClaim,
  subjectRepo,
  TOKEN_HOST,
  trustEntryWarnings,
  trustPattern,
  trustPolicyDocument,
} from '../src/setup/trust.ts';

test('a branch constraint becomes ref:refs/heads/<branch>, not the branch verbatim', () => {
  assert.is(trustPattern('acme/infra-live:main', null), 'repo:acme/infra-live:ref:refs/heads/main');
  assert.is(trustPattern('acme/infra-live:release/1.x', null), 'repo:acme/infra-live:ref:refs/heads/release/1.x');
});

test('no constraint trusts every context of the repository', () => {
  assert.is(trustPattern('acme/infra-live', null), 'repo:acme/infra-live:*');
});

test('ref: and environment: constraints are kept verbatim', () => {
  assert.is(trustPattern('acme/infra-live:ref:refs/tags/v1', null), 'repo:acme/infra-live:ref:refs/tags/v1');
  assert.is(trustPattern('acme/infra-live:environment:prod', null), 'repo:acme/infra-live:environment:prod');
});

test('a constraint that only starts like ref or environment is a branch', () => {
  assert.is(trustPattern('acme/r:refs/heads/main', null), 'repo:acme/r:ref:refs/heads/refs/heads/main');
  assert.is(trustPattern('acme/r:environment', null), 'repo:acme/r:ref:refs/heads/environment');
  assert.is(trustPattern('acme/r:Environment:prod', null), 'repo:acme/r:ref:refs/heads/Environment:prod');
});

test('an entry without org takes trusted_github_org; an entry with one keeps its own', () => {
  assert.is(trustPattern('infra-live:main', 'acme'), 'repo:acme/infra-live:ref:refs/heads/main');
  assert.is(trustPattern('other/infra-live', 'acme'), 'repo:other/infra-live:*');
  assert.is(trustPattern('/infra-live', 'acme'), 'repo:acme/infra-live:*', 'an empty org is coalesced like a missing one');
});

test('no org and no trusted_github_org is refused, naming the entry', () => {
  assert.throws(() => trustPattern('infra-live', null), /trust entry "infra-live" has no org and trusted_github_org is empty/);
  assert.throws(() => trustPattern('infra-live', ''), /has no org/);
  assert.throws(() => trustPattern('/infra-live:main', null), /has no org/);
});

test('the regex split: a second slash starts the constraint; one colon after the repo is dropped', () => {
  assert.is(trustPattern('a/b/c', null), 'repo:a/b:ref:refs/heads//c');
  assert.is(trustPattern('a/b/c:d', null), 'repo:a/b:ref:refs/heads//c:d');
  assert.is(trustPattern('a/b:', null), 'repo:a/b:*');
  assert.is(trustPattern('a/b::x', null), 'repo:a/b:ref:refs/heads/:x');
  assert.is(trustPattern('a:b/c', 'acme'), 'repo:acme/a:ref:refs/heads/b/c', 'a colon before the first slash means no org');
  assert.is(trustPattern(':main', 'acme'), 'repo:acme/:ref:refs/heads/main');
});

test('immutable ids and wildcards pass through as written', () => {
  assert.is(trustPattern('acme@123/infra@456:environment:prod', null), 'repo:acme@123/infra@456:environment:prod');
  assert.is(trustPattern('acme/*', null), 'repo:acme/*:*');
});

test('a line break in the constraint is refused (the component\'s regex cannot match it); elsewhere it is part of a name', () => {
  assert.throws(() => trustPattern('acme/r:ma\nin', null), /line break in its constraint/);
  assert.is(trustPattern('ac\nme/r:main', null), 'repo:ac\nme/r:ref:refs/heads/main');
});

test('StringLike: * any run, ? exactly one character, anchored at both ends, case-sensitive', () => {
  assert.ok(stringLike('repo:acme/*:*', 'repo:acme/x:ref:refs/heads/a:b/c'));
  assert.ok(stringLike('v?', 'v1'));
  assert.not.ok(stringLike('v?', 'v'));
  assert.not.ok(stringLike('v?', 'v12'));
  assert.not.ok(stringLike('v?', 'v?x'));
  assert.not.ok(stringLike('main', 'xmain'), 'no match after a prefix');
  assert.not.ok(stringLike('main', 'mainx'), 'no match before a suffix');
  assert.not.ok(stringLike('Main', 'main'));
  assert.not.ok(stringLike('a.c', 'abc'), '"." is literal');
  assert.ok(stringLike('a.c', 'a.c'));
  assert.ok(stringLike('a*', 'a\nb'), '* spans a line break');
  assert.ok(stringLike('a?b', 'a\nb'), '? matches a line break');
  for (const ch of '+^$(){}|[]\\/')
    assert.ok(stringLike(`x${ch}y`, `x${ch}y`), `"${ch}" is literal`);
  assert.not.ok(stringLike('x+y', 'xxy'));
  assert.not.ok(stringLike('a(b|c)', 'ab'));
  assert.not.ok(stringLike('[ab]', 'a'));
  assert.not.ok(stringLike('a{2}', 'aa'));
  assert.not.ok(stringLike('a\\d', 'a1'));
});

test('admits returns the first pattern that matches, or null', () => {
  const patterns = ['repo:acme/r:environment:prod', 'repo:acme/r:*', 'repo:acme/r:ref:refs/heads/main'];
  assert.is(admits(patterns, 'repo:acme/r:ref:refs/heads/main'), 'repo:acme/r:*');
  assert.is(admits(patterns, 'repo:acme/r:environment:prod'), 'repo:acme/r:environment:prod');
  assert.is(admits(patterns, 'repo:acme/other:pull_request'), null);
  assert.is(admits([], 'repo:acme/r:pull_request'), null);
});

test('subject: by name, or owner@id/repo@id with immutable ids', () => {
  assert.is(subjectRepo('acme/infra', null), 'acme/infra');
  assert.is(subjectRepo('acme/infra', { owner: 12, repo: 34 }), 'acme@12/infra@34');
});

test('sub claim per context: environment, pull request, ref; ":" in a name is sent as %3A', () => {
  assert.is(subClaim('acme/r', { environment: 'prod' }), 'repo:acme/r:environment:prod');
  assert.is(subClaim('acme/r', { environment: 'a:b:c' }), 'repo:acme/r:environment:a%3Ab%3Ac');
  assert.is(subClaim('acme/r', { pullRequest: true }), 'repo:acme/r:pull_request');
  assert.is(subClaim('acme/r', { ref: 'refs/heads/main' }), 'repo:acme/r:ref:refs/heads/main');
  assert.is(subClaim('acme/r', { ref: 'refs/heads/a:b:c' }), 'repo:acme/r:ref:refs/heads/a%3Ab%3Ac');
});

test('the trust policy document: the provider, the three actions, audience and sub conditions', () => {
  assert.is(AUDIENCE, 'sts.amazonaws.com');
  assert.is(TOKEN_HOST, 'token.actions.githubusercontent.com');
  const patterns = ['repo:acme/r:*'];
  const doc = trustPolicyDocument('arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com', patterns);
  assert.equal(doc, {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OidcProviderAssume',
        Effect: 'Allow',
        Principal: { Federated: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com' },
        Action: ['sts:AssumeRoleWithWebIdentity', 'sts:SetSourceIdentity', 'sts:TagSession'],
        Condition: {
          StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
          StringLike: { 'token.actions.githubusercontent.com:sub': ['repo:acme/r:*'] },
        },
      },
    ],
  });
  patterns.push('changed');
  assert.equal((doc as { Statement: { Condition: { StringLike: Record<string, string[]> } }[] }).Statement[0].Condition.StringLike[`${TOKEN_HOST}:sub`], ['repo:acme/r:*'], 'the document holds a copy');
});

test('warning: a constraint "pull_request" trusts a branch of that name', () => {
  assert.equal(trustEntryWarnings('acme/r:pull_request', false), [
    {
      entry: 'acme/r:pull_request',
      message:
        '"acme/r:pull_request" trusts a branch named "pull_request", not pull requests (the component turns any constraint other than "ref:..." or "environment:..." into a branch); pull request jobs cannot be singled out through trusted_github_repos',
    },
  ]);
});

test('warning: a constraint "*" trusts every branch but no pull request', () => {
  assert.equal(trustEntryWarnings('acme/r:*', false), [{ entry: 'acme/r:*', message: '"acme/r:*" trusts every branch (ref:refs/heads/*) but no pull request and no environment job' }]);
});

test('warning: a repository "*" trusts the whole organisation, with or without an org', () => {
  const message = (e: string): string => `"${e}" trusts every repository of the organisation: any of them can assume this role`;
  assert.equal(trustEntryWarnings('acme/*:main', false), [{ entry: 'acme/*:main', message: message('acme/*:main') }]);
  assert.equal(trustEntryWarnings('*:main', false), [{ entry: '*:main', message: message('*:main') }]);
  assert.equal(trustEntryWarnings('acme/x*:main', false), [], 'a prefix wildcard is not the whole organisation');
});

test('warning: no constraint on an administrator role; none on a non-admin one', () => {
  assert.equal(trustEntryWarnings('acme/r', true), [
    { entry: 'acme/r', message: '"acme/r" has no constraint on an administrator role: any branch, pull request or environment of that repository can assume it' },
  ]);
  assert.equal(trustEntryWarnings('acme/r', false), []);
  assert.equal(trustEntryWarnings('acme/r:environment:prod', true), []);
});

test('warnings add up: an org-wide entry without constraint on an admin role gets both', () => {
  assert.is(trustEntryWarnings('acme/*', true).length, 2);
  assert.is(trustEntryWarnings('*', true).length, 2);
});

test('an entry in words, per kind of constraint', () => {
  assert.is(describeEntry('acme/r', null), 'any branch, tag, pull request or environment of acme/r');
  assert.is(describeEntry('acme/r:environment:prod', null), 'only jobs running in GitHub Environment prod of acme/r');
  assert.is(describeEntry('acme/r:main', null), 'jobs on branch main of acme/r (not pull requests or environments)');
  assert.is(describeEntry('acme/r:ref:refs/tags/v1', null), 'jobs on tag v1 of acme/r');
  assert.is(describeEntry('acme/r:ref:refs/pull/1/merge', null), 'ref:refs/pull/1/merge of acme/r');
  assert.is(describeEntry('acme/*:main', null), 'jobs on branch main of every repository of acme (not pull requests or environments)');
  assert.is(describeEntry('r', 'acme'), 'any branch, tag, pull request or environment of acme/r');
});

test('entries in words are joined with "; or "', () => {
  assert.is(describeEntries(['acme/r:main', 'acme/r:environment:prod'], null), 'jobs on branch main of acme/r (not pull requests or environments); or only jobs running in GitHub Environment prod of acme/r');
  assert.is(describeEntries([], null), '');
});

test.run();
