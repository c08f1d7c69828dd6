// Test helper: reads the Nictiz examples (FHIR R4 XML) as JSON through the server's own converter.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { xmlToResource } from '../../node/src/fhir/fhirxml.js';

/** Converts one FHIR XML document (a resource or a Bundle) to its JSON form. */
export function fhirXmlToJson<T = fhir4.Resource>(xml: string): T {
  return xmlToResource(xml) as T;
}

/** Root of the upstream material: ../shared/external next to the repository, or /work/shared/external. */
export function externalDir(): string {
  const repoRoot = path.resolve(import.meta.dirname, '..', '..');
  const near = path.resolve(repoRoot, '..', 'shared', 'external');
  return existsSync(near) ? near : '/work/shared/external';
}

export function readNictizExample<T = fhir4.Resource>(file: string): T {
  return fhirXmlToJson<T>(readFileSync(path.join(externalDir(), 'nictiz-mp9', 'Examples', file), 'utf8'));
}
