// What the broker sends a source: the authorised patient and only the query the LSP parsed and applied.
import { describe, expect, it } from 'vitest';
import { parseQueryString, parseSearch } from '../../node/src/fhir/index.js';
import { sourceQuery } from './broker.js';

const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
const forwarded = (type: string, qs: string, bsn: string) => parseQueryString(sourceQuery(parseSearch(type, parseQueryString(qs)), bsn));

describe('broker → source query', () => {
  it('names the authorised patient, keeps applied filters and includes, and drops what the LSP ignored', () => {
    const q = forwarded('MedicationRequest', `patient.identifier=${BSN}|999911016&category=http://snomed.info/sct|33633005&_include=MedicationRequest:medication&_revinclude=Provenance:target&_filter=x&_count=5`, '999911028');
    expect(q).toEqual([
      ['patient.identifier', `${BSN}|999911028`],
      ['category', 'http://snomed.info/sct|33633005'],
      ['_include', 'MedicationRequest:medication'],
      ['_count', '5'],
    ]);
  });

  it('keeps OR values (and commas escaped inside a value) as the LSP read them', () => {
    const q = forwarded('MedicationDispense', 'category=422037009,373784005&identifier=urn:x|a\\,b', '999911016');
    expect(q).toContainEqual(['category', '422037009,373784005']);
    expect(q).toContainEqual(['identifier', 'urn:x|a\\,b']);
  });
});
