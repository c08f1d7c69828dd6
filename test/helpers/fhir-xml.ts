// Test helper: reads the Nictiz examples (FHIR R4 XML) as JSON through the server's own converter.
import { readFileSync } from 'node:fs';
import { xmlToResource } from '../../node/src/fhir/fhirxml.js';
import { externalPath } from './external.js';

/** Converts one FHIR XML document (a resource or a Bundle) to its JSON form. */
export function fhirXmlToJson<T = fhir4.Resource>(xml: string): T {
  return xmlToResource(xml) as T;
}

export function readNictizExample<T = fhir4.Resource>(file: string): T {
  return fhirXmlToJson<T>(readFileSync(externalPath('nictiz-mp9', 'Examples', file), 'utf8'));
}
