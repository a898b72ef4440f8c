/**
 * Asking for the answers that are missing, one prompt each, validated with the same rules as the
 * answers file so a typo is fixed where it is made. Only what `raw` lacks is asked.
 */
import { defaultNamespace, DEFAULT_ATMOS_VERSION, DEFAULT_REGION, type RawAnswers } from './answers.ts';
import { Cancelled, type Prompter } from './context.ts';
import { AWS_REGIONS, partitionOf } from './regions.ts';
import * as rules from './validate.ts';

const asValidator = (rule: rules.Rule) => (value: string): true | string => rule(value) ?? true;

/** Parse a git remote URL (https or ssh, with or without `.git`) into `owner/repo`. */
export function repositoryFromRemote(url: string): string | null {
  const match = /github\.com[:/]+([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/.exec(url.trim());
  if (!match) return null;
  const candidate = `${match[1]}/${match[2]}`;
  return rules.repository(candidate) === null ? candidate : null;
}

export interface PromptDefaults {
  repository: string | null;
}

/** Prompt for every missing answer, in the order a person thinks about them. */
export async function promptMissing(raw: RawAnswers, prompter: Prompter, defaults: PromptDefaults): Promise<RawAnswers> {
  const out: RawAnswers = { ...raw };
  if (out.repository === undefined) {
    out.repository = await prompter.input({
      message: 'GitHub repository whose workflows assume the roles (owner/repo)',
      default: defaults.repository ?? undefined,
      validate: asValidator(rules.repository),
    });
  }
  const repository = String(out.repository);
  if (out.namespace === undefined) {
    out.namespace = await prompter.input({
      message: 'Namespace (Atmos vars.namespace, first part of role names and identities)',
      default: defaultNamespace(repository),
      validate: asValidator(rules.label),
    });
  }
  if (out.region === undefined) {
    out.region = await prompter.input({
      message: `AWS region (${Object.keys(AWS_REGIONS).slice(0, 4).join(', ')}, ...)`,
      default: DEFAULT_REGION,
      validate: asValidator(rules.region),
    });
  }
  if (out.accounts === undefined) {
    const accounts: Array<Record<string, unknown>> = [];
    const partition = partitionOf(String(out.region));
    do {
      const taken = new Set(accounts.map((a) => a.stage));
      const stage = await prompter.input({
        message: `Stage name of AWS account ${accounts.length + 1} (e.g. dev, prod)`,
        default: accounts.length === 0 ? 'dev' : undefined,
        validate: (v) => rules.label(v) ?? (taken.has(v) ? 'this stage is already listed; stages must be unique' : true),
      });
      const id = await prompter.input({ message: `AWS account id of ${stage} (12 digits)`, validate: asValidator(rules.accountId) });
      const hasProvider = await prompter.confirm({ message: `Does account ${id} already have a GitHub OIDC provider?`, default: false });
      const providerArn = hasProvider
        ? await prompter.input({
            message: 'Its ARN',
            default: `arn:${partition}:iam::${id}:oidc-provider/token.actions.githubusercontent.com`,
            validate: asValidator(rules.oidcProviderArn(id, partition)),
          })
        : null;
      accounts.push({ stage, id, oidc_provider_arn: providerArn });
    } while (await prompter.confirm({ message: 'Add another AWS account?', default: false }));
    out.accounts = accounts;
  }
  if (out.setup === undefined) {
    out.setup = await prompter.select({
      message: 'Setup',
      default: 'advanced',
      choices: [
        { value: 'advanced', name: 'advanced', description: 'read-only planner for PRs and plans; admin only inside a GitHub Environment' },
        { value: 'basic', name: 'basic', description: 'one admin role that any pull request can assume' },
      ],
    });
  }
  if (out.apply_environment === undefined && out.setup === 'advanced') {
    out.apply_environment = await prompter.input({
      message: 'GitHub Environment the apply job runs in ("{stage}" = one per account)',
      default: '{stage}',
      validate: asValidator(rules.environment),
    });
  }
  if (out.atmos_version === undefined) {
    out.atmos_version = await prompter.input({ message: 'Atmos version (repository variable ATMOS_VERSION)', default: DEFAULT_ATMOS_VERSION, validate: asValidator(rules.atmosVersion) });
  }
  if (out.atmos_pro === undefined) {
    out.atmos_pro = await prompter.confirm({ message: 'Use Atmos Pro (affected stacks, dispatched plan and apply)?', default: true });
  }
  if (out.tfstate_role_arn === undefined) {
    const partition = partitionOf(String(out.region));
    const arn = await prompter.input({
      message: 'Terraform state backend role ARN to allow (empty for none)',
      default: '',
      validate: (v) => (v === '' ? true : (rules.roleArn(partition)(v) ?? true)),
    });
    out.tfstate_role_arn = arn === '' ? null : arn;
  }
  return out;
}

/** The real prompts, loaded only when a terminal asks for them. Ctrl-C and Escape become `Cancelled`. */
export async function inquirerPrompter(): Promise<Prompter> {
  const prompts = await import('@inquirer/prompts');
  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      const name = (error as Error)?.name;
      if (name === 'ExitPromptError' || name === 'AbortPromptError' || name === 'CancelPromptError') throw new Cancelled();
      throw error;
    }
  };
  return {
    input: (o) => guard(() => prompts.input({ message: o.message, default: o.default, validate: o.validate })),
    confirm: (o) => guard(() => prompts.confirm({ message: o.message, default: o.default })),
    select: (o) => guard(() => prompts.select({ message: o.message, choices: o.choices, default: o.default })),
  };
}
