// Nictiz's MP9 3.0 MO/Test TestScripts (_LoadResources + every Serving-* script, JSON and XML) against a lab node, through
// the `nuts-lsp-lab conformance testscript` command suppliers run; and against a deliberately broken target.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { parseXml } from '../../node/src/fhir/xml.js';
import { resourceToXml, xmlToResource } from '../../node/src/fhir/fhirxml.js';
import { readResourceFile } from '../../simulators/conformance/testscript/engine.js';
import { findScripts, runTestScripts } from '../../simulators/conformance/testscript/run.js';
import { externalPath } from '../helpers/external.js';
import { startTestNode } from '../helpers/node.js';

const MO = externalPath('nictiz-testscripts', 'MP9-3-0-0-beta', 'MO', 'Test');
const present = existsSync(MO);
if (!present) console.log(`skipped: the Nictiz TestScripts folder ${MO} is absent`);

const root = path.resolve(import.meta.dirname, '..', '..');
const dir = mkdtempSync(path.join(tmpdir(), 'nll-nictiz-'));

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(root, 'bin', 'nuts-lsp-lab.mjs'), 'conformance', 'testscript', ...args], { cwd: root, timeout: 240_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/**
 * A target that forgets `_include`d Medications on MedicationDispense searches (TA, MVE), in both formats: the scripts
 * that count Medications in such an answer must fail, every other script must still pass.
 */
function brokenProxy(upstream: string): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)) as Array<[string, string]>);
    const answer = await fetch(upstream + req.url!.replace(/^\/fhir/, ''), { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
    let text = await answer.text();
    const type = answer.headers.get('content-type') ?? '';
    if (req.method === 'GET' && /^\/fhir\/MedicationDispense\?/.test(req.url!) && answer.status === 200) {
      const xml = type.includes('xml');
      const bundle = xml ? xmlToResource(text) : JSON.parse(text);
      bundle.entry = (bundle.entry ?? []).filter((e: { search?: { mode?: string }; resource: { resourceType: string } }) => !(e.search?.mode === 'include' && e.resource.resourceType === 'Medication'));
      if (!bundle.entry.length) delete bundle.entry;
      text = xml ? resourceToXml(bundle) : JSON.stringify(bundle);
    }
    res.writeHead(answer.status, { 'content-type': type });
    res.end(text);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/fhir` })));
}

/** Scripts that search MedicationDispense and expect at least one Medication in the answer (from the scripts themselves). */
function countingDispenseMedications(): string[] {
  return findScripts(MO).filter((f) => {
    const s = readResourceFile(f).resource;
    const ops = (s.test ?? []).flatMap((t: { action?: Array<{ operation?: { resource?: string }; assert?: { expression?: string } }> }) => t.action ?? []);
    const searchesMD = ops.some((a: { operation?: { resource?: string } }) => a.operation?.resource === 'MedicationDispense');
    const counts = ops.map((a: { assert?: { expression?: string } }) => /resource\.is\(Medication\)\)\.count\(\) = (\d+)/.exec(a.assert?.expression ?? '')?.[1]).filter(Boolean).map(Number);
    return searchesMD && counts.some((n: number) => n > 0);
  }).map((f) => readResourceFile(f).resource.id);
}

describe.skipIf(!present)('Nictiz MP9 3.0 MO/Test TestScripts', () => {
  let node: LabNode;
  let broken: LabNode;
  let proxy: { server: Server; url: string };
  beforeAll(async () => {
    // writes and $validate check the Nictiz StructureDefinitions (MP9, zib, nl-core), as a qualification server would
    const fhir = { profileDirs: [externalPath('nictiz-mp9', 'Profiles'), externalPath('nictiz-zib2020', 'resources')] };
    [node, broken] = await Promise.all([startTestNode('nictiz', { fhir }), startTestNode('nictiz-broken', { fhir })]);
    proxy = await brokenProxy(`${broken.internalUrl}/internal/fhir`);
  });
  afterAll(async () => {
    proxy?.server.close();
    await Promise.all([node?.stop(), broken?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes every script against the lab node, through the CLI, with a JUnit report', async () => {
    const junit = path.join(dir, 'nictiz-junit.xml');
    const r = await cli(MO, '--target', `${node.internalUrl}/internal/fhir`, '--junit', junit);
    const scripts = findScripts(MO);
    const summary = r.stdout.trim().split('\n').at(-2)!;
    const report = parseXml(readFileSync(junit, 'utf8'));
    const asserts = Number(report.attrs.tests);
    // the closing note CI shows: how many scripts and asserts ran and passed
    console.log(`Nictiz MP9 3.0 MO/Test: ${scripts.length} scripts, ${asserts} asserts — ${summary}`);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(scripts.length).toBe(205);
    expect(scripts.filter((f) => f.includes('Serving-')).length).toBe(204);
    expect(summary).toBe(`scripts: ${scripts.length} passed, 0 failed; asserts: ${asserts} passed, 0 failed, 0 warnings`);
    expect(report.attrs).toMatchObject({ failures: '0', skipped: '0' });
    expect(report.children).toHaveLength(scripts.length);
    expect(r.stdout.split('\n')[0]).toMatch(/^\[1\/205\] ✓ resources-purgecreateupdate-xml — 697\/697 asserts/);
  });

  it('fails exactly the scripts that count Medications in TA/MVE answers when the target drops those includes', async () => {
    const run = await runTestScripts(MO, { target: proxy.url, timeoutMs: 30_000, validate: 'target' });
    const failed = run.scripts.filter((s) => s.outcome === 'failed');
    const expected = countingDispenseMedications();
    expect(expected.length).toBeGreaterThan(20);
    expect(failed.map((s) => s.id).sort()).toEqual(expected.sort());
    // and in those, only the Medication counts fail
    const failedAsserts = failed.flatMap((s) => s.asserts.filter((a) => a.outcome === 'failed'));
    expect(failedAsserts.every((a) => /contains \d+ Medication resource/.test(a.description))).toBe(true);
    expect(run.scripts.filter((s) => s.outcome === 'passed')).toHaveLength(205 - expected.length);
  });
});
