#!/usr/bin/env node
// `npm run lint`: ESLint (recommended + typescript-eslint) and the import boundaries (dependency-cruiser), one exit code.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const here = import.meta.dirname;
const root = path.resolve(here, '..', '..');
const bin = (name) => path.join(here, 'node_modules', '.bin', name);

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(`Usage: npm run lint

Runs, from the project root:
  eslint        recommended JavaScript + typescript-eslint rules (tools/lint/eslint.config.mjs)
  depcruise     import boundaries (tools/lint/depcruise.config.mjs): no import cycle; simulators import a node
                capability only through node/src/<capability>/index.ts; production code never imports test/
Exits 1 when either finds a problem.

The tools live in tools/lint/ with their own lockfile: typescript-eslint needs TypeScript's JS API (TypeScript <= 6.0),
while the project type-checks with TypeScript 7, which has none. They are installed there on first use
(npm ci --prefix tools/lint).
`);
  process.exit(0);
}

const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status ?? 1;

if (!existsSync(bin('eslint')) || !existsSync(bin('depcruise'))) {
  process.stdout.write('lint: installing the lint tools into tools/lint/node_modules (npm ci --prefix tools/lint)\n');
  if (run('npm', ['ci', '--prefix', path.relative(root, here), '--no-audit', '--no-fund']) !== 0) process.exit(2);
}

const eslint = run(bin('eslint'), ['--config', path.join(here, 'eslint.config.mjs'), '--max-warnings', '0', '.']);
const cruise = run(bin('depcruise'), ['--config', path.join(here, 'depcruise.config.mjs'), '--output-type', 'err', 'node', 'simulators', 'bin', 'test']);
process.exit(eslint || cruise ? 1 : 0);
