// Bad input never yields a 500: every operation of every hand-written OpenAPI file gets malformed bodies and odd path
// values, and must answer with a client error in its route family's dialect.
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { operations } from '../helpers/openapi.js';
import { startTestNode } from '../helpers/node.js';

let node: LabNode;
beforeAll(async () => {
  // with the OpenID4VP user flow on, so its routes face the same input
  node = await startTestNode('bad-input', { auth: { authorizationEndpoint: { enabled: true } } });
  await fetch(`${node.internalUrl}/internal/vdr/v2/subject`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"subject":"acme"}' });
});
afterAll(() => node?.stop());

const specs = readdirSync('node/api').filter((f) => f.endsWith('.yaml'));
const ODD = ['x', '%00', '..%2F..%2Fetc', 'a'.repeat(300), '%E2%82', 'did:web:localhost%253A1:iam:x', '%23frag'];
const BODIES: Array<[string, string | undefined]> = [
  ['application/json', '{"a":'],
  ['application/json', '[]'],
  ['application/json', '"text"'],
  ['application/json', '{"subject":{"$gt":""},"type":42,"issuer":[],"credentialSubject":"x","verifiableCredential":{"proof":1}}'],
  ['application/x-www-form-urlencoded', 'grant_type=vp_token-bearer&assertion=%%%&scope='],
  ['text/plain', 'hello'],
  ['application/json', undefined],
];

describe('no 500 for bad input', () => {
  for (const spec of specs) {
    it(`every operation of ${spec}`, async () => {
      const failures: string[] = [];
      let sent = 0;
      for (const op of operations(`node/api/${spec}`)) {
        for (const odd of ODD) {
          const path = op.path.replace(/\{[^}]+\}/g, odd);
          const base = path.startsWith('/internal') ? node.internalUrl : node.url;
          const bodies = ['GET', 'HEAD', 'DELETE'].includes(op.method) ? [[undefined, undefined] as const] : BODIES;
          for (const [type, body] of bodies) {
            const res = await fetch(base + path, { method: op.method, headers: type ? { 'content-type': type } : {}, body });
            sent++;
            const text = await res.text();
            if (res.status >= 500 && res.status !== 503) failures.push(`${op.method} ${path} [${type}] ${body?.slice(0, 30)} → ${res.status} ${text.slice(0, 120)}`);
          }
        }
      }
      expect(failures).toEqual([]);
      expect(sent).toBeGreaterThan(ODD.length);
    }, 60_000);
  }

  it('on /fhir and /internal/fhir, answering OperationOutcomes', async () => {
    const cases: Array<[string, string, string?, string?]> = [
      ['GET', '/internal/fhir/MedicationRequest?period-of-use=gexyz'],
      ['GET', '/internal/fhir/MedicationRequest?_count=-5'],
      ['GET', '/internal/fhir/MedicationRequest?_count=99999999999999999999'],
      ['GET', '/internal/fhir/MedicationRequest?patient.identifier=%E2%82'],
      ['GET', '/internal/fhir/MedicationRequest?_include=Nope:nothing&_include:iterate=*'],
      ['GET', '/internal/fhir/Nope/1'],
      ['GET', `/internal/fhir/Patient/${'a'.repeat(300)}`],
      ['PUT', '/internal/fhir/Patient/p1', 'application/fhir+json', '{"resourceType":'],
      ['PUT', '/internal/fhir/Patient/p1', 'application/fhir+json', '{"resourceType":"Observation","id":"p1"}'],
      ['PUT', '/internal/fhir/MedicationRequest/m1', 'application/fhir+json', '{"resourceType":"MedicationRequest","id":"m1","meta":{"profile":["http://nictiz.nl/fhir/StructureDefinition/mp-MedicationAgreement"]},"category":"x","subject":7}'],
      ['POST', '/internal/fhir', 'application/fhir+json', '{"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"PUT"}},{"resource":null}]}'],
      ['POST', '/internal/fhir/MedicationRequest/_search', 'application/x-www-form-urlencoded', 'patient=%%%'],
      ['GET', '/fhir/MedicationRequest?patient.identifier=x'],
      ['GET', '/fhir/MedicationRequest', undefined, undefined],
    ];
    const failures: string[] = [];
    for (const [method, path, type, body] of cases) {
      const base = path.startsWith('/internal') ? node.internalUrl : node.url;
      const res = await fetch(base + path, { method, headers: { ...(type ? { 'content-type': type } : {}), ...(path.startsWith('/fhir') ? { authorization: 'Bearer nonsense' } : {}) }, body });
      const json = (await res.json().catch(() => undefined)) as { resourceType?: string } | undefined;
      if (res.status >= 500 || (res.status >= 400 && json?.resourceType !== 'OperationOutcome')) failures.push(`${method} ${path} → ${res.status} ${JSON.stringify(json)?.slice(0, 120)}`);
    }
    expect(failures).toEqual([]);
  });
});
