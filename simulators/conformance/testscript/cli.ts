// `nuts-lsp-lab conformance testscript <file|dir> --target <fhir base>`: runs FHIR TestScripts (e.g. Nictiz's) with progress, JUnit XML and exit codes.
import type { Command } from 'commander';
import type { Io } from '../../shared/io.js';

export interface TestScriptCliOptions {
  target: string;
  header?: string[];
  validate: string;
  filter?: string;
  junit?: string;
  json?: boolean;
  timeout: string;
}

const EXIT = { passed: 0, failed: 1, usage: 2, unreachable: 3 } as const;

export function addTestScriptCommand(conformance: Command, io: Io): void {
  conformance
    .command('testscript <path>')
    .description('run FHIR R4 TestScripts (XML or JSON; a file or a folder, load scripts first) against a FHIR server')
    .requiredOption('--target <url>', 'FHIR base URL of the server under test')
    .option('--header <name:value>', 'send this header instead of the scripts\' own (repeatable), e.g. "Authorization: Bearer …"', (v: string, acc: string[] = []) => [...acc, v])
    .option('--validate <where>', "validateProfileId asserts: 'target' (the server's $validate) or 'local' (this tool's validator)", 'target')
    .option('--filter <text>', 'only scripts whose path contains this text (load scripts always run)')
    .option('--junit <file>', 'write a JUnit XML report (one testsuite per script, one testcase per assert)')
    .option('--json', 'print the results as JSON')
    .option('--timeout <ms>', 'per request', '30000')
    .addHelpText('after', '\nExit codes: 0 all passed, 1 an assert failed, 2 usage error, 3 target unreachable.')
    .action(async (where: string, opts: TestScriptCliOptions) => {
      process.exitCode = await testScriptMain(where, opts, io);
    });
}

function usage(io: Io, message: string): number {
  io.err(`nuts-lsp-lab conformance testscript: ${message}`);
  return EXIT.usage;
}

/** Runs the scripts and returns the exit code; progress goes to io.out as each script finishes (not with --json). */
export async function testScriptMain(where: string, o: TestScriptCliOptions, io: Io): Promise<number> {
  let target: URL;
  try {
    target = new URL(o.target);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error();
  } catch {
    return usage(io, `--target must be an http(s) URL, got '${o.target}'`);
  }
  const timeoutMs = Number(o.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) return usage(io, `--timeout must be a positive whole number of ms, got '${o.timeout}'`);
  if (o.validate !== 'target' && o.validate !== 'local') return usage(io, `--validate must be 'target' or 'local', got '${o.validate}'`);
  const headers: Record<string, string> = {};
  for (const h of o.header ?? []) {
    const colon = h.indexOf(':');
    if (colon <= 0) return usage(io, `--header must look like 'Name: value', got '${h}'`);
    headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
  }
  const { findScripts, runTestScripts, scriptLine, testScriptSummary, toReports } = await import('./run.js');
  let count: number;
  try {
    count = findScripts(where).length;
  } catch (e) {
    return usage(io, (e as Error).message);
  }
  if (!count) return usage(io, `no TestScript found in ${where}`);
  let validate: import('./run.js').ProfileCheck | 'target' = 'target';
  if (o.validate === 'local') {
    const { ResourceValidator } = await import('../../../node/src/fhir/index.js');
    const validator = new ResourceValidator();
    validate = async (resource, profile) => validator.validate(resource, profile).filter((i) => i.severity === 'error' || i.severity === 'fatal').map((i) => `${i.expression?.[0] ?? ''} ${i.diagnostics ?? i.code}`.trim());
  }
  const startedAt = new Date().toISOString();
  const run = await runTestScripts(where, { target: o.target, timeoutMs, headers, validate, filter: o.filter, onScript: o.json ? undefined : (r, i, n) => io.out(scriptLine(r, i, n)) });
  if (run.unreachable) io.err(`nuts-lsp-lab conformance testscript: target unreachable: ${run.unreachable}`);
  const reports = toReports(run, o.target, startedAt);
  if (o.junit) {
    const { toJUnit, xmlWellFormedness } = await import('../report.js');
    const xml = toJUnit(reports);
    const wf = xmlWellFormedness(xml);
    if (!wf.ok) throw new Error(`internal error: the JUnit report is not well-formed XML (${wf.reason})`);
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const path = await import('node:path');
    mkdirSync(path.dirname(path.resolve(o.junit)), { recursive: true });
    writeFileSync(o.junit, xml);
  }
  const exitCode = run.unreachable ? EXIT.unreachable : run.scripts.some((s) => s.outcome === 'failed') ? EXIT.failed : EXIT.passed;
  if (o.json) {
    io.out(JSON.stringify({ ok: exitCode === 0, exitCode, ...(run.unreachable ? { error: `target unreachable: ${run.unreachable}` } : {}), summary: testScriptSummary(run), scripts: run.scripts }, null, 2));
  } else {
    io.out(testScriptSummary(run));
    if (o.junit) io.out(`JUnit report: ${o.junit}`);
  }
  return exitCode;
}
