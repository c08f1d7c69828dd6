// NEN 7513 audit over real HTTP: correlation between two nodes, the 503 refusal when the log cannot be written,
// query/paging/errors, the patient overview, and the exports (NDJSON verified offline, FHIR AuditEvent per BALP).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Router } from 'express';
import { sql } from 'kysely';
import type { LabNode } from '../../node/src/main.js';
import { outgoingTraceHeaders } from '../../node/src/core/context.js';
import { auditFailure503, isAuditUnavailable, type AuditInput } from '../../node/src/audit/index.js';
import { auditVerify } from '../../simulators/network/audit-cli.js';
import type { Io } from '../../simulators/shared/io.js';
import { internal, startTestNode } from '../helpers/node.js';
import { auditRecords } from '../helpers/audit.js';
import { fhirSearchInput } from '../helpers/audit-engine.js';
import { sharedMissing, sharedPath } from '../helpers/shared.js';

// the judge of the FHIR export: the NEN 7513 AuditEvent example in ../shared/reference
const noReference = sharedMissing('reference', 'example-auditevent-nen7513.json');
const example = noReference ? undefined : JSON.parse(readFileSync(sharedPath('reference', 'example-auditevent-nen7513.json'), 'utf8'));

const SECRET = 'mr-secret-dosage-7731';

/** Test-only stand-in for the FHIR layer (issue 5): records before data leaves, 503 when it cannot. */
function fhirHarness(node: LabNode): Router {
  const r = Router();
  const serve = async (req: import('express').Request, res: import('express').Response, input: AuditInput, body: unknown) => {
    try {
      await node.audit.recorder.record({ ...input, client: { address: req.socket.remoteAddress ?? 'unknown', system: 'https://ecd.example.org' } });
    } catch (e) {
      if (isAuditUnavailable(e)) return auditFailure503(res);
      throw e;
    }
    res.type('application/fhir+json').send(JSON.stringify(body));
  };
  r.get('/MedicationRequest', (req, res) => {
    const bsn = String(req.query['patient.identifier']).split('|')[1]!;
    return serve(req, res, fhirSearchInput(bsn, { object: { type: 'MedicationRequest', query: req.originalUrl.split('?')[1] } }), { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'MedicationRequest', id: SECRET } }] });
  });
  r.get('/MedicationRequest/:id', (req, res) =>
    serve(req, res, { ...fhirSearchInput('999911120'), event: 'fhir.read', object: { type: 'MedicationRequest', id: req.params.id as string, version: '3' } }, { resourceType: 'MedicationRequest', id: SECRET }),
  );
  return r;
}

/** Test-only stand-in for the requesting side's FHIR client: records data.request.outgoing and calls node B. */
function outgoingHarness(node: LabNode, target: () => LabNode): Router {
  const r = Router();
  r.post('/request', async (req, res) => {
    const bsn = String(req.query.bsn);
    const started = Date.now();
    const headers = outgoingTraceHeaders();
    const url = `${target().internalUrl}/internal/audit/v1/records?patient=${bsn}`;
    const answer = await fetch(url, { headers: { ...headers, 'x-user-id': '900012345' } });
    await node.audit.recorder.record({
      ...fhirSearchInput(bsn),
      event: 'data.request.outgoing',
      startedAt: started,
      object: { type: 'AuditLog', query: `patient=${bsn}` },
      peer: { url, name: 'node b' },
      traceparent: headers.traceparent,
      outcome: answer.ok ? { code: '0', httpStatus: answer.status } : { code: '8', description: `node b answered ${answer.status}`, httpStatus: answer.status },
    });
    res.json({ status: answer.status, sent: headers });
  });
  return r;
}

let a: LabNode;
let b: LabNode;
beforeAll(async () => {
  b = await startTestNode('b', {}, {}, (n) => n.http.mountPublic('/fhir-test', fhirHarness(n), 'fhir'));
  a = await startTestNode('a', {}, {}, (n) => n.http.mountInternal('/internal/test', outgoingHarness(n, () => b), 'problem'));
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

describe('correlation between two nodes', () => {
  it('records the outgoing request on A and the serving side on B with the same trace id and request id', async () => {
    const res = await internal(a, 'POST', '/internal/test/request?bsn=999922233', undefined, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'x-request-id': 'ecd-req-1' });
    expect(res.status).toBe(200);
    expect(res.json.status).toBe(200);
    const [outgoing] = await auditRecords(a, { event: 'data.request.outgoing', patient: '999922233' });
    const [served] = await auditRecords(b, { event: 'audit.read', patient: '999922233' });
    expect(outgoing).toBeDefined();
    expect(served).toBeDefined();
    expect(outgoing!.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(served!.traceId).toBe(outgoing!.traceId);
    expect(served!.requestId).toBe('ecd-req-1');
    expect(outgoing!.requestId).toBe('ecd-req-1');
    // B's record carries the exact traceparent A sent (A's span as parent), and A recorded that same header
    expect(served!.traceparent).toBe(res.json.sent.traceparent);
    expect(outgoing!.traceparent).toBe(res.json.sent.traceparent);
    expect(served!.actor).toMatchObject({ userId: '900012345', kind: 'person' });
    expect(outgoing).toMatchObject({ node: 'a', action: 'E', peer: { name: 'node b' }, outcome: { code: '0', httpStatus: 200 }, actor: { organisation: { ura: '90000123' } } });
    // the query API finds both halves of the exchange by trace id
    const byTrace = await internal(b, 'GET', `/internal/audit/v1/records?traceId=${outgoing!.traceId}`);
    expect(byTrace.json.records.map((r: { event: string }) => r.event)).toContain('audit.read');
  });
});

describe('recording before data leaves', () => {
  it('records a FHIR search with every field and sends the data', async () => {
    const res = await fetch(`${b.url}/fhir-test/MedicationRequest?patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|999933344`, { headers: { 'x-request-id': 'search-1' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(SECRET);
    const [rec] = await auditRecords(b, { patient: '999933344', event: 'fhir.search' });
    expect(rec).toMatchObject({
      action: 'E',
      requestId: 'search-1',
      actor: { userId: '900012345', role: { code: '01.015' }, organisation: { ura: '90000123' }, responsible: { id: '900054321' }, clientId: 'ecd-y' },
      object: { type: 'MedicationRequest', query: 'patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|999933344' },
      authorisation: { scope: 'medicatieoverdracht', protocol: expect.any(String), credentials: [expect.objectContaining({ type: 'NutsUraCredential' })] },
      consent: { profile: expect.any(String) },
      breakTheGlass: false,
      source: { node: 'b', url: b.url },
      client: { address: expect.stringMatching(/127\.0\.0\.1/) },
      outcome: { code: '0' },
    });
    expect(rec!.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('refuses with 503 OperationOutcome and sends no data when the log store fails', async () => {
    const before = (await auditRecords(b)).length;
    await sql`CREATE TRIGGER audit_full BEFORE INSERT ON audit_records BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`.execute(b.store.db.db);
    try {
      const res = await fetch(`${b.url}/fhir-test/MedicationRequest?patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|999933344`);
      const text = await res.text();
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toContain('application/fhir+json');
      expect(JSON.parse(text)).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient', diagnostics: expect.stringContaining('cannot be written') }] });
      expect(text).not.toContain(SECRET);
      // reads of the log are refused the same way: no records leave without their audit.read
      const read = await internal(b, 'GET', '/internal/audit/v1/records?patient=999933344');
      expect(read.status).toBe(503);
      expect(read.headers.get('content-type')).toContain('application/problem+json');
      expect(read.text).not.toContain('999933344"');
    } finally {
      await sql`DROP TRIGGER audit_full`.execute(b.store.db.db);
    }
    expect((await auditRecords(b)).length).toBe(before);
  });
});

describe('query API', () => {
  it('filters, pages with a cursor, and records each read with the reader', async () => {
    for (let i = 0; i < 3; i++) await fetch(`${b.url}/fhir-test/MedicationRequest/mr-${i}`);
    const p1 = await internal(b, 'GET', '/internal/audit/v1/records?event=fhir.read&limit=2', undefined, { 'x-user-id': 'auditor-1', 'x-user-name': 'A. Auditor' });
    expect(p1.status).toBe(200);
    expect(p1.json.records).toHaveLength(2);
    expect(p1.json.next).toBeDefined();
    const p2 = await internal(b, 'GET', `/internal/audit/v1/records?event=fhir.read&limit=2&cursor=${p1.json.next}`);
    expect(p2.json.records).toHaveLength(1);
    expect(p2.json.next).toBeUndefined();
    expect([...p1.json.records, ...p2.json.records].map((r: { object: { id: string } }) => r.object.id)).toEqual(['mr-0', 'mr-1', 'mr-2']);
    const reads = await auditRecords(b, { event: 'audit.read', user: 'auditor-1' });
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({ actor: { userName: 'A. Auditor', kind: 'person' }, object: { type: 'AuditLog', query: 'event=fhir.read&limit=2' } });
    const one = await internal(b, 'GET', `/internal/audit/v1/records/${p1.json.records[0].id}`);
    expect(one.json.id).toBe(p1.json.records[0].id);

    const now = Date.now();
    const none = await internal(b, 'GET', `/internal/audit/v1/records?event=fhir.read&from=${new Date(now + 60_000).toISOString()}`);
    expect(none.json.records).toEqual([]);
    const org = await internal(b, 'GET', '/internal/audit/v1/records?organisation=90000123&user=900012345&event=fhir.read&to=' + (now + 60_000));
    expect(org.json.records).toHaveLength(3);
  });

  it.each([
    ['/internal/audit/v1/records?patient=123', 400, 'patient must be a 9-digit BSN'],
    ['/internal/audit/v1/records?event=fhir.peek', 400, "unknown event 'fhir.peek'"],
    ['/internal/audit/v1/records?from=yesterday', 400, 'from must be an ISO 8601 time'],
    ['/internal/audit/v1/records?from=2026-02-01&to=2026-01-01', 400, 'from must be before to'],
    ['/internal/audit/v1/records?limit=0', 400, 'limit must be an integer'],
    ['/internal/audit/v1/records?patient=999911120&patient=999911121', 400, 'patient must be a single value'],
    ['/internal/audit/v1/records/00000000-0000-0000-0000-000000000000', 404, 'not found'],
    ['/internal/audit/v1/patients/12/overview', 400, 'bsn must be 9 digits'],
    ['/internal/audit/v1/export?format=xml', 400, 'format must be ndjson or fhir'],
  ])('GET %s → %i problem+json', async (url, status, detail) => {
    const res = await internal(b, 'GET', url);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.json.detail).toContain(detail);
  });

  it('is append-only: changing or deleting records is refused with 405', async () => {
    const [rec] = await auditRecords(b, { event: 'fhir.read' });
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const res = await internal(b, method, `/internal/audit/v1/records/${rec!.id}`, method === 'DELETE' ? undefined : { outcome: { code: '0' } });
      expect(res.status).toBe(405);
      expect(res.json.detail).toContain('append-only');
    }
    expect((await b.audit.verify()).ok).toBe(true);
  });

  it('lets a local system record its own event, with the same completeness rules', async () => {
    const ok = await internal(b, 'POST', '/internal/audit/v1/records', { ...fhirSearchInput('999944455'), event: 'data.request.outgoing' });
    expect(ok.status).toBe(201);
    expect(ok.json).toMatchObject({ event: 'data.request.outgoing', patient: { bsn: '999944455' }, client: { address: expect.any(String) } });
    const incomplete = await internal(b, 'POST', '/internal/audit/v1/records', { ...fhirSearchInput('999944455'), actor: undefined });
    expect(incomplete.status).toBe(400);
    expect(incomplete.json.detail).toContain('lacks actor');
    const bad = await internal(b, 'POST', '/internal/audit/v1/records', { event: 'fhir.read', outcome: { code: '4' } });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toContain('needs a description');
  });
});

describe('patient overview', () => {
  it('lists who accessed the data of one BSN, newest first, with the NEN 7513 ch. 9 fields and one sentence per access', async () => {
    const bsn = '999955566';
    await b.audit.recorder.record({ ...fhirSearchInput(bsn, { startedAt: Date.parse('2026-01-10T08:00:00Z') }), object: { type: 'MedicationDispense', query: `patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|${bsn}&category=http://snomed.info/sct|422037009` } });
    await b.audit.recorder.record({ ...fhirSearchInput(bsn, { startedAt: Date.parse('2026-01-05T08:00:00Z'), breakTheGlass: true }), event: 'fhir.read', object: { type: 'MedicationRequest', id: 'mr-9' }, authorisation: { protocol: 'https://example.org/autorisatieprotocol/v1', purposeOfUse: 'ETREAT' } });
    const res = await internal(b, 'GET', `/internal/audit/v1/patients/${bsn}/overview`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ total: 2, offset: 0, limit: 50 });
    expect(res.json.next).toBeUndefined();
    const entries = res.json.entries;
    expect(entries.map((e: { when: string }) => e.when)).toEqual(['2026-01-10T08:00:00.000Z', '2026-01-05T08:00:00.000Z']);
    expect(entries[1]).toMatchObject({
      actionText: 'read',
      organisation: { ura: '90000123', name: 'Zorggroep Y' },
      responsible: { id: '900054321', name: 'Dr. Z. Verantwoordelijk' },
      data: { type: 'MedicationRequest', id: 'mr-9' },
      authorisation: { protocol: 'https://example.org/autorisatieprotocol/v1', purposeOfUse: 'ETREAT' },
      consentProfile: 'https://example.org/toestemmingsprofiel/opt-in-medicatie',
      breakTheGlass: true,
      outcome: 'success',
      did: 'read MedicationRequest/mr-9',
    });
    // who (role, organisation) did what, when, from which system, outcome — and the raw query kept for who asks
    expect(entries[0]).toMatchObject({
      actionText: 'searched / requested',
      role: { code: '01.015' },
      breakTheGlass: false,
      who: 'Dr. Z. Verantwoordelijk (Huisarts, Zorggroep Y)',
      did: 'searched administration agreements (TA)',
      system: 'https://ecd.example.org',
      summary: '2026-01-10T08:00:00.000Z: Dr. Z. Verantwoordelijk (Huisarts, Zorggroep Y) searched administration agreements (TA), from https://ecd.example.org — success',
      data: { query: `patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|${bsn}&category=http://snomed.info/sct|422037009` },
    });
    // the overview read itself is logged, but is not an access to the dossier
    expect(entries.every((e: { event: string }) => e.event !== 'audit.read')).toBe(true);
    expect((await auditRecords(b, { event: 'audit.read', patient: bsn })).length).toBe(1);
    const filtered = await internal(b, 'GET', `/internal/audit/v1/patients/${bsn}/overview?from=2026-01-06`);
    expect(filtered.json.entries).toHaveLength(1);
  });

  it('pages the overview: limit and offset, with next until the oldest page', async () => {
    const bsn = '999955578';
    for (let d = 1; d <= 5; d++) await b.audit.recorder.record(fhirSearchInput(bsn, { startedAt: Date.parse(`2026-02-0${d}T08:00:00Z`) }));
    const first = await internal(b, 'GET', `/internal/audit/v1/patients/${bsn}/overview?limit=2`);
    expect(first.json).toMatchObject({ total: 5, offset: 0, limit: 2, next: '2' });
    expect(first.json.entries.map((e: { when: string }) => e.when.slice(0, 10))).toEqual(['2026-02-05', '2026-02-04']);
    const last = await internal(b, 'GET', `/internal/audit/v1/patients/${bsn}/overview?limit=2&offset=4`);
    expect(last.json.entries.map((e: { when: string }) => e.when.slice(0, 10))).toEqual(['2026-02-01']);
    expect(last.json.next).toBeUndefined();
    for (const bad of ['limit=0', 'limit=501', 'offset=-1', 'limit=abc']) {
      const r = await internal(b, 'GET', `/internal/audit/v1/patients/${bsn}/overview?${bad}`);
      expect(r.status, bad).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
    }
  });
});

describe('export', () => {
  it('NDJSON export verifies offline against the published key, via the CLI against the node', async () => {
    const res = await internal(b, 'GET', '/internal/audit/v1/export');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = res.text.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ kind: 'nuts-lsp-lab/audit-export', node: 'b', complete: true, key: { kid: 'node:b:audit-checkpoint', alg: 'ES256' } });
    expect(lines.filter((l) => l.kind === 'record').length).toBeGreaterThan(5);
    const key = await internal(b, 'GET', '/internal/audit/v1/key');
    expect(key.json.publicJwk.d).toBeUndefined();
    await internal(b, 'POST', '/internal/audit/v1/checkpoints');
    let out = '';
    const io: Io = { out: (s) => (out += s), err: (s) => (out += s) };
    expect(await auditVerify({ node: b.internalUrl }, io)).toBe(0);
    expect(out).toMatch(/audit chain holds: \d+ records, [1-9]\d* signed checkpoints/);
    expect((await auditRecords(b, { event: 'audit.export' })).length).toBeGreaterThanOrEqual(2);
  });

  it.skipIf(noReference)('FHIR export: a Bundle of AuditEvents following BALP PatientQuery / PatientRead with the NEN 7513 fields mapped', async () => {
    const res = await internal(b, 'GET', '/internal/audit/v1/export?format=fhir&patient=999933344&event=fhir.search');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    expect(res.json).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
    const ev = res.json.entry[0].resource;
    expect(ev.meta.profile).toEqual(['https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientQuery']);
    expect(ev).toMatchObject({ resourceType: 'AuditEvent', type: { code: 'rest' }, action: 'E', outcome: '0' });
    expect(ev.subtype[0]).toEqual({ system: 'http://hl7.org/fhir/restful-interaction', code: 'search-type', display: 'search-type' });
    const agentOf = (code: string) => ev.agent.find((ag: { type: { coding: Array<{ code: string }> } }) => ag.type.coding[0]!.code === code);
    // the user, the organisation and the entities look exactly like the reference example where the values agree
    const exUser = example.agent[0];
    expect(agentOf('IRCP')).toMatchObject({ type: exUser.type, role: [exUser.role[0]], who: exUser.who, name: exUser.name, requestor: true, purposeOfUse: exUser.purposeOfUse });
    expect(agentOf('IRCP').policy).toEqual(expect.arrayContaining(['https://example.org/autorisatieprotocol/v1', 'urn:ietf:params:oauth:jti:4f0c2b9e-8a7d-4d3e-b1c2-9e8f7a6b5c4d']));
    expect(agentOf('PROV')).toEqual({ ...example.agent[1], who: { ...example.agent[1].who, display: 'Zorggroep Y' } });
    expect(agentOf('RESP').who.identifier.value).toBe('900054321');
    // BALP Query: client is the Source Role ID, server the Destination Role ID
    expect(agentOf('110153').network).toMatchObject({ type: '2' });
    expect(agentOf('110152').who.identifier.value).toBe(b.url);
    const patientEntity = ev.entity.find((e: { role?: { code: string } }) => e.role?.code === '1');
    expect(patientEntity).toEqual({ ...example.entity[0], what: { ...example.entity[0].what, identifier: { ...example.entity[0].what.identifier, value: '999933344' } } });
    const query = ev.entity.find((e: { role?: { code: string } }) => e.role?.code === '24');
    expect(Buffer.from(query.query, 'base64').toString()).toBe('patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|999933344');
    const consent = ev.entity.find((e: { type: { code: string } }) => e.type.code === 'Consent');
    expect(consent.detail).toEqual([{ type: 'toestemmingsprofiel', valueString: 'https://example.org/toestemmingsprofiel/opt-in-medicatie' }, example.entity[2].detail[1]]);
    expect(ev.entity.find((e: { type: { code: string } }) => e.type.code === 'XrequestId').type).toEqual(example.entity[3].type);
    const trace = ev.entity.find((e: { role?: { code: string } }) => e.role?.code === '26');
    expect({ type: trace.type, role: trace.role }).toEqual({ type: example.entity[4].type, role: example.entity[4].role });

    const reads = await internal(b, 'GET', '/internal/audit/v1/export?format=fhir&event=fhir.read&patient=999911120');
    const read = reads.json.entry.find((e: { resource: { entity: Array<{ what?: { reference?: string } }> } }) => e.resource.entity.some((en) => en.what?.reference === 'MedicationRequest/mr-0/_history/3')).resource;
    expect(read.meta.profile).toEqual([example.meta.profile[0]]);
    expect(read.action).toBe('R');
    expect(read.agent.find((ag: { type: { coding: Array<{ code: string }> } }) => ag.type.coding[0]!.code === '110152').network.type).toBe('2');
  });
});
