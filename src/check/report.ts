/**
 * What `check` prints: a table of chains (job × stack → identity → role → verdict) and the findings
 * grouped by severity, for people; `{ chains, findings }` for `--json`; trust policies for `--explain`.
 */
import type { Chain } from './chains.ts';
import type { Finding } from '../atmos/findings.ts';
import type { CheckResult, ExplainedRole } from './index.ts';

export function toJson(result: Pick<CheckResult, 'chains' | 'findings'>): { chains: Chain[]; findings: Finding[] } {
  return { chains: result.chains, findings: result.findings };
}

const VERDICT: Record<Chain['verdict'], string> = { allowed: 'ok', denied: 'BROKEN', unknown: 'unknown' };

function roleCell(chain: Chain): string {
  if (!chain.roleArn) return '-';
  const m = /^arn:[\w-]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(chain.roleArn);
  return m ? `${m[1]}:${m[2]}` : chain.roleArn;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => `  ${r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')}`.trimEnd()).join('\n');
}

export function formatChains(chains: Chain[]): string {
  if (!chains.length) return '  (no job obtains AWS credentials)\n';
  const rows = [['JOB', 'STACK', 'SUB', 'IDENTITY', 'ROLE', 'VERDICT']];
  for (const c of chains) {
    const job = `${c.workflow.replace(/^\.github\/workflows\//, '').replace(/\.ya?ml$/, '')}/${c.job}`;
    const stack = c.stack ?? c.variant ?? '-';
    const comps = c.stack && c.components.length === 1 ? ` [${c.components[0]}]` : '';
    const verdict = VERDICT[c.verdict] + (c.condition ? ` (${c.condition})` : '') + (c.verdict !== 'allowed' && c.reasons.length ? `: ${c.reasons[0]}` : '');
    rows.push([job, stack + comps, c.context ?? '?', c.identity ?? (c.command === 'configure-aws-credentials' ? '(role-to-assume)' : '-'), roleCell(c), verdict]);
  }
  return `${table(rows)}\n`;
}

export function formatFinding(f: Finding): string {
  const where = f.file ? `${f.file}${f.line ? `:${f.line}` : ''}${f.place ? ` (${f.place})` : ''}` : '(repository)';
  return `  ${f.code}  ${where}\n    ${f.message}\n    fix: ${f.fix}\n`;
}

export function formatReport(result: CheckResult, dir: string): string {
  const { chains, findings, subject } = result;
  let out = `Trust chains of ${dir}\n(repository ${subject.repository}, sub claims "repo:${subject.subjectRepository}:…")\n\n`;
  out += formatChains(chains);
  const errors = findings.filter((f) => f.severity === 'error');
  const warnings = findings.filter((f) => f.severity === 'warning');
  if (errors.length) out += `\nErrors (${errors.length}):\n${errors.map(formatFinding).join('')}`;
  if (warnings.length) out += `\nWarnings (${warnings.length}):\n${warnings.map(formatFinding).join('')}`;
  const count = (v: Chain['verdict']): number => chains.filter((c) => c.verdict === v).length;
  out += `\n${chains.length} chain${chains.length === 1 ? '' : 's'}: ${count('allowed')} ok, ${count('denied')} broken, ${count('unknown')} unknown; ${errors.length} error${errors.length === 1 ? '' : 's'}, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}.\n`;
  return out;
}

export function formatExplain(role: string, explained: ExplainedRole[]): string {
  let out = '';
  for (const e of explained) {
    out += `# ${e.component} in stack ${e.stack} (account ${e.account ?? 'unknown'}): ${e.roleArn ?? 'name unknown'}\n`;
    out += e.policy ? `${JSON.stringify(e.policy, null, 2)}\n\n` : `# ${e.note}\n\n`;
  }
  return out || `# no role matches ${role}\n`;
}
