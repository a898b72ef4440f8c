/**
 * The generators, registered on node-plop. Each runs one action that plans the whole setup into an
 * in-memory tree (nothing touches the disk there); the CLI then prints, checks and flushes that
 * tree. `plopfile.ts` registers the same generators and a `scaffold` one that flushes, for `npx plop`.
 */
import nodePlop, { type NodePlopAPI } from 'node-plop';
import { planSetup, type PlanOptions, type PlanResult } from '../src/setup/plan.ts';
import type { Answers } from '../src/answers/answers.ts';
import type { Tree } from '../src/write/tree.ts';

/** What a generator run receives and fills in: the tree to plan into, and its outcome. */
export interface GeneratorData {
  tree: Tree;
  answers: Answers;
  options: PlanOptions;
  /** Set by the action: the model and advice of the plan. */
  result?: PlanResult;
  /** Set when an action threw: node-plop reports failures as plain text, this keeps the error itself. */
  error?: unknown;
}

export const GENERATORS = {
  init: 'Scaffold GitHub OIDC to AWS for Atmos: catalog, stacks, auth profile, workflows',
  account: 'Add an AWS account (stage) to an existing setup',
  role: 'Add an IAM role with its Atmos identity',
  workflows: 'Regenerate workflows and every other managed file from .atmos-oidc.yaml',
} as const;

export function registerGenerators(plop: NodePlopAPI): void {
  plop.setActionType('atmos-oidc:plan', async (raw) => {
    const data = raw as unknown as GeneratorData;
    try {
      data.result = await planSetup(data.tree, data.answers, data.options);
    } catch (error) {
      data.error = error;
      throw error;
    }
    const counts = new Map<string, number>();
    for (const change of data.tree.changes()) counts.set(change.kind, (counts.get(change.kind) ?? 0) + 1);
    return [...counts].map(([kind, n]) => `${n} ${kind}`).join(', ');
  });
  plop.setActionType('atmos-oidc:flush', (raw) => {
    const data = raw as unknown as GeneratorData;
    if (data.tree.hasConflicts()) throw new Error('conflicts: nothing written (use the create-atmos-oidc CLI to see the diffs, or --force)');
    return data.tree.flush().join(', ') || 'nothing to write';
  });
  for (const [name, description] of Object.entries(GENERATORS)) {
    plop.setGenerator(name, {
      description,
      prompts: [],
      actions: [{ type: 'atmos-oidc:plan' }],
    });
  }
}

/**
 * Run generator `name` on node-plop and return the planned tree's result. node-plop does not
 * throw on a failed action, so failures are turned back into the error that caused them.
 */
export async function runGenerator(name: keyof typeof GENERATORS, data: GeneratorData): Promise<PlanResult> {
  const plop = await nodePlop(undefined, { destBasePath: data.tree.root, force: false });
  registerGenerators(plop);
  const { failures } = await plop.getGenerator(name).runActions(data as unknown as Record<string, unknown>);
  if (data.error) throw data.error;
  if (failures.length) throw new Error(failures.map((f: { error: string }) => f.error).join('; '));
  if (!data.result) throw new Error(`generator ${name} planned nothing`);
  return data.result;
}
