// FHIR resource server over HTTP: MP9 queries of reference §2.3 against the §2.4-style data set, Bundle rules, authorisation, upstream mode.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { internal, startTestNode } from '../helpers/node.js';
import { testTokens, type TestTokens } from '../helpers/fhir-tokens.js';
import { MTD_HPK, QA_BSN, OTHER_BSN, qaSet } from '../../node/src/fhir/qa-set.js';
import type { LabNode } from '../../node/src/main.js';
import type { FhirAuditEvent } from '../../node/src/fhir/index.js';
import { auditRecords } from '../helpers/audit.js';
import { hashToken } from '../../node/src/audit/index.js';

const TODAY = new Date();
const day = (offset: number) => new Date(Date.UTC(TODAY.getUTCFullYear(), TODAY.getUTCMonth(), TODAY.getUTCDate() + offset)).toISOString().slice(0, 10);
const PAT = `patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|${QA_BSN}`;
const ITER = '_include:iterate=PractitionerRole:organization&_include:iterate=PractitionerRole:practitioner&_include:iterate=PractitionerRole:location';
const SCT = 'http://snomed.info/sct';
/** Base queries of reference §2.3, per block. */
const BASE: Record<string, { type: string; q: string }> = {
  MA: { type: 'MedicationRequest', q: `category=${SCT}|33633005&_include=MedicationRequest:medication&_include=MedicationRequest:reason&_include=MedicationRequest:next-practitioner&_include=MedicationRequest:requester&${ITER}` },
  WDS: { type: 'MedicationRequest', q: `category=${SCT}|395067002&_include=MedicationRequest:medication` },
  VV: { type: 'MedicationRequest', q: `category=${SCT}|52711000146108&_include=MedicationRequest:medication&_include=MedicationRequest:requester&_include=MedicationRequest:dispense-location&${ITER}` },
  TA: { type: 'MedicationDispense', q: `category=${SCT}|422037009&_include=MedicationDispense:medication&_include=MedicationDispense:performer&${ITER}` },
  MVE: { type: 'MedicationDispense', q: `category=${SCT}|373784005&_include=MedicationDispense:medication&_include=MedicationDispense:performer&_include=MedicationDispense:destination&${ITER}` },
  MGB: { type: 'MedicationStatement', q: `category=${SCT}|422979000&_include=MedicationStatement:medication&_include=MedicationStatement:author&_include=MedicationStatement:prescriber&_include=MedicationStatement:source&${ITER}` },
  MTD: { type: 'MedicationAdministration', q: `category=${SCT}|18629005&_include=MedicationAdministration:medication&_include=MedicationAdministration:performer&${ITER}` },
};
const ID_SYS: Record<string, string> = { MA: '16076005', WDS: '632', VV: '52711000146108', TA: '422037009', MVE: '373784005', MGB: '6', MTD: '18629005' };
const DATE_PARAM: Record<string, string> = { MA: 'period-of-use', TA: 'period-of-use', MGB: 'period-of-use', WDS: 'period-of-use', MVE: 'whenhandedover', MTD: 'effective-time' };

/** Expected [matches, included Medications] per filter (reference §2.4 table). */
const EXPECTED: Record<string, Record<string, [number, number]>> = {
  none: { MA: [6, 6], TA: [6, 6], MGB: [6, 6], WDS: [6, 2], MVE: [6, 6], MTD: [6, 6], VV: [6, 6] },
  identifier: { MA: [1, 1], TA: [1, 1], MGB: [1, 1], WDS: [1, 1], MVE: [1, 1], MTD: [1, 1], VV: [1, 1] },
  'medication.code': { MA: [1, 1], TA: [1, 1], MGB: [1, 1], WDS: [2, 1], MVE: [1, 1], MTD: [1, 1], VV: [1, 1] },
  ge: { MA: [4, 4], TA: [4, 4], MGB: [4, 4], WDS: [3, 2], MVE: [3, 3], MTD: [3, 3] },
  le: { MA: [3, 3], TA: [3, 3], MGB: [3, 3], WDS: [4, 1], MVE: [3, 3], MTD: [3, 3] },
  range: { MA: [3, 3], TA: [3, 3], MGB: [3, 3], WDS: [2, 2], MVE: [2, 2], MTD: [2, 2] },
  mbh: { MA: [1, 1], TA: [1, 1], MGB: [1, 1], WDS: [1, 1], MVE: [1, 1], MTD: [1, 1], VV: [1, 1] },
};

function filterFor(kind: string, block: string): string {
  const oid = 'urn:oid:2.16.840.1.113883.2.4.3.11.999.77';
  switch (kind) {
    case 'none':
      return '';
    case 'identifier':
      return `identifier=${oid}.${ID_SYS[block]}.1|MBH_300_QA1_${block}-tmg`.replace('QA1_WDS', 'QA7_WDS');
    case 'medication.code':
      return block === 'MTD' ? `medication.code=urn:oid:2.16.840.1.113883.2.4.4.7|${MTD_HPK}` : `medication.code=urn:oid:2.16.840.1.113883.2.4.4.10|${block === 'WDS' ? '1783' : '3956'}`;
    case 'ge':
      return `${DATE_PARAM[block]}=ge${day(-21)}`;
    case 'le':
      return `${DATE_PARAM[block]}=${block === 'WDS' ? 'lt' : 'le'}${day(-22)}`;
    case 'range':
      return `${DATE_PARAM[block]}=ge${day(-21)}&${DATE_PARAM[block]}=le${day(-7)}`;
    case 'mbh':
      return `pharmaceutical-treatment-identifier=${oid}.1.1|MBH_300_QA1-tmg`;
  }
  throw new Error(kind);
}

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers: { accept: 'application/fhir+json', ...headers } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

const count = (b: any, type: string, mode?: string) => b.entry.filter((e: any) => e.resource.resourceType === type && (!mode || e.search.mode === mode)).length; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('FHIR resource server (embedded store)', () => {
  let node: LabNode;
  let tokens: TestTokens;
  const audit: FhirAuditEvent[] = [];
  let failAudit = false;
  let data: ReturnType<typeof qaSet>;

  beforeAll(async () => {
    tokens = await testTokens();
    node = await startTestNode('fhir', {}, {
      fhirTokenVerifier: tokens.verifier,
      fhirAudit: {
        async record(e) {
          if (failAudit) throw new Error('audit sink down');
          audit.push(e);
        },
      },
    });
    data = qaSet(TODAY);
    for (const r of data.resources) {
      const res = await internal(node, 'PUT', `/internal/fhir/${r.resourceType}/${r.id}`, r, { 'content-type': 'application/fhir+json' });
      expect(res.status, `${r.resourceType}/${r.id}: ${res.text}`).toBe(201);
      expect(audit.at(-1)).toMatchObject({ interaction: 'update', surface: 'internal', resourceType: r.resourceType, id: r.id, outcome: { status: 201 }, caller: { type: 'system' } });
    }
    expect(audit).toHaveLength(data.resources.length);
  });
  /** The audit events the requests since `mark` caused (the node's own FHIR audit port captures them). */
  const since = (mark: number) => audit.slice(mark);
  const searchOf = (resourceType: string, status = 200, surface = 'internal') => ({ interaction: 'search', surface, resourceType, outcome: { status } });
  afterAll(async () => {
    await node?.stop();
  });

  for (const [kind, perBlock] of Object.entries(EXPECTED)) {
    it(`filter '${kind}' returns the counts a qualifying server must return`, async () => {
      for (const [block, [matches, meds]] of Object.entries(perBlock)) {
        const { type, q } = BASE[block]!;
        const f = filterFor(kind, block);
        const url = `${node.internalUrl}/internal/fhir/${type}?${PAT}&${q.replace(/^(category=[^&]+)/, `$1${f ? `&${f}` : ''}`)}`;
        const mark = audit.length;
        const res = await get(url.replace(/\|/g, '%7C'));
        expect(res.status, `${block} ${kind}: ${JSON.stringify(res.json)}`).toBe(200);
        expect(since(mark)).toMatchObject([{ ...searchOf(type), patient: { bsn: [QA_BSN] }, caller: { type: 'system', id: 'internal-api' }, query: expect.stringContaining('patient.identifier=') }]);
        expect([count(res.json, type, 'match'), count(res.json, 'Medication')], `${block} ${kind}`).toEqual([matches, meds]);
        expect(res.json.total).toBe(matches);
      }
    });
  }

  it('searchset Bundles follow the Nictiz Serve rules: self link, total, modes, absolute fullUrl ending in the id, de-duplicated includes', async () => {
    const mark = audit.length;
    const res = await get(`${node.internalUrl}/internal/fhir/MedicationRequest?${PAT}&${BASE.MA!.q}`);
    expect(since(mark)).toMatchObject([{ ...searchOf('MedicationRequest'), patient: { bsn: [QA_BSN], id: [data.patientId] } }]);
    const b = res.json;
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    expect(b.type).toBe('searchset');
    expect(b.link.find((l: any) => l.relation === 'self').url).toMatch(/^http:\/\/localhost:\d+\/fhir\/MedicationRequest\?patient\.identifier=/); // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const e of b.entry) {
      expect(e.fullUrl).toMatch(/^http:\/\/localhost:\d+\/fhir\//);
      expect(e.fullUrl.endsWith(e.resource.id)).toBe(true);
    }
    const keys = b.entry.map((e: any) => `${e.resource.resourceType}/${e.resource.id}`); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(new Set(keys).size).toBe(keys.length);
    // requester PractitionerRole and, through :iterate, its Organization and Practitioner — once each
    expect(['PractitionerRole', 'Organization', 'Practitioner'].map((t) => count(b, t, 'include'))).toEqual([1, 1, 1]);
    expect(b.entry.findIndex((e: any) => e.search.mode === 'include')).toBe(6); // eslint-disable-line @typescript-eslint/no-explicit-any
  });

  it('pages with _count and a next link that yields the rest', async () => {
    const first = await get(`${node.internalUrl}/internal/fhir/MedicationRequest?${PAT}&category=${SCT}|33633005&_count=4`);
    expect(count(first.json, 'MedicationRequest')).toBe(4);
    expect(first.json.total).toBe(6);
    const next = first.json.link.find((l: any) => l.relation === 'next').url as string; // eslint-disable-line @typescript-eslint/no-explicit-any
    const second = await get(next.replace(node.url + '/fhir', node.internalUrl + '/internal/fhir'));
    expect(count(second.json, 'MedicationRequest')).toBe(2);
    expect(second.json.link.some((l: any) => l.relation === 'next')).toBe(false); // eslint-disable-line @typescript-eslint/no-explicit-any
    // each page is an access of its own
    expect(since(audit.length - 2)).toMatchObject([searchOf('MedicationRequest'), searchOf('MedicationRequest')].map((e) => ({ ...e, patient: { bsn: [QA_BSN] } })));
    expect(audit.at(-1)!.query).toContain('_count=4');
  });

  it('POST _search equals GET; patient by id and subject work; unknown parameters are ignored, or 400 under handling=strict', async () => {
    const mark = audit.length;
    const form = await fetch(`${node.internalUrl}/internal/fhir/MedicationDispense/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `subject=Patient/${data.patientId}&category=${encodeURIComponent(`${SCT}|422037009`)}`,
    });
    expect(form.status).toBe(200);
    expect(((await form.json()) as any).total).toBe(6); // eslint-disable-line @typescript-eslint/no-explicit-any
    const lenient = await get(`${node.internalUrl}/internal/fhir/MedicationRequest?patient=${data.patientId}&category=${SCT}|33633005&foo=bar`);
    expect(lenient.json.total).toBe(6);
    expect(lenient.json.link[0].url).not.toContain('foo');
    const strict = await get(`${node.internalUrl}/internal/fhir/MedicationRequest?patient=${data.patientId}&foo=bar`, { prefer: 'handling=strict' });
    expect(strict.status).toBe(400);
    expect(strict.json.issue[0].expression).toEqual(['foo']);
    const badDate = await get(`${node.internalUrl}/internal/fhir/MedicationRequest?patient=${data.patientId}&period-of-use=ge2024-13-40`);
    expect(badDate.status).toBe(400);
    expect(badDate.json.resourceType).toBe('OperationOutcome');
    // refused searches are recorded too, with the status and the reason
    expect(since(mark)).toMatchObject([
      { ...searchOf('MedicationDispense'), patient: { id: [data.patientId] } },
      { ...searchOf('MedicationRequest'), patient: { id: [data.patientId] } },
      { ...searchOf('MedicationRequest', 400), outcome: { summary: expect.stringContaining('foo') } },
      { ...searchOf('MedicationRequest', 400), outcome: { summary: expect.stringContaining('period-of-use') } },
    ]);
  });

  it('rejects a resource that breaks its MP9 profile with 400 and an expression naming the element', async () => {
    const ma = structuredClone(data.resources.find((r) => r.id === 'MA-QA1')!);
    ma.id = 'MA-broken';
    ma.category = [{ coding: [{ system: SCT, code: '16076005' }] }];
    delete ma.subject;
    const mark = audit.length;
    const res = await internal(node, 'PUT', '/internal/fhir/MedicationRequest/MA-broken', ma, { 'content-type': 'application/fhir+json' });
    expect(res.status).toBe(400);
    const exprs = res.json.issue.flatMap((i: any) => i.expression); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(exprs).toEqual(expect.arrayContaining(['MedicationRequest.subject', 'MedicationRequest.category']));
    expect((await internal(node, 'GET', '/internal/fhir/MedicationRequest/MA-broken')).status).toBe(404);
    expect(since(mark)).toMatchObject([
      { interaction: 'update', resourceType: 'MedicationRequest', id: 'MA-broken', outcome: { status: 400, summary: expect.stringContaining('MedicationRequest.subject is required') } },
      { interaction: 'read', resourceType: 'MedicationRequest', id: 'MA-broken', outcome: { status: 404 } },
    ]);
  });

  it('runs a transaction with urn:uuid references rewritten, and a batch with per-entry outcomes', async () => {
    const pat = { resourceType: 'Patient', identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911065' }], name: [{ text: 'T. Transactie' }] };
    const mtd = structuredClone(data.resources.find((r) => r.id === 'MTD-QA2')!);
    delete mtd.id;
    mtd.subject = { reference: 'urn:uuid:6f0f2f8e-0000-4000-8000-000000000001', display: 'T. Transactie' };
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:6f0f2f8e-0000-4000-8000-000000000001', resource: pat, request: { method: 'POST', url: 'Patient' } },
        { fullUrl: 'urn:uuid:6f0f2f8e-0000-4000-8000-000000000002', resource: mtd, request: { method: 'POST', url: 'MedicationAdministration' } },
      ],
    };
    const mark = audit.length;
    const res = await internal(node, 'POST', '/internal/fhir', bundle, { 'content-type': 'application/fhir+json' });
    expect(res.status, res.text).toBe(200);
    expect(res.json.type).toBe('transaction-response');
    expect(since(mark)).toMatchObject([{ interaction: 'transaction', surface: 'internal', outcome: { status: 200 }, patient: { bsn: ['999911065'] } }]);
    const patId = res.json.entry[0].resource.id;
    expect(res.json.entry[1].resource.subject.reference).toBe(`Patient/${patId}`);
    const found = await get(`${node.internalUrl}/internal/fhir/MedicationAdministration?patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|999911065`);
    expect(found.json.total).toBe(1);
    // all or nothing: one invalid entry, nothing written
    const bad = structuredClone(bundle);
    bad.entry[0]!.resource.identifier[0]!.value = '999911077';
    delete (bad.entry[1]!.resource as any).medicationReference; // eslint-disable-line @typescript-eslint/no-explicit-any
    const refused = await internal(node, 'POST', '/internal/fhir', bad, { 'content-type': 'application/fhir+json' });
    expect(refused.status).toBe(400);
    expect(refused.json.issue[0].expression[0]).toBe('Bundle.entry[1].resource.medication[x]');
    expect((await get(`${node.internalUrl}/internal/fhir/Patient?identifier=http://fhir.nl/fhir/NamingSystem/bsn|999911077`)).json.total).toBe(0);
    const batch = await internal(node, 'POST', '/internal/fhir', { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `Patient/${patId}` } }, { request: { method: 'GET', url: 'Patient/does-not-exist' } }] }, { 'content-type': 'application/fhir+json' });
    expect(batch.json.entry.map((e: any) => e.response.status)).toEqual(['200 OK', '404 Not Found']); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(since(mark).map((e) => `${e.interaction} ${e.outcome.status}`)).toEqual(['transaction 200', 'search 200', 'transaction 400', 'search 200', 'batch 200']);
    expect(since(mark)[2]!.outcome.summary).toContain('medication');
  });

  it('answers bad requests with OperationOutcomes, never a 500', async () => {
    const mark = audit.length;
    const unknownType = await get(`${node.internalUrl}/internal/fhir/Foo?x=1`);
    expect([unknownType.status, unknownType.json.resourceType]).toEqual([404, 'OperationOutcome']);
    const malformed = await internal(node, 'PUT', '/internal/fhir/Patient/p1', '{"resourceType": ', { 'content-type': 'application/fhir+json' });
    expect([malformed.status, malformed.json.resourceType]).toEqual([400, 'OperationOutcome']);
    const xml = await internal(node, 'PUT', '/internal/fhir/Patient/p1', '<Patient/>', { 'content-type': 'application/fhir+xml' });
    expect([xml.status, xml.headers.get('content-type'), xml.text]).toEqual([400, 'application/fhir+xml; charset=utf-8', expect.stringContaining('not in the FHIR namespace')]);
    const plain = await internal(node, 'PUT', '/internal/fhir/Patient/p1', 'Patient p1', { 'content-type': 'text/plain' });
    expect([plain.status, plain.json.resourceType]).toEqual([415, 'OperationOutcome']);
    const idMismatch = await internal(node, 'PUT', '/internal/fhir/Patient/p1', { resourceType: 'Patient', id: 'p2' }, { 'content-type': 'application/fhir+json' });
    expect(idMismatch.status).toBe(400);
    expect(idMismatch.json.issue[0].expression).toEqual(['Patient.id']);
    const history = await get(`${node.internalUrl}/internal/fhir/Patient/p1/_history`);
    expect(history.status).toBe(404);
    const notBundle = await internal(node, 'POST', '/internal/fhir', { resourceType: 'Patient' }, { 'content-type': 'application/fhir+json' });
    expect(notBundle.status).toBe(400);
    // every attempt is recorded with its status, unreadable bodies (malformed JSON, bad XML, plain text) included; none touches a resource
    expect(since(mark).map((e) => `${e.interaction} ${e.resourceType ?? '-'} ${e.outcome.status}`)).toEqual(['search Foo 404', 'update Patient 400', 'update Patient 400', 'update Patient 415', 'update Patient 400', 'read Patient 404', 'transaction - 400']);
  });

  it('serves a CapabilityStatement at /fhir/metadata without a token', async () => {
    const mark = audit.length;
    const res = await get(`${node.url}/fhir/metadata`);
    expect(res.status).toBe(200);
    expect(since(mark)).toMatchObject([{ interaction: 'capabilities', surface: 'public', caller: { type: 'anonymous' }, outcome: { status: 200 } }]);
    const mr = res.json.rest[0].resource.find((r: any) => r.type === 'MedicationRequest'); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(mr.searchParam.map((p: any) => p.name)).toEqual(expect.arrayContaining(['patient', 'category', 'period-of-use', 'pharmaceutical-treatment-identifier'])); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(mr.supportedProfile).toContain('http://nictiz.nl/fhir/StructureDefinition/mp-MedicationAgreement');
  });

  describe('public /fhir authorisation', () => {
    const pub = (path: string, token?: string) => get(`${node.url}/fhir/${path}`, token ? { authorization: `Bearer ${token}` } : {});

    it('answers 401 with WWW-Authenticate without a token or with a bad one', async () => {
      const mark = audit.length;
      const none = await pub(`MedicationRequest?${PAT}`);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer realm="fhir"/);
      expect(none.json.resourceType).toBe('OperationOutcome');
      const expired = await pub(`MedicationRequest?${PAT}`, await tokens.token({ scope: 'medicatieoverdracht', employee_role_code: '01.015' }, { expiresIn: '-1m' }));
      expect(expired.status).toBe(401);
      expect(expired.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
      expect(since(mark)).toMatchObject([
        { ...searchOf('MedicationRequest', 401, 'public'), caller: { type: 'anonymous' }, outcome: { summary: expect.stringContaining('access token is required') } },
        { ...searchOf('MedicationRequest', 401, 'public'), caller: { type: 'anonymous' }, outcome: { summary: expect.stringContaining('access token refused') } },
      ]);
      expect(since(mark)[0]!.accessToken).toBeUndefined();
      expect(since(mark)[1]!.accessToken).toBeDefined();
    });

    it('lets a verzorgende IG read the administration-list blocks but not dispense requests (403 naming the matrix rule)', async () => {
      const t = await tokens.token({ scope: 'medicatieoverdracht', employee_role_code: 'VVT.001' });
      for (const block of ['MA', 'TA', 'WDS', 'MTD']) {
        const mark = audit.length;
        const res = await pub(`${BASE[block]!.type}?${PAT}&${BASE[block]!.q}`, t);
        expect(res.status, `${block}: ${JSON.stringify(res.json)}`).toBe(200);
        expect(count(res.json, BASE[block]!.type, 'match')).toBe(6);
        expect(since(mark)).toMatchObject([{ ...searchOf(BASE[block]!.type, 200, 'public'), patient: { bsn: [QA_BSN] }, caller: { type: 'user', token: { employee_role_code: 'VVT.001', organization_ura: '90000303' } }, accessToken: t }]);
      }
      const mark = audit.length;
      const vv = await pub(`MedicationRequest?${PAT}&${BASE.VV!.q}`, t);
      expect(vv.status).toBe(403);
      expect(vv.json.issue[0].details.coding[0].code).toBe('matrix');
      expect(vv.json.issue[0].diagnostics).toContain('VV');
      // without a category the search could return VV, so it is refused too
      expect((await pub(`MedicationRequest?${PAT}`, t)).status).toBe(403);
      const read = await pub('MedicationRequest/VV-QA1', t);
      expect(read.status).toBe(403);
      expect(read.json.issue[0].details.coding[0].code).toBe('matrix');
      expect(since(mark)).toMatchObject([
        { ...searchOf('MedicationRequest', 403, 'public'), patient: { bsn: [QA_BSN] }, outcome: { summary: expect.stringContaining("rule 'matrix'") } },
        { ...searchOf('MedicationRequest', 403, 'public'), patient: { bsn: [QA_BSN] } },
        { interaction: 'read', surface: 'public', resourceType: 'MedicationRequest', id: 'VV-QA1', outcome: { status: 403, summary: expect.stringContaining("rule 'matrix'") } },
      ]);
    });

    it('refuses searches that name no patient or two patients, and answers that would include another patient', async () => {
      const t = await tokens.token({ scope: 'medicatieoverdracht', employee_role_code: '01.015' });
      const mark = audit.length;
      const none = await pub(`MedicationRequest?category=${SCT}|33633005`, t);
      expect(none.status).toBe(403);
      expect(none.json.issue[0].details.coding[0].code).toBe('patient.exactly-one');
      const two = await pub(`MedicationRequest?patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|${QA_BSN},http://fhir.nl/fhir/NamingSystem/bsn|${OTHER_BSN}`, t);
      // naming two patients is a request that cannot be served at all (400), whoever asks
      expect(two.status).toBe(400);
      expect(two.json.issue[0].details.coding[0].code).toBe('patient.exactly-one');
      const twoParams = await pub(`MedicationRequest?patient=${data.patientId}&patient=${data.otherPatientId}`, t);
      expect(twoParams.status).toBe(400);
      expect(since(mark).map((e) => [e.outcome.status, e.outcome.summary?.match(/rule '([^']+)'/)?.[1]])).toEqual([[403, 'patient.exactly-one'], [400, 'patient.exactly-one'], [400, 'patient.exactly-one']]);
      // an administration recorded with another patient as performer (e.g. a partner who is a client too)
      const mtd = structuredClone(data.resources.find((r) => r.id === 'MTD-QA6')!);
      mtd.id = 'MTD-by-other-patient';
      mtd.performer = [{ actor: { reference: `Patient/${data.otherPatientId}`, type: 'Patient', display: 'C. XXX_Dongen' } }];
      expect((await internal(node, 'PUT', `/internal/fhir/MedicationAdministration/${mtd.id}`, mtd, { 'content-type': 'application/fhir+json' })).status).toBe(201);
      const leak = await pub(`MedicationAdministration?${PAT}&_include=MedicationAdministration:performer`, t);
      expect(leak.status).toBe(403);
      expect(leak.json.issue[0].details.coding[0].code).toBe('patient.other-patient');
      expect(JSON.stringify(leak.json)).not.toContain(OTHER_BSN);
      // the refused answer is recorded against both patients whose data it would have disclosed
      expect(audit.at(-1)).toMatchObject({ ...searchOf('MedicationAdministration', 403, 'public') });
      expect(audit.at(-1)!.patient!.bsn!.sort()).toEqual([QA_BSN, OTHER_BSN].sort());
      expect(audit.at(-1)!.patient!.id!.sort()).toEqual([data.patientId, data.otherPatientId].sort());
      const fine = await pub(`MedicationAdministration?${PAT}`, t);
      expect(fine.status).toBe(200);
      await internal(node, 'DELETE', `/internal/fhir/MedicationAdministration/${mtd.id}`);
    });

    it('refuses a token without the medicatieoverdracht scope or with an unknown role', async () => {
      const mark = audit.length;
      const noScope = await pub(`MedicationRequest?${PAT}&${BASE.MA!.q}`, await tokens.token({ scope: 'other', employee_role_code: '01.015' }));
      expect(noScope.json.issue[0].details.coding[0].code).toBe('scope');
      const unknown = await pub(`MedicationRequest?${PAT}&${BASE.MA!.q}`, await tokens.token({ scope: 'medicatieoverdracht', employee_role_code: '99.999' }));
      expect(unknown.json.issue[0].details.coding[0].code).toBe('role.unknown');
      expect(since(mark)).toMatchObject([
        { ...searchOf('MedicationRequest', 403, 'public'), caller: { token: { scope: 'other' } }, outcome: { summary: expect.stringContaining("rule 'scope'") } },
        { ...searchOf('MedicationRequest', 403, 'public'), caller: { token: { employee_role_code: '99.999' } }, outcome: { summary: expect.stringContaining("rule 'role.unknown'") } },
      ]);
    });

    it('lets a verzorgende record an administration (create MTD) but not a dispense request', async () => {
      const t = await tokens.token({ scope: 'medicatieoverdracht', employee_role_code: 'VVT.001' });
      const mtd = structuredClone(data.resources.find((r) => r.id === 'MTD-QA4')!);
      delete mtd.id;
      const post = (body: unknown, type: string) => fetch(`${node.url}/fhir/${type}`, { method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/fhir+json' }, body: JSON.stringify(body) });
      const mark = audit.length;
      const created = await post(mtd, 'MedicationAdministration');
      expect(created.status).toBe(201);
      expect(created.headers.get('location')).toMatch(/\/fhir\/MedicationAdministration\/[0-9a-f-]{36}\/_history\/1$/);
      const vv = structuredClone(data.resources.find((r) => r.id === 'VV-QA1')!);
      delete vv.id;
      expect((await post(vv, 'MedicationRequest')).status).toBe(403);
      expect(since(mark)).toMatchObject([
        { interaction: 'create', surface: 'public', resourceType: 'MedicationAdministration', outcome: { status: 201 }, patient: { bsn: [QA_BSN] }, caller: { token: { employee_role_code: 'VVT.001' } } },
        { interaction: 'create', surface: 'public', resourceType: 'MedicationRequest', outcome: { status: 403 } },
      ]);
    });

    it('records every interaction with actor, patient and request id before answering; a failing audit sink withholds the data (503)', async () => {
      audit.length = 0;
      const t = await tokens.token({ scope: 'medicatieoverdracht', employee_role_code: '01.015', employee_identifier: 'uzi-123' });
      const res = await get(`${node.url}/fhir/MedicationRequest?${PAT}&${BASE.MA!.q}`, { authorization: `Bearer ${t}`, 'x-request-id': 'req-audit-1' });
      expect(res.status).toBe(200);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ interaction: 'search', surface: 'public', resourceType: 'MedicationRequest', requestId: 'req-audit-1', outcome: { status: 200 }, patient: { bsn: [QA_BSN], id: [data.patientId] } });
      expect(audit[0]!.caller).toMatchObject({ type: 'user', token: { employee_identifier: 'uzi-123' } });
      await internal(node, 'GET', '/internal/fhir/Patient/' + data.patientId);
      expect(audit[1]).toMatchObject({ interaction: 'read', surface: 'internal', caller: { type: 'system' } });
      failAudit = true;
      try {
        const withheld = await get(`${node.url}/fhir/MedicationRequest?${PAT}&${BASE.MA!.q}`, { authorization: `Bearer ${t}` });
        expect(withheld.status).toBe(503);
        expect(JSON.stringify(withheld.json)).not.toContain('MA-QA1');
      } finally {
        failAudit = false;
      }
    });
  });

  describe('upstream mode', () => {
    let proxy: LabNode;
    beforeAll(async () => {
      proxy = await startTestNode('fhir-proxy', { fhir: { upstream: `${node.internalUrl}/internal/fhir` } }, { fhirTokenVerifier: tokens.verifier });
    });
    afterAll(async () => {
      await proxy?.stop();
    });

    it('forwards authorised requests with fhir-kit-client and still applies the authorisation', async () => {
      const t = await tokens.token({ scope: 'medicatieoverdracht', employee_role_code: 'VVT.001' });
      const mark = audit.length;
      const res = await get(`${proxy.url}/fhir/MedicationDispense?${PAT}&${BASE.TA!.q}`, { authorization: `Bearer ${t}` });
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      expect([count(res.json, 'MedicationDispense', 'match'), count(res.json, 'Medication')]).toEqual([6, 6]);
      expect(res.json.entry[0].fullUrl.startsWith(`${proxy.url}/fhir/`)).toBe(true);
      const read = await get(`${proxy.url}/fhir/MedicationRequest/MA-QA2`, { authorization: `Bearer ${t}` });
      expect(read.json.id).toBe('MA-QA2');
      expect((await get(`${proxy.url}/fhir/MedicationRequest?${PAT}&${BASE.VV!.q}`, { authorization: `Bearer ${t}` })).status).toBe(403);
      expect((await get(`${proxy.url}/fhir/MedicationRequest/nope`, { authorization: `Bearer ${t}` })).status).toBe(404);
      // the proxy records in its own NEN 7513 log (default audit wiring): the care worker's access, refusals included
      const recs = await auditRecords(proxy);
      expect(recs.map((r) => `${r.event} ${r.outcome.code}`)).toEqual(['fhir.search 0', 'fhir.read 0', 'fhir.search 4', 'fhir.read 4']);
      expect(recs[0]).toMatchObject({
        patient: { bsn: QA_BSN },
        actor: { userId: 'did:web:client.test', role: { code: 'VVT.001' }, organisation: { ura: '90000303', name: 'Thuiszorg De Zonnebloem' }, clientId: 'did:web:client.test' },
        object: { type: 'MedicationDispense', query: expect.stringContaining('category=') },
        authorisation: { scope: 'medicatieoverdracht', protocol: 'nuts-rfc021', tokenHash: hashToken(t) },
        source: { node: 'fhir-proxy' },
        client: { address: expect.stringMatching(/127\.0\.0\.1/) },
      });
      expect(recs[2]).toMatchObject({ patient: { bsn: QA_BSN }, outcome: { httpStatus: 403, description: expect.stringContaining("rule 'matrix'") } });
      expect(recs[3]).toMatchObject({ object: { type: 'MedicationRequest', id: 'nope' }, outcome: { httpStatus: 404 } });
      // the upstream answered the proxy's own calls on its internal surface, each recorded there
      expect(since(mark).every((e) => e.surface === 'internal' && e.caller.type === 'system')).toBe(true);
      expect(since(mark).length).toBeGreaterThanOrEqual(3);
    });
  });
});
