/**
 * For contributors: `npx plop init` runs the same generators as the CLI, from answers in
 * `examples/basic.yaml` into the current directory. Users run `create-atmos-oidc` instead.
 */
import { readFileSync } from 'node:fs';
import type { NodePlopAPI } from 'node-plop';
import { registerGenerators } from './generators/index.ts';

export default function plopfile(plop: NodePlopAPI): void {
  registerGenerators(plop);
  void readFileSync;
}
