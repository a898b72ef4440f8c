/**
 * The summary shown before anything is written, short enough to check at a glance: what changes on
 * disk, which account gets which provider, and for each role in each account who can assume it, in
 * words.
 */
import type { Palette } from './color.ts';
import { palette } from './color.ts';
import type { Model } from '../setup/model.ts';
import type { FileChange } from '../write/tree.ts';
import { describeEntries } from '../setup/trust.ts';
import type { Discovery } from '../atmos/inventory.ts';
import type { Inference } from '../setup/adopt.ts';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One line per file count, naming the existing files that change (new ones are in the plan above). */
function filesLine(changes: readonly FileChange[]): string {
  const created = changes.filter((c) => c.kind === 'create').length;
  const updated = changes.filter((c) => c.kind === 'update').map((c) => c.path);
  const unchanged = changes.filter((c) => c.kind === 'unchanged').length;
  const parts = [`${created} to create`, `${updated.length} to change${updated.length ? ` (${updated.join(', ')})` : ''}`];
  if (unchanged) parts.push(`${unchanged} unchanged`);
  return `Files: ${parts.join(', ')}; listed above.`;
}

/** The summary text (no trailing newline). */
export function planSummary(changes: readonly FileChange[], model: Model, c: Palette = palette(false)): string {
  const a = model.answers;
  const lines: string[] = [];
  const facts = [`region ${a.region}`, `${a.setup} setup`, `Atmos ${a.atmos_version}`, a.atmos_pro ? 'Atmos Pro on' : 'Atmos Pro off'];
  lines.push(c.bold(`Summary for ${a.repository}`) + ` (${facts.join(', ')})`);
  if (a.repository_ids) lines.push(`  Subject claims: immutable, ${model.subjectRepository}`);
  lines.push(`  ${filesLine(changes)}`);
  const backend = a.backend;
  if (!backend) lines.push(c.yellow('  State: no backend answered; state stays in each job\'s work directory and is lost (add "backend" to the answers)'));
  else if (backend.type === 'local') lines.push(c.yellow('  State: local, NOT kept between CI runs (every plan shows everything as new)'));
  else if (backend.type === 'existing') lines.push('  State: the backend your stacks already configure');
  else
    lines.push(
      `  State: s3://${backend.bucket}${backend.key_prefix ? `/${backend.key_prefix}` : ''} (${backend.region}), ${backend.dynamodb_table ? `lock table ${backend.dynamodb_table}` : 'S3 lock file'}${model.stateRoleArn ? `, through ${model.stateRoleArn}` : ''}`,
    );
  lines.push('  Accounts:');
  const stageWidth = Math.max(...model.accounts.map((x) => x.stage.length));
  for (const account of model.accounts) {
    const provider = account.reusesProvider
      ? `reuses ${account.providerArn}`
      : account.deploysProvider
        ? 'creates its GitHub OIDC provider'
        : `uses the provider that stage ${account.providerStage} creates`;
    lines.push(`    ${account.stage.padEnd(stageWidth)}  ${account.id}  ${provider}`);
  }
  lines.push('  Who can assume each role:');
  let adminForAnyPullRequest = false;
  for (const account of model.accounts) {
    for (const role of account.roles) {
      const who = describeEntries(role.entries, model.trustedOrg);
      const anyPullRequest = role.role.isAdmin && /pull request/.test(who);
      adminForAnyPullRequest ||= anyPullRequest;
      const policies = role.role.answer.policies.map((p) => p.slice(p.lastIndexOf('/') + 1)).join(', ');
      lines.push(`    ${role.role.component} in ${account.stage}: ${anyPullRequest ? c.yellow(who) : who} ${c.dim(`(${policies})`)}`);
    }
  }
  if (adminForAnyPullRequest)
    lines.push(c.yellow('  Any pull request can assume an administrator role here; the advanced setup avoids that.'));
  return lines.join('\n');
}

/** What adoption found in the repository and the answers it read there, before anything is asked. */
export function describeInference(d: Discovery, inference: Inference): string {
  const lines: string[] = [];
  lines.push(`Adopting an existing Atmos repository: configuration ${d.config.file} (${d.config.discovery.why}), ${d.stacks.length} stack${d.stacks.length === 1 ? '' : 's'} under ${d.config.stacksBasePath}.`);
  const owned = d.stacks.filter((s) => s.providers.length || s.roles.length);
  for (const s of owned)
    lines.push(
      `  stack ${s.name}: ${[...s.providers.map((p) => `provider ${p.instance}`), ...s.roles.map((r) => `${r.kind} ${r.instance}${r.trust ? ` trusting ${r.trust.join(', ') || 'nothing from GitHub'}` : ''}`)].join('; ')}`,
    );
  for (const w of d.workflows) lines.push(`  workflow ${w.path}: ${w.summary}`);
  lines.push('Answers read from the repository:');
  for (const a of inference.inferred) lines.push(`  ${a.field}: ${typeof a.value === 'string' ? a.value : JSON.stringify(a.value)}  (${a.from})`);
  if (!inference.inferred.length) lines.push('  none');
  for (const n of inference.notes) lines.push(`  note: ${n}`);
  return `${lines.join('\n')}\n\n`;
}
