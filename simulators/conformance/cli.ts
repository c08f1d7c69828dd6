// `nuts-lsp-lab conformance`: the suite from the command line, with ✓/✗ per case, JUnit XML and the exit code CI acts on.
import { isValidBsn } from '../../node/src/fhir/index.js';
import { Option, type Command } from 'commander';
import { addTestScriptCommand } from './testscript/cli.js';
import type { Io } from '../shared/io.js';

export interface ConformanceCliOptions {
  profile: 'fhir' | 'node';
  target: string;
  internal?: string;
  token?: string;
  node?: string;
  subject?: string;
  authorizationServer?: string;
  scope: string;
  role: string;
  bsn?: string;
  loadQaData?: boolean;
  loadUrl?: string;
  expectAuth?: boolean;
  junit?: string;
  json?: boolean;
  timeout: string;
}

const USAGE = 2;

export function addConformanceCommand(program: Command, io: Io): void {
  const conformance = program
    .command('conformance')
    .description("run the conformance suite against a supplier's MP9 FHIR server (--profile fhir) or Nuts node (--profile node)")
    .addOption(new Option('--profile <profile>', 'what to check (required)').choices(['fhir', 'node']))
    .option('--target <url>', 'fhir: the FHIR base URL; node: the public base URL of the node (required)')
    .option('--internal <url>', "node: the node's internal API base URL (required for --profile node)")
    .option('--token <bearer>', 'fhir: access token for the searches (sent as Bearer)')
    .option('--node <url>', "fhir: obtain the token the RFC021 way through this node's internal API")
    .option('--subject <subject>', 'fhir: the requesting subject on --node')
    .option('--authorization-server <url>', 'fhir: the authorization server guarding --target (…/oauth2/<subject>)')
    .option('--scope <scope>', 'OAuth scope (token request; node: the presentation_definition checked)', 'medicatieoverdracht-employee')
    .option('--role <code>', 'fhir: role code of the care worker in the token request', '01.015')
    .option('--bsn <bsn>', 'fhir: the patient to query (default with --load-qa-data: 999901084)')
    .option('--load-qa-data', 'fhir: PUT the MP9 QA set first (patient 999901084) and check the filter counts')
    .option('--load-url <url>', 'fhir: internal FHIR base that accepts PUT (for --load-qa-data)')
    .option('--expect-auth', 'fhir: a search without a token must get 401 with WWW-Authenticate')
    .option('--junit <file>', 'write a JUnit XML report')
    .option('--json', 'print the results as JSON')
    .option('--timeout <ms>', 'per request', '15000')
    .addHelpText('after', '\nExit codes: 0 all passed, 1 a case failed, 2 usage error, 3 target unreachable.')
    .action(async (opts: ConformanceCliOptions) => {
      process.exitCode = await conformanceMain(opts, io);
    });
  // `conformance testscript` has its own --target, --junit, … : a parent's options are read only before the subcommand
  // (commander needs this on every ancestor; the program itself has only --help/--version)
  program.enablePositionalOptions();
  conformance.enablePositionalOptions();
  addTestScriptCommand(conformance, io);
}

class UsageError extends Error {}

function validUrl(name: string, v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
    return v;
  } catch {
    throw new UsageError(`${name} must be an http(s) URL, got '${v}'`);
  }
}

async function buildOptions(o: ConformanceCliOptions) {
  // checked here, not by commander: a parent's mandatory options would also be demanded of `conformance testscript`
  if (!o.profile) throw new UsageError("--profile is required (fhir or node); to run FHIR TestScripts use 'conformance testscript <file|dir> --target <url>'");
  if (!o.target) throw new UsageError('--target <url> is required');
  type Opts = Parameters<typeof import('./index.js').runConformance>[0];
  const timeoutMs = Number(o.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout must be a positive whole number of ms, got '${o.timeout}'`);
  const target = validUrl('--target', o.target)!;
  if (o.profile === 'node') {
    if (!o.internal) throw new UsageError('--profile node needs --internal <url> (the internal API of the node)');
    const fhirOnly = (['token', 'node', 'bsn', 'loadQaData', 'loadUrl', 'expectAuth'] as const).filter((k) => o[k] !== undefined);
    if (fhirOnly.length) throw new UsageError(`--profile node does not take ${fhirOnly.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}`);
    return { profile: 'node', target, internal: validUrl('--internal', o.internal)!, scope: o.scope, timeoutMs } satisfies Opts;
  }
  if (o.internal) throw new UsageError('--internal is for --profile node; use --load-url for the FHIR base that accepts PUT');
  if (o.token && o.node) throw new UsageError('give either --token or --node/--subject/--authorization-server, not both');
  if (o.node && (!o.subject || !o.authorizationServer)) throw new UsageError('--node needs --subject and --authorization-server');
  if (!o.node && (o.subject || o.authorizationServer)) throw new UsageError('--subject and --authorization-server go with --node');
  if (o.loadQaData && !o.loadUrl) throw new UsageError('--load-qa-data needs --load-url <internal FHIR base that accepts PUT>');
  if (o.loadUrl && !o.loadQaData) throw new UsageError('--load-url goes with --load-qa-data');
  let load: { url: string; resources: import('../../node/src/fhir/index.js').FhirResource[] } | undefined;
  let bsn = o.bsn;
  const today = new Date();
  if (o.loadQaData) {
    const { qaSet, QA_BSN } = await import('../../node/src/fhir/index.js');
    if (bsn && bsn !== QA_BSN) throw new UsageError(`with --load-qa-data the patient is the QA patient ${QA_BSN}; leave out --bsn ${bsn}`);
    bsn = QA_BSN;
    load = { url: validUrl('--load-url', o.loadUrl)!, resources: qaSet(today).resources };
  }
  if (!bsn) throw new UsageError('--profile fhir needs --bsn <bsn> (or --load-qa-data to use the QA patient)');
  if (!/^\d{9}$/.test(bsn)) throw new UsageError(`--bsn must be 9 digits, got '${bsn}'`);
  if (!isValidBsn(bsn)) throw new UsageError(`--bsn '${bsn}' fails the 11-check (elfproef): not a BSN`);
  return {
    profile: 'fhir',
    target,
    bsn,
    load,
    today,
    expectAuth: o.expectAuth ?? false,
    timeoutMs,
    ...(o.token ? { authorization: /^(bearer|dpop) /i.test(o.token) ? o.token : `Bearer ${o.token}` } : {}),
    ...(o.node
      ? {
          token: {
            node: validUrl('--node', o.node)!,
            subject: o.subject!,
            authorizationServer: validUrl('--authorization-server', o.authorizationServer)!,
            scope: o.scope,
            employee: { name: 'Conformance suite', roleName: `role ${o.role}`, roleCode: o.role, identifier: 'nuts-lsp-lab-conformance' },
          },
        }
      : {}),
  } satisfies Opts;
}

/** Runs the suite and returns the exit code; everything the user needs to read goes to io. */
export async function conformanceMain(o: ConformanceCliOptions, io: Io): Promise<number> {
  let options;
  try {
    options = await buildOptions(o);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`nuts-lsp-lab conformance: ${e.message}`);
    return USAGE;
  }
  const { runConformance, toJUnit, xmlWellFormedness, caseLine, summaryLine } = await import('./index.js');
  const run = await runConformance({ ...options, onCase: o.json ? undefined : (c) => io.out(caseLine(c)) });
  if (run.error) io.err(`nuts-lsp-lab conformance: ${run.error}`);
  if (o.junit) {
    const xml = toJUnit(run.reports);
    const wf = xmlWellFormedness(xml);
    // never hand CI a report it cannot parse; this is a defect of the suite, not of the target
    if (!wf.ok) throw new Error(`internal error: the JUnit report is not well-formed XML (${wf.reason})`);
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const path = await import('node:path');
    mkdirSync(path.dirname(path.resolve(o.junit)), { recursive: true });
    writeFileSync(o.junit, xml);
  }
  if (o.json) {
    io.out(JSON.stringify({ ok: run.exitCode === 0, exitCode: run.exitCode, ...(run.error ? { error: run.error } : {}), suites: run.reports }, null, 2));
  } else if (run.reports.length) {
    io.out(summaryLine(run.reports));
    if (o.junit) io.out(`JUnit report: ${o.junit}`);
  }
  return run.exitCode;
}
