// FHIR content negotiation over HTTP: XML and JSON bodies on /internal/fhir and /fhir, Accept and _format, 406 and 415.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { internal, startTestNode } from '../helpers/node.js';
import { auditRecords } from '../helpers/audit.js';
import { resourceToXml, xmlToResource } from '../../node/src/fhir/fhirxml.js';
import type { LabNode } from '../../node/src/main.js';

const XML = 'application/fhir+xml; charset=utf-8';
const JSON_CT = 'application/fhir+json; charset=utf-8';
const patient = {
  resourceType: 'Patient',
  id: 'xml1',
  identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911120' }],
  name: [{ family: 'Jansen', given: ['Jan'], _given: [{ extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier', valueCode: 'BR' }] }] }],
  gender: 'male',
  birthDate: '1950-01-01',
};

describe('FHIR XML and content negotiation', () => {
  let node: LabNode;
  beforeAll(async () => {
    node = await startTestNode('fhir-format');
  });
  afterAll(async () => node?.stop());

  it('stores an XML body and answers in the format the client asks for', async () => {
    const put = await internal(node, 'PUT', '/internal/fhir/Patient/xml1', resourceToXml(patient), { 'content-type': 'application/fhir+xml', accept: 'application/fhir+xml' });
    expect([put.status, put.headers.get('content-type')]).toEqual([201, XML]);
    expect(xmlToResource(put.text)).toMatchObject({ ...patient, meta: { versionId: '1' } });
    const asJson = await internal(node, 'GET', '/internal/fhir/Patient/xml1', undefined, { accept: 'application/fhir+json' });
    expect([asJson.status, asJson.headers.get('content-type'), asJson.json.name]).toEqual([200, JSON_CT, patient.name]);
    const byFormat = await internal(node, 'GET', '/internal/fhir/Patient/xml1?_format=xml', undefined, { accept: 'application/fhir+json' });
    expect([byFormat.status, byFormat.headers.get('content-type')]).toEqual([200, XML]);
    expect(byFormat.text).toContain('<given value="Jan">');
    const weighted = await internal(node, 'GET', '/internal/fhir/Patient?identifier=http://fhir.nl/fhir/NamingSystem/bsn|999911120', undefined, { accept: 'text/html;q=0.9, application/xml;q=0.8, */*;q=0.1' });
    expect([weighted.status, weighted.headers.get('content-type')]).toEqual([200, XML]);
    expect(xmlToResource(weighted.text)).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
    const mime = await internal(node, 'GET', `/internal/fhir/Patient/xml1?_format=${encodeURIComponent('application/fhir+json')}`, undefined, { accept: 'application/fhir+xml' });
    expect(mime.headers.get('content-type')).toBe(JSON_CT);
  });

  it('answers an XML request with an XML body by default, and errors as XML OperationOutcomes', async () => {
    const missing = await internal(node, 'GET', '/internal/fhir/Patient/nope', undefined, { accept: 'application/fhir+xml' });
    expect([missing.status, missing.headers.get('content-type')]).toEqual([404, XML]);
    expect(xmlToResource(missing.text)).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
    const bad = await internal(node, 'POST', '/internal/fhir/Patient', '<Patient xmlns="http://hl7.org/fhir"><nickname value="x"/></Patient>', { 'content-type': 'application/fhir+xml' });
    expect([bad.status, bad.headers.get('content-type')]).toEqual([400, XML]);
    expect(xmlToResource(bad.text)).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'structure', expression: ['Patient.nickname'] }] });
  });

  it('refuses an Accept or _format it cannot serve (406) and a body type it cannot read (415)', async () => {
    const html = await internal(node, 'GET', '/internal/fhir/Patient/xml1', undefined, { accept: 'text/html' });
    expect([html.status, html.json.resourceType, html.json.issue[0].code]).toEqual([406, 'OperationOutcome', 'not-supported']);
    const turtle = await internal(node, 'GET', '/internal/fhir/Patient/xml1?_format=ttl');
    expect(turtle.status).toBe(406);
    const yaml = await internal(node, 'POST', '/internal/fhir/Patient', 'resourceType: Patient', { 'content-type': 'application/yaml', accept: 'application/fhir+xml' });
    expect([yaml.status, yaml.headers.get('content-type')]).toEqual([415, XML]);
    expect(xmlToResource(yaml.text).issue[0].diagnostics).toContain('application/yaml');
  });

  it('serves the public surface in XML too (CapabilityStatement, token refusal)', async () => {
    const meta = await fetch(`${node.url}/fhir/metadata?_format=xml`);
    expect([meta.status, meta.headers.get('content-type')]).toEqual([200, XML]);
    expect(xmlToResource(await meta.text())).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1' });
    const noToken = await fetch(`${node.url}/fhir/Patient/xml1`, { headers: { accept: 'application/fhir+xml' } });
    expect([noToken.status, noToken.headers.get('content-type')]).toEqual([401, XML]);
    expect(xmlToResource(await noToken.text())).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });
  });

  it('records an answer it cannot write in the asked format as the 500 it became, not as the data it would have been', async () => {
    // an upstream or brokered resource with an element R4 does not have: JSON carries it, XML cannot
    const odd = await startTestNode('fhir-format-odd', {}, { fhirBackend: (embedded) => Object.create(embedded, { read: { value: async (type: string, id: string) => ({ resourceType: type, id, madeUpElement: true }) } }) });
    try {
      const asJson = await internal(odd, 'GET', '/internal/fhir/Patient/odd1');
      expect([asJson.status, asJson.json.madeUpElement]).toEqual([200, true]);
      const asXml = await internal(odd, 'GET', '/internal/fhir/Patient/odd1', undefined, { accept: 'application/fhir+xml' });
      expect([asXml.status, asXml.headers.get('content-type')]).toEqual([500, XML]);
      expect(xmlToResource(asXml.text)).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'exception', diagnostics: 'the request could not be processed' }] });
      const records = await auditRecords(odd, { event: 'fhir.read' });
      expect(records.map((r) => [r.object?.id, r.outcome.httpStatus, r.outcome.code])).toEqual([
        ['odd1', 200, '0'],
        ['odd1', 500, '8'],
      ]);
    } finally {
      await odd.stop();
    }
  });
});
