// Nictiz's MP9 3.0 MO/Test material against lab nodes: every transaction fixture loads; the TestScripts (_LoadResources +
// every Serving-* script, JSON and XML) pass through the `nuts-lsp-lab conformance testscript` command suppliers run;
// a deliberately broken target fails exactly the scripts it should.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { parseXml } from '../../node/src/fhir/xml.js';
import { resourceToXml, xmlToResource } from '../../node/src/fhir/fhirxml.js';
import { readResourceFile } from '../../simulators/conformance/testscript/engine.js';
import { findScripts, runTestScripts } from '../../simulators/conformance/testscript/run.js';
import { currentDate, expand } from '../../simulators/conformance/testscript/variables.js';
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

/** POSTs every transaction Bundle fixture (XML, `${DATE, T, …}` expanded) to a FHIR base; the refused ones with why. */
async function loadTransactions(base: string): Promise<{ loaded: number; refused: Array<{ file: string; status: number; issues: string[] }> }> {
  const dir = path.join(MO, '_reference', 'fixtures');
  const T = currentDate(Date.now());
  let loaded = 0;
  const refused: Array<{ file: string; status: number; issues: string[] }> = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.xml')).sort()) {
    const xml = expand(readFileSync(path.join(dir, file), 'utf8'), (n) => (n === 'T' ? T : undefined), Date.now());
    if (!xml.includes('<type value="transaction"/>')) continue;
    const res = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/fhir+xml', accept: 'application/fhir+json' }, body: xml });
    const body = (await res.json()) as { issue?: Array<{ diagnostics: string }> };
    if (res.status === 200) loaded++;
    else refused.push({ file, status: res.status, issues: (body.issue ?? []).map((i) => i.diagnostics) });
  }
  return { loaded, refused };
}

describe.skipIf(!present)('Nictiz MP9 3.0 MO/Test transaction fixtures', () => {
  it('loads all 226 (MA, VV, TA, MVE, proposals and their replies as Communication, Observations), through the MP9 rules', async () => {
    const node = await startTestNode('nictiz-tx');
    try {
      const r = await loadTransactions(`${node.internalUrl}/internal/fhir`);
      expect(r.refused).toEqual([]);
      expect(r.loaded).toBe(226);
    } finally {
      await node.stop();
    }
  });

  it('with the StructureDefinitions loaded, refuses exactly the two whose proposal reply breaks mp-2033-vv-1', async () => {
    const node = await startTestNode('nictiz-tx-sd', { fhir: { profileDirs: [externalPath('nictiz-mp9', 'Profiles'), externalPath('nictiz-zib2020', 'resources')] } });
    try {
      const r = await loadTransactions(`${node.internalUrl}/internal/fhir`);
      // decision 11 (accepted) without the RelationToNewDispenseRequest extension the invariant then demands
      expect(r.refused).toEqual(['mp-av-tst-23-5-vvv-geaccepteerd-v30.xml', 'mp-av-tst-23-6-vvv-geaccepteerdmetwijziging-v30.xml'].map((file) => ({ file, status: 400, issues: [expect.stringContaining('mp-2033-vv-1')] })));
      expect(r.loaded).toBe(224);
    } finally {
      await node.stop();
    }
  });
});

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
