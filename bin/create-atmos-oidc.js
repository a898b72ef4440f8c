#!/usr/bin/env node
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 17)) {
  console.error(`create-atmos-oidc needs Node.js 20.17 or newer; this is ${process.versions.node}.`);
  process.exit(2);
}
await import('../dist/src/main.js');
