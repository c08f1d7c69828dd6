#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so the package works without a build step.
import { register } from 'tsx/esm/api';

register();
process.env.NLL_CLI_MAIN = '1';
await import(new URL('../simulators/network/cli.ts', import.meta.url).href);
