// FHIR operations and MP9 3.0 additions over HTTP: $validate, is-latest-stop, $latest-stops, $purge, Observation/Communication.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalPath } from '../helpers/external.js';
import { internal, startTestNode } from '../helpers/node.js';
import { qaSet, QA_BSN } from '../../node/src/fhir/qa-set.js';
import { resourceToXml, xmlToResource } from '../../node/src/fhir/fhirxml.js';
import type { LabNode } from '../../node/src/main.js';
import type { FhirResource } from '../../node/src/fhir/types.js';

const SD = 'http://nictiz.nl/fhir/StructureDefinition/';
const TODAY = new Date();
const day = (offset: number) => new Date(Date.UTC(TODAY.getUTCFullYear(), TODAY.getUTCMonth(), TODAY.getUTCDate() + offset)).toISOString().slice(0, 10);
const json = { 'content-type': 'application/fhir+json' };

/** An MA of treatment `mbh`, valid from..to (days from today), optionally a stop registered at `registered`. */
function ma(base: FhirResource, id: string, mbh: string, from: number, to: number, stop?: { registered: number }): FhirResource {
  const r = structuredClone(base);
  r.id = id;
  r.identifier = [{ system: 'urn:oid:2.16.840.1.113883.2.4.3.11.999.77.16076005.1', value: id }];
  r.extension = [
    { url: `${SD}ext-TimeInterval.Period`, valuePeriod: { start: `${day(from)}T00:00:00+01:00`, end: `${day(to)}T23:59:59+01:00` } },
    { url: `${SD}ext-PharmaceuticalTreatment.Identifier`, valueIdentifier: { system: 'urn:oid:2.16.840.1.113883.2.4.3.11.999.77.1.1', value: mbh } },
    ...(stop ? [{ url: `${SD}ext-RegistrationDateTime`, valueDateTime: `${day(stop.registered)}T10:00:00+01:00` }] : []),
  ];
  if (stop) r.modifierExtension = [{ url: `${SD}ext-StopType`, valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '410546004', display: 'stopgezet' }] } }];
  return r;
}

describe('FHIR operations and MP9 3.0 additions', () => {
  let node: LabNode;
  let data: ReturnType<typeof qaSet>;
  let base: FhirResource;
  beforeAll(async () => {
    node = await startTestNode('fhir-ops');
    data = qaSet(TODAY);
    for (const r of data.resources) expect((await internal(node, 'PUT', `/internal/fhir/${r.resourceType}/${r.id}`, r, json)).status).toBe(201);
    base = data.resources.find((r) => r.id === 'MA-QA1')!;
    // treatment A: ran −100…−60, stopped (registered −60), stopped again later (registered −50) → −50 is the latest stop
    // treatment B: active now, no stop; treatment C: stop inside the searched period
    for (const r of [
      ma(base, 'A-1', 'MBH-A', -100, -60),
      ma(base, 'A-stop-1', 'MBH-A', -100, -60, { registered: -60 }),
      ma(base, 'A-stop-2', 'MBH-A', -100, -55, { registered: -50 }),
      ma(base, 'B-1', 'MBH-B', -5, 30),
      ma(base, 'C-stop', 'MBH-C', -3, -2, { registered: -2 }),
    ])
      expect((await internal(node, 'PUT', `/internal/fhir/MedicationRequest/${r.id}`, r, json)).status).toBe(201);
  });
  afterAll(async () => node?.stop());

  const ids = (bundle: any) => bundle.entry.filter((e: any) => e.search?.mode !== 'include').map((e: any) => e.resource.id).filter((i: string) => /^[ABC]-/.test(i)).sort(); // eslint-disable-line @typescript-eslint/no-explicit-any

  it('is-latest-stop=true adds the latest stop per MBH even outside the searched period', async () => {
    const q = `patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|${QA_BSN}&category=http://snomed.info/sct|33633005&period-of-use=ge${day(-10)}`;
    const plain = await internal(node, 'GET', `/internal/fhir/MedicationRequest?${q}`);
    expect(ids(plain.json)).toEqual(['B-1', 'C-stop']);
    const latest = await internal(node, 'GET', `/internal/fhir/MedicationRequest?${q}&is-latest-stop=true`);
    expect(ids(latest.json)).toEqual(['A-stop-2', 'B-1', 'C-stop']);
    const off = await internal(node, 'GET', `/internal/fhir/MedicationRequest?${q}&is-latest-stop=false`);
    expect(ids(off.json)).toEqual(['B-1', 'C-stop']);
    const bad = await internal(node, 'GET', `/internal/fhir/MedicationRequest?${q}&is-latest-stop=maybe`);
    expect([bad.status, bad.json.issue[0].expression]).toEqual([400, ['is-latest-stop']]);
  });

  it('reads zoneless search dates as the resource wrote its day (periods starting 26 Nov at 00:00+02:00)', async () => {
    const period = (id: string, start: string, end: string) => {
      const r = ma(base, id, `MBH-${id}`, 0, 0);
      r.extension![0] = { url: `${SD}ext-TimeInterval.Period`, valuePeriod: { start, end } };
      return r;
    };
    for (const r of [period('NOV-26', '2026-11-26T00:00:00+02:00', '2026-12-10T23:59:59+02:00'), period('NOV-20', '2026-11-20T00:00:00+02:00', '2026-11-22T00:00:00+02:00'), period('NOV-10', '2026-11-10T00:00:00+02:00', '2026-11-21T23:59:59+02:00')])
      expect((await internal(node, 'PUT', `/internal/fhir/MedicationRequest/${r.id}`, r, json)).status).toBe(201);
    const search = async (q: string) => (await internal(node, 'GET', `/internal/fhir/MedicationRequest?identifier=NOV-26,NOV-20,NOV-10&${q}`)).json.entry?.map((e: any) => e.resource.id).sort() ?? []; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(await search('period-of-use=le2026-11-25')).toEqual(['NOV-10', 'NOV-20']);
    expect(await search('period-of-use=ge2026-11-22&period-of-use=le2026-11-25')).toEqual(['NOV-20']);
    expect(await search('period-of-use=eq2026-11-26')).toEqual(['NOV-26']);
    // with a zone in the query the instant is taken as written: 25 Nov 23:30 +01:00 is inside NOV-26's first hour (+02:00)
    expect(await search(`period-of-use=${encodeURIComponent('ge2026-11-25T23:30:00+01:00')}&period-of-use=${encodeURIComponent('le2026-11-25T23:30:00+01:00')}`)).toEqual(['NOV-26']);
  });

  it('$latest-stops returns per MBH the active blocks and the latest stop, optionally for chosen MBHs', async () => {
    const q = `patient=http://fhir.nl/fhir/NamingSystem/bsn|${QA_BSN}&category=http://snomed.info/sct|33633005`;
    const all = await internal(node, 'GET', `/internal/fhir/MedicationRequest/$latest-stops?${q}`);
    expect(all.status).toBe(200);
    expect(ids(all.json)).toEqual(['A-stop-2', 'B-1', 'C-stop']);
    const post = await internal(node, 'POST', '/internal/fhir/MedicationRequest/$latest-stops', { resourceType: 'Parameters', parameter: [{ name: 'patient', valueIdentifier: { system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: QA_BSN } }, { name: 'mbh', valueIdentifier: { system: 'urn:oid:2.16.840.1.113883.2.4.3.11.999.77.1.1', value: 'MBH-A' } }, { name: 'include-details', valueBoolean: true }] }, json);
    expect(ids(post.json)).toEqual(['A-stop-2']);
    expect(post.json.entry.filter((e: any) => e.search.mode === 'include').map((e: any) => e.resource.resourceType)).toEqual(['Medication']); // eslint-disable-line @typescript-eslint/no-explicit-any
    const noPatient = await internal(node, 'GET', '/internal/fhir/MedicationRequest/$latest-stops');
    expect([noPatient.status, noPatient.json.issue[0].expression]).toEqual([400, ['patient']]);
    const wrongType = await internal(node, 'GET', `/internal/fhir/Patient/$latest-stops?${q}`);
    expect(wrongType.status).toBe(400);
    const unknown = await internal(node, 'GET', '/internal/fhir/Patient/$everything');
    expect(unknown.status).toBe(404);
  });

  it('$validate checks a posted resource (type level, profile parameter, XML) and a stored one (instance level)', async () => {
    const good = await internal(node, 'POST', '/internal/fhir/MedicationRequest/$validate', base, json);
    expect([good.status, good.json.issue]).toEqual([200, [expect.objectContaining({ severity: 'information' })]]);
    const broken = { ...structuredClone(base), intent: undefined, dosageInstruction: { text: 'not an array' }, authoredOn: '2026-02-30T25:00' };
    const bad = await internal(node, 'POST', '/internal/fhir/MedicationRequest/$validate', broken, json);
    expect(bad.status).toBe(200);
    expect(bad.json.issue.map((i: any) => `${i.severity} ${i.code} ${i.expression[0]}`)).toEqual( // eslint-disable-line @typescript-eslint/no-explicit-any
      expect.arrayContaining(['error required MedicationRequest.intent', 'error structure MedicationRequest.dosageInstruction', 'error value MedicationRequest.authoredOn']),
    );
    const noProfile = structuredClone(base);
    delete noProfile.meta;
    noProfile.category = [{ coding: [{ system: 'http://snomed.info/sct', code: '16076005' }] }];
    expect((await internal(node, 'POST', '/internal/fhir/MedicationRequest/$validate', noProfile, json)).json.issue[0].severity).toBe('information');
    const asked = await internal(node, 'POST', `/internal/fhir/MedicationRequest/$validate?profile=${SD}mp-MedicationAgreement`, noProfile, json);
    expect(asked.json.issue).toEqual([expect.objectContaining({ severity: 'error', expression: ['MedicationRequest.category'] })]);
    const params = await internal(node, 'POST', '/internal/fhir/MedicationRequest/$validate', { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: noProfile }, { name: 'profile', valueUri: `${SD}mp-MedicationAgreement` }] }, json);
    expect(params.json.issue[0].severity).toBe('error');
    expect(() => resourceToXml(broken)).toThrow('must be an array'); // no XML form: such a resource cannot even be sent as XML
    const xml = await internal(node, 'POST', '/internal/fhir/MedicationRequest/$validate', resourceToXml({ ...broken, dosageInstruction: undefined }), { 'content-type': 'application/fhir+xml', accept: 'application/fhir+xml' });
    expect(xmlToResource(xml.text).issue.map((i: any) => i.expression[0])).toEqual(['MedicationRequest.intent', 'MedicationRequest.authoredOn']); // eslint-disable-line @typescript-eslint/no-explicit-any
    const xmlGood = await internal(node, 'POST', '/internal/fhir/MedicationRequest/$validate', resourceToXml(base), { 'content-type': 'application/fhir+xml' });
    expect(xmlToResource(xmlGood.text).issue[0].severity).toBe('information');
    const instance = await internal(node, 'GET', '/internal/fhir/MedicationRequest/MA-QA1/$validate');
    expect([instance.status, instance.json.issue[0].severity]).toEqual([200, 'information']);
    const unknownProfile = await internal(node, 'POST', `/internal/fhir/MedicationRequest/$validate?profile=${SD}mp-Nope`, base, json);
    expect(unknownProfile.json.issue[0]).toMatchObject({ severity: 'error', code: 'not-supported' });
  });

  it('refuses a structurally broken write with the same validator', async () => {
    const res = await internal(node, 'PUT', '/internal/fhir/MedicationRequest/bad-1', { ...structuredClone(base), id: 'bad-1', dosageInstruction: { text: 'x' } }, json);
    expect([res.status, res.json.issue[0].expression]).toEqual([400, ['MedicationRequest.dosageInstruction']]);
  });

  it('stores and searches Observation and Communication', async () => {
    const obs = { resourceType: 'Observation', id: 'weight-1', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'Body weight' }] }, subject: { reference: `Patient/${data.patientId}`, display: 'patient' }, effectiveDateTime: `${day(-1)}T09:00:00+01:00`, valueQuantity: { value: 72.5, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' } };
    const com = { resourceType: 'Communication', id: 'reply-1', status: 'completed', subject: { reference: `Patient/${data.patientId}`, display: 'patient' }, basedOn: [{ reference: 'MedicationRequest/MA-QA1', display: 'proposal' }], sent: `${day(0)}T10:00:00+01:00` };
    expect((await internal(node, 'PUT', '/internal/fhir/Observation/weight-1', obs, json)).status).toBe(201);
    expect((await internal(node, 'PUT', '/internal/fhir/Communication/reply-1', com, json)).status).toBe(201);
    const found = await internal(node, 'GET', `/internal/fhir/Observation?patient=Patient/${data.patientId}&code=http://loinc.org|29463-7&date=${day(-1)}`);
    expect(found.json.entry.map((e: any) => e.resource.id)).toEqual(['weight-1']); // eslint-disable-line @typescript-eslint/no-explicit-any
    const replies = await internal(node, 'GET', '/internal/fhir/Communication?based-on=MedicationRequest/MA-QA1');
    expect(replies.json.total).toBe(1);
  });

  it('$purge empties a patient compartment on the internal surface only', async () => {
    const pub = await fetch(`${node.url}/fhir/Patient/${data.otherPatientId}/$purge`, { method: 'POST' });
    expect(pub.status).toBe(401);
    const res = await internal(node, 'POST', `/internal/fhir/Patient/${data.otherPatientId}/$purge`);
    expect([res.status, res.json.issue[0].diagnostics]).toEqual([200, expect.stringContaining('purged Patient/')]);
    expect((await internal(node, 'GET', `/internal/fhir/Patient/${data.otherPatientId}`)).status).toBe(404);
    expect((await internal(node, 'GET', `/internal/fhir/MedicationRequest?subject=Patient/${data.otherPatientId}`)).json.total).toBe(0);
    expect((await internal(node, 'GET', `/internal/fhir/Patient/${data.patientId}`)).status).toBe(200);
  });
});

const PROFILE_DIRS = [externalPath('nictiz-mp9', 'Profiles'), externalPath('nictiz-zib2020', 'resources')];
const havePackages = PROFILE_DIRS.every((d) => existsSync(d));
if (!havePackages) console.log(`skipped: StructureDefinition validation needs ${PROFILE_DIRS.join(' and ')}`);

describe.skipIf(!havePackages)('writes and $validate against the Nictiz StructureDefinitions (fhir.profileDirs)', () => {
  let node: LabNode;
  let ma: FhirResource;
  beforeAll(async () => {
    node = await startTestNode('fhir-sd', { fhir: { profileDirs: PROFILE_DIRS } });
    const data = qaSet(TODAY);
    for (const r of data.resources) expect((await internal(node, 'PUT', `/internal/fhir/${r.resourceType}/${r.id}`, r, json)).status).toBe(201);
    ma = structuredClone(data.resources.find((r) => r.id === 'MA-QA1')!);
  });
  afterAll(async () => node?.stop());

  it('refuses a write that breaks the profile, with the slice as the path, and $validate says the same', async () => {
    const broken = { ...structuredClone(ma), id: 'MA-sd', category: [{ coding: [{ system: 'http://snomed.info/sct', code: '16076005', display: 'STU3' }] }] };
    const put = await internal(node, 'PUT', '/internal/fhir/MedicationRequest/MA-sd', broken, json);
    expect([put.status, put.json.issue.map((i: any) => i.expression[0])]).toEqual([400, ['MedicationRequest.category:medicationAgreementCode']]); // eslint-disable-line @typescript-eslint/no-explicit-any
    const check = await internal(node, 'POST', '/internal/fhir/MedicationRequest/$validate', broken, json);
    expect(check.json.issue).toEqual([expect.objectContaining({ severity: 'error', code: 'required', expression: ['MedicationRequest.category:medicationAgreementCode'] })]);
    const asZib = await internal(node, 'POST', `/internal/fhir/Patient/$validate?profile=${SD}nl-core-Patient`, { resourceType: 'Patient', identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911120' }], gender: 'male' }, json);
    expect(asZib.json.issue[0].severity).toBe('information');
  });
});
