// The CLI as a user runs it (`node bin/nuts-lsp-lab.mjs …` child processes) against test servers standing in for the node, LSP and dashboard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import express from 'express';
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_SOURCES, dose, medication, outcome, request, searchset, ta } from '../../simulators/ecd/mp9-builders.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const bin = path.join(root, 'bin', 'nuts-lsp-lab.mjs');

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: root, timeout: 15_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function listen(app: express.Express): Promise<{ url: string; server: Server }> {
  const server = await new Promise<Server>((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('nuts-lsp-lab CLI', () => {
  const servers: Server[] = [];
  let nodeUrl = '';
  let lspUrl = '';
  let downUrl = '';
  let deadUrl = '';
  const lspCalls: string[] = [];
  let activeScenario = 'normal';
  let refuseToken = false;
  const outgoingRecords: Array<{ event: string; patient: { bsn: string }; object: { type: string }; traceparent: string }> = [];

  beforeAll(async () => {
    const node = express().use(express.json());
    node.get('/health', (_q, r) => void r.json({ status: 'UP', details: { store: { status: 'UP' } } }));
    node.get('/internal/discovery/v1/:svc', (_q, r) => void r.json([{ id: 'lsp#1', credential_subject_id: 'did:web:lsp', vp: {}, fields: { organization_ura: '90000999', organization_name: 'Mock LSP' }, registrationParameters: { authServerURL: `${lspUrl}/oauth2/lsp`, fhirBaseURL: `${lspUrl}/fhir` } }]));
    node.post('/internal/auth/v2/:subject/request-service-access-token', (q, r) => {
      if (refuseToken) return void r.status(400).json({ title: 'token request failed', status: 400, detail: 'invalid_grant - NutsUraCredential expired' });
      r.json({ access_token: `tok-${q.params.subject}`, token_type: 'DPoP', dpop_kid: 'did:web:x#1', expires_in: 20 });
    });
    node.post('/internal/auth/v2/dpop/:kid', (_q, r) => void r.json({ dpop: 'proof' }));
    // the ECD names its organisation from the wallet's URA credential and records each search before sending it
    node.get('/internal/vcr/v2/holder/:subject/vc/search', (_q, r) => void r.json({ verifiableCredentials: [{ verifiableCredential: { type: ['VerifiableCredential', 'NutsUraCredential'], credentialSubject: { organization: { ura: '90000303', name: 'Thuiszorg De Zonnebloem' } } } }] }));
    // a lab node: its (lab-only) audit API is there, so the ECD records in the node's log
    node.get('/internal/audit/v1/key', (_q, r) => void r.json({ kty: 'EC' }));
    node.post('/internal/audit/v1/records', (q, r) => {
      outgoingRecords.push(q.body);
      r.status(201).json({ id: `rec-${outgoingRecords.length}`, ...q.body });
    });

    const lsp = express().use(express.json());
    lsp.use((q, _r, next) => {
      lspCalls.push(`${q.method} ${q.path}`);
      next();
    });
    // as simulators/lsp/api/lsp-v1.yaml has them
    lsp.get('/internal/lsp/v1/scenarios', (_q, r) =>
      void r.json([
        { name: 'normal', title: 'everything answers', expect: 'a complete list', active: activeScenario === 'normal' },
        { name: 'no-consent', title: 'no consent in Mitz', expect: 'no data', active: activeScenario === 'no-consent' },
      ]),
    );
    lsp.post('/internal/lsp/v1/scenarios/:name', (q, r) => {
      if (!['normal', 'no-consent'].includes(q.params.name)) return void r.status(404).type('application/problem+json').json({ title: 'not found', status: 404, detail: `unknown scenario: ${q.params.name}` });
      activeScenario = q.params.name;
      r.json({ scenario: q.params.name, expect: 'no data', changes: [] });
    });
    lsp.get('/fhir/:type', (q, r) => {
      if (q.headers.authorization !== 'DPoP tok-vvt' || q.headers.dpop !== 'proof') return void r.status(401).json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'security' }] });
      const category = String(q.query.category).split('|')[1];
      const outcomes = [outcome(DEMO_SOURCES.centraal, 'Apotheek Centraal', 'information', 'informational'), outcome(DEMO_SOURCES.linde, 'Apotheek De Linde', 'warning', 'suppressed', 'no consent (Mitz)')];
      const meds = [medication('metoprolol', 'METOPROLOL TABLET 50MG')];
      const matches =
        category === '422037009'
          ? [ta('ta-1', { mbh: 'M1', med: 'metoprolol', source: DEMO_SOURCES.centraal, start: '2026-11-01', dosage: [dose(1, { frequency: 2, period: 1, periodUnit: 'd', timeOfDay: ['08:00:00', '20:00:00'] })] })]
          : category === '33633005'
            ? [request('ma-1', '33633005', { mbh: 'M1', med: 'metoprolol', start: '2026-11-01' })]
            : [];
      r.type('application/fhir+json').json(searchset(matches, meds, outcomes));
    });
    const down = express();
    down.get('/health', (_q, r) => void r.status(503).json({ status: 'DOWN', details: { store: { status: 'DOWN' }, crypto: { status: 'UP' } } }));
    for (const [app, set] of [
      [node, (u: string) => (nodeUrl = u)],
      [lsp, (u: string) => (lspUrl = u)],
      [down, (u: string) => (downUrl = u)],
    ] as const) {
      const l = await listen(app);
      servers.push(l.server);
      set(l.url);
    }
    const dead = await listen(express());
    deadUrl = dead.url;
    await new Promise((r) => dead.server.close(r));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('has help for every command and exits 2 on usage errors', async () => {
    const [top, ecd, apply, status] = await Promise.all([cli('--help'), cli('ecd', 'toedienlijst', '--help'), cli('scenario', 'apply', '--help'), cli('status', '--help')]);
    expect(top.code).toBe(0);
    for (const c of ['up', 'node', 'status', 'scenario', 'ecd']) expect(top.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    expect(top.stdout).toContain('Exit codes: 0 ok, 1 check failed or refused, 2 usage error, 3 unreachable.');
    expect(ecd.code).toBe(0);
    expect(ecd.stdout).toContain('--bsn <bsn>');
    expect(apply.stdout).toContain('Usage: nuts-lsp-lab scenario apply [options] <name>');
    expect(status.stdout).toContain('--json');

    const [badBsn, noRole, unknown, bareGroup] = await Promise.all([
      cli('ecd', 'toedienlijst', '--bsn', '12', '--role', '30.000'),
      cli('ecd', 'toedienlijst', '--bsn', '999911120'),
      cli('frobnicate'),
      cli('scenario'),
    ]);
    expect(bareGroup.code).toBe(2); // help shown because the subcommand is missing
    expect(bareGroup.stderr).toContain('Usage: nuts-lsp-lab scenario [options] [command]');
    expect(badBsn).toMatchObject({ code: 2, stderr: "nuts-lsp-lab: --bsn must be 9 digits, got '12'\n" });
    expect(noRole.code).toBe(2);
    expect(noRole.stderr).toContain("error: required option '--role <code>' not specified");
    expect(unknown.code).toBe(2);
  });

  it('status: 0 when all are up, 1 when one reports down, 3 when one is unreachable', async () => {
    const up = await cli('status', '--node', nodeUrl, '--lsp', nodeUrl, '--dashboard', nodeUrl);
    expect(up.code).toBe(0);
    expect(up.stdout.split('\n')[0]).toMatch(/^✓ node +http:\/\/127\.0\.0\.1:\d+ +up$/);
    const down = await cli('status', '--node', nodeUrl, '--lsp', downUrl, '--dashboard', nodeUrl, '--json');
    expect(down.code).toBe(1);
    expect(JSON.parse(down.stdout)).toEqual({
      ok: false,
      services: [
        { name: 'node', url: nodeUrl, status: 'up' },
        { name: 'lsp', url: downUrl, status: 'down', detail: 'down: store' },
        { name: 'dashboard', url: nodeUrl, status: 'up' },
      ],
    });
    const gone = await cli('status', '--node', nodeUrl, '--lsp', downUrl, '--dashboard', deadUrl, '--json');
    expect(gone.code).toBe(3);
    expect(JSON.parse(gone.stdout).services[2]).toEqual({ name: 'dashboard', url: deadUrl, status: 'unreachable', detail: 'ECONNREFUSED' });
  });

  it('scenario list and apply talk to the LSP internal API', async () => {
    const list = await cli('scenario', 'list', '--lsp', lspUrl);
    expect(list).toMatchObject({ code: 0, stdout: '* normal                 everything answers\n  no-consent             no consent in Mitz\n' });
    const applied = await cli('scenario', 'apply', 'no-consent', '--lsp', lspUrl);
    expect(applied).toMatchObject({ code: 0, stdout: "scenario 'no-consent' applied\n" });
    expect(lspCalls).toContain('POST /internal/lsp/v1/scenarios/no-consent');
    const json = await cli('scenario', 'list', '--lsp', lspUrl, '--json');
    expect(JSON.parse(json.stdout).find((s: { active: boolean }) => s.active).name).toBe('no-consent');
    const unknown = await cli('scenario', 'apply', 'meteor-strike', '--lsp', lspUrl);
    expect(unknown).toMatchObject({ code: 1, stderr: "nuts-lsp-lab: scenario 'meteor-strike' not applied (404): unknown scenario: meteor-strike\n" });
    const unreachable = await cli('scenario', 'list', '--lsp', deadUrl);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toBe(`nuts-lsp-lab: LSP at ${deadUrl} unreachable (ECONNREFUSED)\n`);
  });

  it('ecd toedienlijst prints the administration list with progress on stderr, or JSON', async () => {
    const text = await cli('ecd', 'toedienlijst', '--bsn', '999911120', '--role', '30.000', '--name', 'Anna de Vries', '--node', nodeUrl, '--date', '2026-11-25');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Toedienlijst (administration list) — Wednesday 25 November 2026 (Europe/Amsterdam)');
    // the pharmacy that withheld its data may hold a stop or change: the row says so in its own status column
    expect(text.stdout).toMatch(/^08:00 +METOPROLOL TABLET 50MG +1 stuk +oraal +⚠ CHECK FIRST$/m);
    expect(text.stdout).toContain('  ✗ Apotheek De Linde: not shown — no consent (Mitz)');
    expect(text.stderr.split('\n').filter(Boolean).map((l) => l.replace(/ \(\d+ ms\).*$/, ''))).toEqual([
      '✓ Discovery: find who serves MP9 (the LSP)',
      '✓ Access token: own node asks the LSP authorization server',
      '✓ FHIR search: medication agreements (MA)',
      '✓ FHIR search: administration agreements (TA)',
      '✓ FHIR search: variable dosing regimens (WDS)',
      '✓ FHIR search: administrations (MTD)',
    ]);
    expect(outgoingRecords.map((o) => `${o.event} ${o.object.type} ${o.patient.bsn}`)).toEqual(
      ['MedicationRequest', 'MedicationDispense', 'MedicationRequest', 'MedicationAdministration'].map((t) => `data.request.outgoing ${t} 999911120`),
    );
    const json = await cli('ecd', 'toedienlijst', '--bsn', '999911120', '--role', '30.000', '--node', nodeUrl, '--date', '2026-11-25', '--json', '--quiet');
    expect(json.code).toBe(0);
    expect(json.stderr).toBe('');
    const body = JSON.parse(json.stdout);
    expect(body.ok).toBe(true);
    expect(body.list.rows.map((r: { medication: { name: string }; times: { time: string }[] }) => [r.medication.name, r.times.map((t) => t.time)])).toEqual([['METOPROLOL TABLET 50MG', ['08:00', '20:00']]]);
    expect(body.list.complete).toBe(false);
  });

  it('ecd toedienlijst exits 1 when the token is refused and 3 when the node is unreachable', async () => {
    refuseToken = true;
    try {
      const refused = await cli('ecd', 'toedienlijst', '--bsn', '999911120', '--role', 'VVT.005', '--node', nodeUrl, '--quiet');
      expect(refused).toMatchObject({ code: 1, stdout: '', stderr: 'nuts-lsp-lab: token failed: token request refused (400): invalid_grant - NutsUraCredential expired\n' });
    } finally {
      refuseToken = false;
    }
    const dead = await cli('ecd', 'toedienlijst', '--bsn', '999911120', '--role', '30.000', '--node', deadUrl, '--json', '--quiet');
    expect(dead.code).toBe(3);
    expect(JSON.parse(dead.stdout)).toMatchObject({ ok: false, step: 'discovery', code: 'node_unreachable' });
  });
});
