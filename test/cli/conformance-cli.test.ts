// `nuts-lsp-lab conformance` as CI runs it: a child process against a test node, JUnit file on disk, exit codes 0/1/2/3.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { parseXml } from '../../node/src/fhir/xml.js';
import { xmlWellFormedness } from '../../simulators/conformance/index.js';
import { conformanceMain, type ConformanceCliOptions } from '../../simulators/conformance/cli.js';
import { testTokens } from '../helpers/fhir-tokens.js';
import { startTestNode } from '../helpers/node.js';
import { freePort } from '../helpers/ports.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const bin = path.join(root, 'bin', 'nuts-lsp-lab.mjs');
const dir = mkdtempSync(path.join(tmpdir(), 'nll-conformance-cli-'));

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, 'conformance', ...args], { cwd: root, timeout: 20_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let node: LabNode;
let token: string;

beforeAll(async () => {
  const tokens = await testTokens();
  node = await startTestNode('conformance-cli', {}, { fhirTokenVerifier: tokens.verifier });
  token = await tokens.token({ scope: 'medicatieoverdracht', employee_role_code: '01.015' });
});
afterAll(async () => {
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('nuts-lsp-lab conformance', () => {
  it('fhir profile passes against the lab node: ✓ per case, exit 0, a well-formed JUnit file', async () => {
    const junit = path.join(dir, 'reports', 'conformance.xml');
    const r = await cli('--profile', 'fhir', '--target', `${node.url}/fhir`, '--token', token, '--load-qa-data', '--load-url', `${node.internalUrl}/internal/fhir`, '--expect-auth', '--junit', junit);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('✓ MA: every Reference has a display');
    expect(r.stdout).toContain('✓ WDS: filter medication.code: 2 matches, 1 Medication');
    expect(r.stdout).toContain('✓ auth: no token → 401 with WWW-Authenticate');
    expect(r.stdout).toContain(`145 passed, 0 failed, 0 warnings, 0 skipped (145 cases)\nJUnit report: ${junit}`);
    const xml = readFileSync(junit, 'utf8');
    expect(xmlWellFormedness(xml)).toEqual({ ok: true });
    const suite = parseXml(xml).children[0]!;
    expect(suite.attrs).toMatchObject({ name: 'fhir', tests: '145', failures: '0' });
    expect(suite.children.filter((c) => c.name === 'testcase')).toHaveLength(145);
  });

  it('node profile with a scope the node has no policy for: ✗ with the reason, exit 1, the failure in JUnit', async () => {
    const junit = path.join(dir, 'node.xml');
    const r = await cli('--profile', 'node', '--target', node.url, '--internal', node.internalUrl, '--scope', 'geen-beleid', '--junit', junit);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✗ auth: presentation_definition for scope 'geen-beleid' — no presentation definition for scope 'geen-beleid' \(configure the node's policy, or pass --scope\) \[expected 200, actual HTTP 400 \{"error":"invalid_scope"/m);
    expect(r.stdout).toContain('22 passed, 1 failed, 0 warnings, 0 skipped (23 cases)');
    const xml = readFileSync(junit, 'utf8');
    expect(xmlWellFormedness(xml)).toEqual({ ok: true });
    const failing = parseXml(xml).children[0]!.children.filter((c) => c.children.some((x) => x.name === 'failure'));
    expect(failing.map((c) => c.attrs.name)).toEqual(["presentation_definition for scope 'geen-beleid'"]);
    expect(xml).toMatch(/<failure message="no presentation definition for scope &apos;geen-beleid&apos; \(configure the node&apos;s policy, or pass --scope\)" type="AssertionError">expected: 200\nactual: {3}HTTP 400 \{&quot;|"error"/);
  });

  it('--json prints the suites as JSON (in-process, the same function the command runs)', async () => {
    const out: string[] = [];
    const code = await conformanceMain({ profile: 'fhir', target: `${node.internalUrl}/internal/fhir`, bsn: '999900493', json: true, scope: 'medicatieoverdracht', role: '01.015', timeout: '15000' }, { out: (s) => out.push(s), err: () => {} });
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    const report = JSON.parse(out[0]!);
    expect(report).toMatchObject({ ok: true, exitCode: 0, suites: [{ name: 'fhir' }] });
    expect(report.suites[0].cases.filter((c: { outcome: string }) => c.outcome === 'skipped')).toHaveLength(47);
  });

  it('usage errors exit 2 and say what is missing', async () => {
    // two as a child process (own validation and commander's), the rest through the same function in-process
    const [own, commander] = await Promise.all([cli('--profile', 'fhir', '--target', node.url), cli('--profile', 'soap', '--target', node.url)]);
    expect([own.code, own.stderr]).toEqual([2, 'nuts-lsp-lab conformance: --profile fhir needs --bsn <bsn> (or --load-qa-data to use the QA patient)\n']);
    expect([commander.code, commander.stderr]).toEqual([2, expect.stringContaining("option '--profile <profile>' argument 'soap' is invalid. Allowed choices are fhir, node.")]);
    const base: ConformanceCliOptions = { profile: 'fhir', target: node.url, scope: 'medicatieoverdracht', role: '01.015', timeout: '15000' };
    const cases: Array<[Partial<ConformanceCliOptions>, string]> = [
      [{ loadQaData: true }, '--load-qa-data needs --load-url <internal FHIR base that accepts PUT>'],
      [{ profile: 'node' }, '--profile node needs --internal <url> (the internal API of the node)'],
      [{ profile: 'node', internal: node.internalUrl, bsn: '999901084', expectAuth: true }, '--profile node does not take --bsn, --expect-auth'],
      [{ bsn: '12' }, "--bsn must be 9 digits, got '12'"],
      [{ bsn: '999901084', token: 'x', node: node.internalUrl }, 'give either --token or --node/--subject/--authorization-server, not both'],
      [{ bsn: '999901084', node: node.internalUrl }, '--node needs --subject and --authorization-server'],
      [{ bsn: '999901084', target: 'ftp://x' }, "--target must be an http(s) URL, got 'ftp://x'"],
      [{ loadQaData: true, loadUrl: node.internalUrl, bsn: '999900493' }, 'with --load-qa-data the patient is the QA patient 999901084; leave out --bsn 999900493'],
      [{ bsn: '999901084', timeout: '0' }, "--timeout must be a positive whole number of ms, got '0'"],
    ];
    for (const [extra, message] of cases) {
      const err: string[] = [];
      const code = await conformanceMain({ ...base, ...extra }, { out: () => {}, err: (s) => err.push(s) });
      expect([code, err], JSON.stringify(extra)).toEqual([2, [`nuts-lsp-lab conformance: ${message}`]]);
    }
  });

  it('an unreachable target exits 3, and the report says the suite did not run', async () => {
    const port = await freePort();
    const junit = path.join(dir, 'unreachable.xml');
    const r = await cli('--profile', 'node', '--target', `http://127.0.0.1:${port}`, '--internal', `http://127.0.0.1:${port}`, '--junit', junit, '--timeout', '3000');
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`nuts-lsp-lab conformance: http://127.0.0.1:${port} unreachable (ECONNREFUSED)\n`);
    const xml = readFileSync(junit, 'utf8');
    expect(xmlWellFormedness(xml)).toEqual({ ok: true });
    expect(xml).toContain(`<testcase classname="conformance.node.reachability" name="the target answers" time="0.000">\n      <failure message="http://127.0.0.1:${port} unreachable (ECONNREFUSED)" type="AssertionError">`);
  });

  it('conformance testscript: its own --target after the subcommand, exit 2 on usage errors, 1 on a failed assert', async () => {
    const none = await cli('testscript', path.join(dir, 'nothing-here'), '--target', `${node.internalUrl}/internal/fhir`);
    expect([none.code, none.stderr]).toEqual([2, `nuts-lsp-lab conformance testscript: ${path.join(dir, 'nothing-here')} does not exist\n`]);
    const noProfile = await cli('--target', node.url);
    expect([noProfile.code, noProfile.stderr]).toEqual([2, expect.stringContaining("--profile is required (fhir or node); to run FHIR TestScripts use 'conformance testscript")]);
    const script = path.join(dir, 'metadata.json');
    writeFileSync(script, JSON.stringify({ resourceType: 'TestScript', id: 'metadata', name: 'Metadata', status: 'active', test: [{ name: 'capabilities', action: [{ operation: { type: { code: 'capabilities' }, accept: 'xml' } }, { assert: { description: 'XML CapabilityStatement', resource: 'CapabilityStatement', warningOnly: false } }, { assert: { description: 'FHIR 4.0.1', expression: 'CapabilityStatement.fhirVersion', value: '3.0.2', warningOnly: false } }] }] }));
    const r = await cli('testscript', script, '--target', `${node.url}/fhir`);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("[1/1] ✗ metadata — 1/2 asserts");
    expect(r.stdout).toContain("✗ capabilities: FHIR 4.0.1 — CapabilityStatement.fhirVersion is \"4.0.1\", expected equals '3.0.2'");
  });
});
