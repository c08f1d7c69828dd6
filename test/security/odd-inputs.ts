// Odd FHIR requests for the unrecorded-refusals attack: a fixed, deterministic cross product of paths, queries, bodies and credentials.
export interface OddRequest {
  method: string;
  path: string;
  body?: string;
  contentType?: string;
  auth?: 'none' | 'valid' | 'garbage';
}

const BSN = '999911016';
const P = `patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|${BSN}`;
const long = (n: number, c = 'a') => c.repeat(n);

const PATHS = [
  '',
  'metadata',
  'metadata/x',
  'MedicationRequest/x/_history/1',
  'MedicationRequest/%00',
  'MedicationRequest/%E0%A4%A',
  'medicationrequest',
  'Patient/..',
  `MedicationRequest/${long(70)}`,
  `MedicationRequest/${long(600)}`,
  long(600, 'X'),
  'M%C3%A9dication',
  'Consent/x',
  'List/x',
  'OperationOutcome',
  'Bundle',
  'MedicationRequest/_search',
  'MedicationRequest/_search/x',
];

const QUERIES = [
  '_count=abc',
  '_count=99999',
  `${P}&_count=-1`,
  `${P}&_offset=1e3`,
  `${P}&_include=foo`,
  `${P}&_include=MedicationRequest:patient`,
  `${P}&_include:iterate=${long(300)}:x`,
  `${P}&_sort=x`,
  'patient.identifier=%ZZ',
  'patient.identifier=|',
  'patient.identifier=',
  'patient=',
  'patient=,',
  'patient:missing=true',
  `${P}&patient:missing=true`,
  'subject:Patient=Patient/%00',
  `${P}&period-of-use=ge`,
  `${P}&period-of-use=ge2024-13-45`,
  `${P}&period-of-use=${long(3000, '9')}`,
  `_id=${long(1000)}`,
  `${P}&category=${long(5000)}`,
  `${P}&category=http://snomed.info/sct|33633005&${long(3000, 'z')}=1`,
  `${P}%0D%0AX-Injected:%201`,
  `patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|${long(20, '9')}`,
  'patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|12345678',
  'patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|999901085',
  `patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|${BSN}\\,${BSN}`,
  `patient.identifier:exact=http://fhir.nl/fhir/NamingSystem/bsn|${BSN}`,
  `patient._id=${long(100)}`,
  `patient=Patient/${long(600)}`,
  'patient=http://elsewhere.example/fhir/Patient/x',
  `${P}&_format=${long(9000, 'f')}`,
  `${P}&${long(50, '&')}`,
  '=&=&=',
  `${long(200, '%')}`,
];

const BODIES: Array<[string | undefined, string | undefined]> = [
  [undefined, undefined],
  ['{}', 'application/fhir+json'],
  ['[]', 'application/fhir+json'],
  ['null', 'application/fhir+json'],
  ['"text"', 'application/fhir+json'],
  ['{', 'application/fhir+json'],
  ['{"resourceType":"Bundle","type":"transaction","entry":[{}]}', 'application/fhir+json'],
  ['{"resourceType":"Bundle","type":"batch","entry":"x"}', 'application/fhir+json'],
  ['{"resourceType":"Bundle","type":"batch","entry":[null,{"request":{"method":"GET","url":"List?_count=1000"}}]}', 'application/fhir+json'],
  [`{"resourceType":"MedicationRequest","id":"${long(600)}"}`, 'application/fhir+json'],
  [`{"resourceType":"${long(300, 'Q')}"}`, 'application/fhir+json'],
  ['{"resourceType":"Patient","identifier":[{"system":"http://fhir.nl/fhir/NamingSystem/bsn","value":"12345678"}]}', 'application/fhir+json'],
  ['{"resourceType":"MedicationAdministration","subject":{"reference":"Patient/' + long(600) + '"}}', 'application/fhir+json'],
  [`${P}`, 'application/x-www-form-urlencoded'],
  ['patient.identifier=%ZZ', 'application/x-www-form-urlencoded'],
  ['{"resourceType":"List"}', 'text/plain'],
];

/** Every odd request once per credential kind; deterministic, so a failure names a reproducible input. */
export function oddRequests(): OddRequest[] {
  const out: OddRequest[] = [];
  for (const auth of ['none', 'valid', 'garbage'] as const) {
    for (const path of PATHS) for (const method of ['GET', 'DELETE', 'PATCH']) out.push({ method, path, auth });
    for (const q of QUERIES) for (const type of ['MedicationRequest', 'Patient', 'List']) out.push({ method: 'GET', path: `${type}?${q}`, auth });
    for (const [body, contentType] of BODIES) {
      for (const [method, path] of [['POST', ''], ['POST', 'MedicationRequest'], ['PUT', 'MedicationRequest/x'], ['PUT', 'List/x'], ['POST', 'MedicationRequest/_search'], ['PUT', 'Patient/p1']]) {
        out.push({ method: method!, path: path!, body, contentType, auth });
      }
    }
  }
  return out;
}
