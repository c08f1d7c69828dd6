#!/usr/bin/env node
// The nuts-lsp-lab command: the compiled CLI (dist/) in an installed package; in a clone the TypeScript sources through
// tsx (a devDependency), so a stale dist/ never hides a change. NLL_USE_DIST=1 runs dist/ in a clone too.
import { existsSync } from 'node:fs';

process.env.NLL_CLI_MAIN = '1';
const source = new URL('../simulators/network/cli.ts', import.meta.url);
if (existsSync(source) && process.env.NLL_USE_DIST !== '1') {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/simulators/network/cli.js', import.meta.url).href);
}
