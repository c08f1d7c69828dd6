// Authorisation table: role × building block × interaction → allowed or refused with the rule named, through signed tokens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testTokens, type TestTokens } from '../../../test/helpers/fhir-tokens.js';
import { qaSet, QA_BSN } from './qa-set.js';
import { openDatabase, type Database } from '../store/index.js';
import { EmbeddedBackend } from './backend.js';
import { FhirAuthoriser, loadMatrix, namedPatient, type ConsentHook } from './authz.js';
import { ProfileValidator } from './profiles.js';
import { fhirMigrations, SqlFhirRepository } from './store.js';
import { parseSearch, parseQueryString } from './search.js';
import { FhirService, type FhirResponse } from './service.js';
import type { FhirAuditEvent } from './audit.js';
import type { FhirResource } from './types.js';

const PAT = `patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|${QA_BSN}`;
const CAT: Record<string, string> = { MA: 'MedicationRequest?category=http://snomed.info/sct|33633005', WDS: 'MedicationRequest?category=http://snomed.info/sct|395067002', VV: 'MedicationRequest?category=http://snomed.info/sct|52711000146108', TA: 'MedicationDispense?category=http://snomed.info/sct|422037009', MVE: 'MedicationDispense?category=http://snomed.info/sct|373784005', MGB: 'MedicationStatement?category=http://snomed.info/sct|422979000', MTD: 'MedicationAdministration?category=http://snomed.info/sct|18629005' };

type Row = [role: string, interaction: 'search' | 'read' | 'create' | 'update' | 'delete', target: string, expected: number, rule?: string];

const TABLE: Row[] = [
  // huisarts (prescriber): sees everything, writes agreements, not administrations
  ['01.015', 'search', 'MA', 200],
  ['01.015', 'search', 'VV', 200],
  ['01.015', 'search', 'MTD', 200],
  ['01.015', 'create', 'MA', 201],
  ['01.015', 'create', 'MTD', 403, 'matrix'],
  ['01.047', 'search', 'WDS', 200],
  // openbaar apotheker: administration agreements and dispenses
  ['17.075', 'search', 'TA', 200],
  ['17.075', 'create', 'TA', 201],
  ['17.075', 'create', 'MA', 403, 'matrix'],
  // verpleegkundige (BIG): everything but dispense requests; records and corrects administrations
  ['30.000', 'search', 'MVE', 200],
  ['30.000', 'search', 'VV', 403, 'matrix'],
  ['30.000', 'create', 'MTD', 201],
  ['30.000', 'update', 'MTD', 200],
  // verzorgende IG without BIG: the administration list (MA, TA, WDS, MTD), records administrations only
  ['VVT.001', 'search', 'MA', 200],
  ['VVT.001', 'search', 'TA', 200],
  ['VVT.001', 'search', 'WDS', 200],
  ['VVT.001', 'search', 'MTD', 200],
  ['VVT.001', 'search', 'VV', 403, 'matrix'],
  ['VVT.001', 'search', 'MVE', 403, 'matrix'],
  ['VVT.001', 'search', 'MGB', 403, 'matrix'],
  ['VVT.001', 'read', 'MedicationRequest/MA-QA1', 200],
  ['VVT.001', 'read', 'MedicationRequest/VV-QA1', 403, 'matrix'],
  ['VVT.001', 'read', 'Medication/med-prk-3956', 200],
  ['VVT.001', 'create', 'MTD', 201],
  ['VVT.001', 'create', 'MA', 403, 'matrix'],
  ['VVT.001', 'update', 'MTD', 403, 'matrix'],
  ['VVT.001', 'delete', 'MedicationAdministration/MTD-QA3', 403, 'matrix'],
  ['VVT.001', 'delete', 'MedicationAdministration/does-not-exist', 403, 'matrix'],
  ['30.000', 'update', 'MTD-to-other-patient', 403, 'patient.other-patient'],
  ['VVT.003', 'search', 'TA', 200],
  ['VVT.003', 'search', 'VV', 403, 'matrix'],
  // tokens that fail before the matrix
  ['', 'search', 'MA', 403, 'role.missing'],
  ['99.999', 'search', 'MA', 403, 'role.unknown'],
];

describe('FHIR authorisation', () => {
  let db: Database;
  let tokens: TestTokens;
  let service: FhirService;
  let consent: ConsentHook['check'] = async () => ({ permit: true });
  // the service's audit port: what each decision would put in the NEN 7513 log
  const audited: FhirAuditEvent[] = [];
  const data = qaSet(new Date());

  beforeAll(async () => {
    tokens = await testTokens();
    db = await openDatabase({ sqlite: ':memory:' });
    await db.migrate(fhirMigrations);
    const repo = new SqlFhirRepository({ db });
    for (const r of data.resources) await repo.put(r as FhirResource & { id: string });
    const validator = new ProfileValidator();
    service = new FhirService({ backend: new EmbeddedBackend(repo, validator, () => 'http://n.test/fhir'), validator, authoriser: new FhirAuthoriser(), baseUrl: () => 'http://n.test/fhir', clock: Date.now, verifier: tokens.verifier, consent: { check: (q) => consent(q) }, audit: { record: async (e) => void audited.push(e) } });
  });
  afterAll(async () => {
    await db?.close();
  });

  async function call(role: string, interaction: Row[1], target: string, scope = 'medicatieoverdracht'): Promise<FhirResponse> {
    const token = await tokens.token({ scope, ...(role ? { employee_role_code: role } : {}) });
    const headers = { authorization: `Bearer ${token}` };
    const example = (block: string) => structuredClone(data.resources.find((r) => r.id === `${block}-QA2`)!);
    const req = (method: string, path: string, query = '', body?: unknown) => service.handle({ method, path, query, body, headers, url: `http://n.test/fhir/${path}` }, 'public');
    switch (interaction) {
      case 'search': {
        const [type, q] = CAT[target]!.split('?');
        return req('GET', type!, `${PAT}&${q}`);
      }
      case 'read':
        return req('GET', target);
      case 'delete':
        return req('DELETE', target);
      case 'create': {
        const r = example(target);
        delete r.id;
        return req('POST', r.resourceType, '', r);
      }
      case 'update': {
        const r = example(target.replace('-to-other-patient', ''));
        if (target.endsWith('-to-other-patient')) r.subject = { reference: `Patient/${data.otherPatientId}`, type: 'Patient', display: 'C. XXX_Dongen' };
        return req('PUT', `${r.resourceType}/${r.id}`, '', r);
      }
    }
  }

  for (const [role, interaction, target, expected, rule] of TABLE) {
    it(`${role || '(no role)'} ${interaction} ${target} → ${expected}${rule ? ` (${rule})` : ''}`, async () => {
      const before = audited.length;
      const res = await call(role, interaction, target);
      expect(res.status, JSON.stringify(res.body)).toBe(expected);
      if (rule) {
        expect(res.body!.resourceType).toBe('OperationOutcome');
        expect(res.body!.issue[0].details.coding[0].code).toBe(rule);
        expect(res.body!.issue[0].diagnostics).toMatch(/^refused by rule/);
      }
      // exactly one audit event per decision, allowed or refused, naming the role, the outcome and whose data
      expect(audited.length).toBe(before + 1);
      const ev = audited.at(-1)!;
      expect(ev).toMatchObject({ interaction, surface: 'public', outcome: { status: expected }, caller: { type: 'user', token: role ? { employee_role_code: role } : {} } });
      if (rule) expect(ev.outcome.summary).toContain(`rule '${rule}'`);
      if (target.startsWith('Medication/') || target.includes('does-not-exist')) expect(ev.patient?.bsn).toBeUndefined();
      else expect(ev.patient?.bsn).toContain(QA_BSN);
      // moving a resource to another patient concerns both
      if (target.endsWith('-to-other-patient')) expect(ev.patient?.bsn).toHaveLength(2);
    });
  }

  it('refuses a token without scope medicatieoverdracht (rule scope)', async () => {
    const res = await call('01.015', 'search', 'MA', 'openid');
    expect(res.status).toBe(403);
    expect(res.body!.issue[0].details.coding[0].code).toBe('scope');
    expect(audited.at(-1)).toMatchObject({ interaction: 'search', patient: { bsn: [QA_BSN] }, outcome: { status: 403, summary: expect.stringContaining("rule 'scope'") }, caller: { token: { scope: 'openid' } } });
  });

  it('refuses transaction Bundles on the public endpoint (rule interaction)', async () => {
    const token = await tokens.token({ scope: 'medicatieoverdracht', employee_role_code: '01.015' });
    const res = await service.handle({ method: 'POST', path: '', query: '', body: { resourceType: 'Bundle', type: 'transaction', entry: [] }, headers: { authorization: `Bearer ${token}` }, url: 'http://n.test/fhir' }, 'public');
    expect(res.status).toBe(403);
    expect(res.body!.issue[0].details.coding[0].code).toBe('interaction');
    expect(audited.at(-1)).toMatchObject({ interaction: 'transaction', surface: 'public', outcome: { status: 403 }, accessToken: token });
  });

  it('asks the consent hook with the caller (role, organisation, the one authorised patient) and blocks, and refuses with rule consent when it says no', async () => {
    const asked: unknown[] = [];
    consent = async (q) => {
      asked.push({ patient: q.caller.patient, blocks: q.blocks, role: q.caller.role, ura: q.caller.organisation?.ura });
      return { permit: false, reason: 'no Mitz consent for VVT organisations' };
    };
    try {
      const res = await call('VVT.001', 'search', 'TA');
      expect(res.status).toBe(403);
      expect(res.body!.issue[0].details.coding[0].code).toBe('consent');
      expect(res.body!.issue[0].diagnostics).toContain('no Mitz consent');
      expect(asked).toEqual([{ patient: { identifier: `http://fhir.nl/fhir/NamingSystem/bsn|${QA_BSN}`, bsn: QA_BSN }, blocks: ['TA'], role: 'VVT.001', ura: '90000303' }]);
      expect(audited.at(-1)).toMatchObject({ interaction: 'search', resourceType: 'MedicationDispense', patient: { bsn: [QA_BSN] }, outcome: { status: 403, summary: expect.stringContaining('no Mitz consent') } });
    } finally {
      consent = async () => ({ permit: true });
    }
  });

  it('names exactly one patient, or says why not', () => {
    const q = (s: string, type = 'MedicationRequest') => namedPatient(parseSearch(type, parseQueryString(s)));
    expect(q(`${PAT}`)).toEqual({ ok: true, patient: { identifier: `http://fhir.nl/fhir/NamingSystem/bsn|${QA_BSN}`, bsn: QA_BSN } });
    expect(q('patient=Patient/a')).toEqual({ ok: true, patient: { reference: 'Patient/a' } });
    expect(q('subject=a&patient=Patient/a')).toMatchObject({ ok: true });
    expect(q('patient=a,b')).toMatchObject({ ok: false, reason: expect.stringContaining('names 2') });
    expect(q('category=x')).toMatchObject({ ok: false, reason: expect.stringContaining('names none') });
    expect(q('patient.family=Jansen')).toMatchObject({ ok: false });
    expect(q(`identifier=http://fhir.nl/fhir/NamingSystem/bsn|${QA_BSN}`, 'Patient')).toMatchObject({ ok: true, patient: { bsn: QA_BSN } });
    // naming none is for the authoriser to refuse (403); naming several or something unusable is a bad request (400)
    expect(q('category=x')).toMatchObject({ status: 403, rule: 'patient.exactly-one' });
    expect(q('patient=a,b')).toMatchObject({ status: 400, rule: 'patient.exactly-one' });
    expect(q(`${PAT}&patient=Patient/a`)).toMatchObject({ status: 400, rule: 'patient.exactly-one' });
    expect(q(`${PAT}&${PAT}`)).toMatchObject({ ok: true, patient: { bsn: QA_BSN } });
    expect(q('subject=Group/g')).toMatchObject({ status: 400, rule: 'patient.unusable' });
    expect(q('subject:Group=g')).toMatchObject({ status: 400, rule: 'patient.unusable' });
    expect(q('patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|12345678')).toMatchObject({ status: 400, reason: expect.stringContaining('9 digits') });
    expect(q('patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|999901085')).toMatchObject({ status: 400, reason: expect.stringContaining('11-check') });
    expect(q('patient=')).toMatchObject({ status: 400, rule: 'patient.unusable' });
    // a patient parameter the server cannot apply is refused while parsing, even under lenient handling
    expect(() => parseSearch('MedicationRequest', parseQueryString(`subject.identifier=x&${PAT}`))).toThrow(/naming the patient must be applied/);
    expect(() => parseSearch('MedicationRequest', parseQueryString(`${PAT}&bsn=1`))).toThrow(/naming the patient must be applied/);
    expect(() => parseSearch('MedicationRequest', parseQueryString(`${PAT}&subject:Group.identifier=x|y`))).toThrow(/naming the patient must be applied/);
    expect(parseSearch('MedicationRequest', parseQueryString(`${PAT}&unknown=1`)).ignored).toEqual(['unknown']);
  });

  it('offers only the resource types fhir-authorisation.json grants (default-deny)', () => {
    const az = new FhirAuthoriser();
    for (const t of ['MedicationRequest', 'Patient', 'Medication', 'Organization']) expect(az.mayAccessType(t)).toEqual({ allowed: true });
    for (const t of ['List', 'Consent', 'Bundle', 'constructor', '__proto__']) expect(az.mayAccessType(t)).toMatchObject({ allowed: false, rule: 'type.not-granted' });
    expect(new FhirAuthoriser({ ...loadMatrix(), resourceTypes: undefined }).mayAccessType('MedicationRequest')).toMatchObject({ allowed: false });
  });
});

describe('matrix and role catalogue', () => {
  it('names only roles that exist in credentials/roles.json', async () => {
    const { roleCatalogue } = await import('../vcr/index.js');
    const known = new Set(roleCatalogue().keys());
    const unknown = loadMatrix().groups.flatMap((g) => g.roles).filter((r) => !known.has(r));
    expect(unknown).toEqual([]);
  });
});
