#!/usr/bin/env node
// The published entry: one clear line on a Node.js that is too old, then the bundled CLI in dist/.
import module from 'node:module';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 17)) {
  console.error(`create-atmos-oidc needs Node.js 20.17 or newer; this is ${process.versions.node}.`);
  process.exit(2);
}
// Node.js 22.1+ keeps compiled code between runs (a no-op on Node 20).
module.enableCompileCache?.();
await import('../dist/main.js');
