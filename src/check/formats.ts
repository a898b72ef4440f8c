/**
 * `check --format sarif|markdown`: the findings as SARIF 2.1.0 for GitHub code scanning, and the
 * chains as Mermaid graphs for `$GITHUB_STEP_SUMMARY`.
 *
 * SARIF: GitHub code scanning reads `runs[].tool.driver.rules`, a `ruleId` per result and
 * `physicalLocation.artifactLocation.uri` relative to the repository root (GitHub docs, "SARIF
 * support for code scanning"); the schema is OASIS SARIF 2.1.0 (sarif-schema-2.1.0.json).
 */
import { CODES, type Finding, type FindingCode } from '../atmos/findings.ts';
import type { Chain } from './chains.ts';
import { VERSION } from '../setup/version.ts';

export const FORMATS = ['text', 'json', 'sarif', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];

const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
const HOME = 'https://www.npmjs.com/package/create-atmos-oidc';

export interface ReportInput {
  chains: Chain[];
  findings: Finding[];
  /** Where the facts came from: the repository, --trust files, the AWS CLI, gh. */
  sources: string[];
  /** The file repository-wide findings are shown at (code scanning needs a file): atmos.yaml. */
  fallbackFile: string;
}

/** SARIF 2.1.0: one rule per finding code (all of them, so rule indexes stay stable), one result per finding. */
export function toSarif(input: ReportInput): object {
  const codes = Object.keys(CODES) as FindingCode[];
  const rules = codes.map((code) => ({
    id: code,
    name: code.replace(/(^|-)(\w)/g, (_, _d: string, c: string) => c.toUpperCase()),
    shortDescription: { text: CODES[code] },
    helpUri: `${HOME}#findings`,
    defaultConfiguration: { level: 'warning' },
  }));
  const results = input.findings.map((f) => ({
    ruleId: f.code,
    ruleIndex: codes.indexOf(f.code),
    level: f.severity === 'error' ? 'error' : 'warning',
    message: { text: `${f.message}\nFix: ${f.fix}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: encodePath(f.file || input.fallbackFile), uriBaseId: '%SRCROOT%' },
          region: { startLine: Math.max(1, f.line) },
        },
        ...(f.place ? { logicalLocations: [{ fullyQualifiedName: f.place, kind: 'member' }] } : {}),
      },
    ],
    ...(f.related?.length ? { relatedLocations: f.related.filter(Boolean).map((file, id) => ({ id, physicalLocation: { artifactLocation: { uri: encodePath(file), uriBaseId: '%SRCROOT%' } } })) } : {}),
  }));
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'create-atmos-oidc check', semanticVersion: VERSION, informationUri: HOME, rules } },
        automationDetails: { id: 'create-atmos-oidc/check/' },
        results,
        properties: { sources: input.sources },
      },
    ],
  };
}

/** A repository-relative path as a URI reference: segments percent-encoded, slashes kept. */
function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** Text inside a quoted Mermaid label: quotes and angle brackets as entities, no line breaks. */
function label(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

function roleLabel(arn: string | null): string {
  if (!arn) return 'role unknown';
  const m = /^arn:[\w-]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m ? `${m[2]} (${m[1]})` : arn;
}

const VERDICT_TEXT: Record<Chain['verdict'], string> = { allowed: 'ok', denied: 'BROKEN', unknown: 'unknown' };

/** One Mermaid flowchart per workflow: job → identity → role → verdict, edges labelled with the stack and sub context. */
export function mermaidGraphs(chains: Chain[]): Array<{ workflow: string; graph: string }> {
  const byWorkflow = new Map<string, Chain[]>();
  for (const c of chains) byWorkflow.set(c.workflow, [...(byWorkflow.get(c.workflow) ?? []), c]);
  return [...byWorkflow.entries()].map(([workflow, list]) => {
    const ids = new Map<string, string>();
    const lines: string[] = ['flowchart LR'];
    const edges = new Set<string>();
    const node = (key: string, text: string, shape: 'job' | 'identity' | 'role' | 'verdict', cls?: string): string => {
      let id = ids.get(key);
      if (!id) {
        id = `n${ids.size}`;
        ids.set(key, id);
        const t = `"${label(text)}"`;
        lines.push(`  ${id}${shape === 'job' ? `[${t}]` : shape === 'identity' ? `(${t})` : shape === 'role' ? `[[${t}]]` : `{{${t}}}`}${cls ? `:::${cls}` : ''}`);
      }
      return id;
    };
    const edge = (from: string, to: string, text: string | null): void => {
      const line = `  ${from} -->${text ? `|"${label(text)}"|` : ''} ${to}`;
      if (!edges.has(line)) {
        edges.add(line);
        lines.push(line);
      }
    };
    for (const c of list) {
      const job = node(`job:${c.job}`, `job ${c.job}`, 'job');
      const identity = node(`id:${c.identity ?? c.command}`, c.identity ? `identity ${c.identity}` : c.command, 'identity');
      const role = node(`role:${c.roleArn ?? '?'}`, roleLabel(c.roleArn), 'role');
      const reason = c.verdict !== 'allowed' && c.reasons.length ? `: ${c.reasons[0]}` : '';
      const text = `${VERDICT_TEXT[c.verdict]}${reason}`;
      const verdict = node(`v:${c.roleArn}|${c.verdict}|${c.reasons[0] ?? ''}`, text.length > 140 ? `${text.slice(0, 139)}…` : text, 'verdict', c.verdict);
      const context = [c.stack ?? c.variant, c.context].filter(Boolean).join(' · ');
      edge(job, identity, context || null);
      edge(identity, role, null);
      // The verdict edge names the job (and stack): one role can be ok for one job and broken for another.
      edge(role, verdict, [`${c.job}${c.stack ? ` in ${c.stack}` : ''}`, c.condition].filter(Boolean).join(' · '));
    }
    lines.push('  classDef allowed fill:#d4f7d4,stroke:#1a7f37', '  classDef denied fill:#ffd8d3,stroke:#cf222e', '  classDef unknown fill:#eaeef2,stroke:#6e7781');
    return { workflow, graph: `${lines.join('\n')}\n` };
  });
}

/** A Markdown table cell: pipes escaped, one line. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
}

/** The step summary: counts, one Mermaid graph per workflow, the findings as a table. */
export function toMarkdown(input: ReportInput): string {
  const { chains, findings } = input;
  const count = (v: Chain['verdict']): number => chains.filter((c) => c.verdict === v).length;
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  let out = '## Trust chains (create-atmos-oidc check)\n\n';
  out += `${chains.length} chain${chains.length === 1 ? '' : 's'}: ${count('allowed')} ok, ${count('denied')} broken, ${count('unknown')} unknown; ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.\n\n`;
  out += `Sources: ${input.sources.join('; ')}.\n\n`;
  for (const { workflow, graph } of mermaidGraphs(chains)) out += `### ${workflow}\n\n\`\`\`mermaid\n${graph}\`\`\`\n\n`;
  if (!chains.length) out += 'No job obtains AWS credentials.\n\n';
  if (findings.length) {
    out += '### Findings\n\n| severity | code | where | message | fix |\n|---|---|---|---|---|\n';
    for (const f of findings) out += `| ${f.severity} | \`${f.code}\` | ${cell(f.file ? `${f.file}${f.line ? `:${f.line}` : ''}` : '(repository)')} | ${cell(f.message)} | ${cell(f.fix)} |\n`;
  }
  return out;
}
