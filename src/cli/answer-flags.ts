/**
 * Answers given as flags (after copier's `--data`): `--repository OWNER/REPO`, `--account
 * STAGE=ID[,provider=ARN]` (repeatable) and `--set KEY=VALUE` for every other answer. They turn into
 * raw answers that go over `--answers` and the recorded answers, and through the same validation;
 * a problem found there is renamed after the flag that gave the value.
 */
import type { RawAnswers } from '../answers/answers.ts';
import { InputError, type InputProblem } from '../answers/validate.ts';
import { closest } from './context.ts';

/** `--set` keys and how the text after `=` becomes the answer. */
const SET_KEYS: Record<string, (text: string) => unknown> = {
  repository: (t) => t,
  repository_ids: (t) => {
    if (t === '' || t === 'null') return null;
    const m = /^(\d{1,16})\/(\d{1,16})$/.exec(t);
    return m ? { owner: Number(m[1]), repo: Number(m[2]) } : t;
  },
  namespace: (t) => t,
  region: (t) => t,
  default_branch: (t) => t,
  setup: (t) => t,
  apply_environment: (t) => t,
  atmos_version: (t) => t,
  atmos_pro: (t) => (/^(true|yes|on)$/i.test(t) ? true : /^(false|no|off)$/i.test(t) ? false : t),
  tfstate_role_arn: (t) => (t === '' || t === 'null' ? null : t),
  pin_actions: (t) => t,
  guard_workflow: (t) => (/^(true|yes|on)$/i.test(t) ? true : /^(false|no|off)$/i.test(t) ? false : t),
  // The state backend, one field per key: --set backend.type=s3 --set backend.bucket=acme-tfstate ...
  'backend.type': (t) => t,
  'backend.bucket': (t) => t,
  'backend.region': (t) => t,
  'backend.key_prefix': (t) => (t === '' || t === 'null' ? null : t),
  'backend.use_lockfile': (t) => (/^(true|yes|on)$/i.test(t) ? true : /^(false|no|off)$/i.test(t) ? false : t),
  'backend.dynamodb_table': (t) => (t === '' || t === 'null' ? null : t),
  'backend.role_arn': (t) => (t === '' || t === 'null' ? null : t),
};

/** Keys `--set` refuses, with where that answer is given instead. */
const ELSEWHERE: Record<string, string> = {
  accounts: 'give accounts with --account STAGE=ID[,provider=ARN], once per account',
  roles: 'roles come from the setup; add one with `create-atmos-oidc role`, or list them in the --answers file',
  version: 'the schema version is written by the tool',
  files: 'recorded by the tool',
  generator: 'recorded by the tool',
};

export interface FlagAnswers {
  raw: RawAnswers;
  /** Answer field (as validation names it) → the flag that gave it, for messages. */
  labels: Array<{ field: string; flag: string }>;
}

export interface AnswerFlagsInput {
  repository: string | null;
  accounts: string[];
  sets: string[];
}

/** The answers given by flags; a malformed flag is an input error naming it. */
export function answersFromFlags(input: AnswerFlagsInput): FlagAnswers {
  const raw: RawAnswers = {};
  const labels: FlagAnswers['labels'] = [];
  const problems: InputProblem[] = [];
  for (const item of input.sets) {
    const at = item.indexOf('=');
    const key = at < 0 ? item : item.slice(0, at);
    if (at < 0) {
      problems.push({ field: '--set', value: item, allowed: 'expected KEY=VALUE, e.g. --set region=eu-west-1' });
      continue;
    }
    if (Object.hasOwn(ELSEWHERE, key)) {
      problems.push({ field: '--set', value: item, allowed: `"${key}" cannot be set here: ${ELSEWHERE[key]}` });
      continue;
    }
    if (!Object.hasOwn(SET_KEYS, key)) {
      const guess = closest(key, Object.keys(SET_KEYS));
      problems.push({ field: '--set', value: item, allowed: `unknown key "${key}"${guess ? `; did you mean ${guess}?` : ''} Keys: ${Object.keys(SET_KEYS).join(', ')}` });
      continue;
    }
    const value = SET_KEYS[key](item.slice(at + 1));
    if (key.startsWith('backend.')) {
      const backend = (typeof raw.backend === 'object' && raw.backend !== null ? raw.backend : (raw.backend = {})) as RawAnswers;
      backend[key.slice('backend.'.length)] = value;
    } else raw[key] = value;
    labels.push({ field: key, flag: `--set ${key}` });
  }
  if (input.repository !== null) {
    raw.repository = input.repository;
    labels.push({ field: 'repository', flag: '--repository' });
  }
  if (input.accounts.length) {
    const accounts: RawAnswers[] = [];
    input.accounts.forEach((spec) => {
      const parsed = parseAccount(spec);
      if (typeof parsed === 'string') {
        problems.push({ field: '--account', value: spec, allowed: parsed });
        return;
      }
      labels.push({ field: `accounts[${accounts.length}]`, flag: `--account ${spec}` });
      accounts.push(parsed);
    });
    raw.accounts = accounts;
    labels.push({ field: 'accounts', flag: '--account' });
  }
  if (problems.length) throw new InputError(problems);
  return { raw, labels };
}

const ACCOUNT_FORM = 'expected STAGE=ACCOUNT_ID[,provider=OIDC_PROVIDER_ARN], e.g. dev=111111111111';

/** `dev=111111111111` or `dev=111111111111,provider=arn:aws:iam::111111111111:oidc-provider/...`. */
function parseAccount(spec: string): RawAnswers | string {
  const [head, ...extras] = spec.split(',');
  const at = head.indexOf('=');
  if (at < 0) return ACCOUNT_FORM;
  const account: RawAnswers = { stage: head.slice(0, at), id: head.slice(at + 1), oidc_provider_arn: null };
  for (const extra of extras) {
    const eq = extra.indexOf('=');
    const key = eq < 0 ? extra : extra.slice(0, eq);
    if (key !== 'provider' || eq < 0) return `${ACCOUNT_FORM}; "${extra}" is not provider=ARN`;
    account.oidc_provider_arn = extra.slice(eq + 1);
  }
  return account;
}

/** Rename problems about values that came from flags after those flags: `--set region`, `--account dev=1 (id)`. */
export function renameToFlags(error: InputError, labels: FlagAnswers['labels']): InputError {
  if (!labels.length) return error;
  return new InputError(
    error.problems.map((p) => {
      for (const { field, flag } of labels) {
        if (p.field === field) return { ...p, field: flag };
        if (p.field.startsWith(`${field}.`) || p.field.startsWith(`${field}[`)) return { ...p, field: `${flag} (${p.field.slice(field.length).replace(/^\./, '')})` };
      }
      return p;
    }),
  );
}
