// /internal/fhir: the FHIR API for trusted systems on the internal port (and the simulated sources' own /fhir). The
// acting person comes from the X-User-Id/-Name/-Role and X-Organisation-Ura headers the caller's system sets.
import type { Router } from 'express';
import type { FhirService } from '../service.js';
import { fhirAdapter } from './adapter.js';

/** The internal FHIR surface of `service`; `baseUrl` is the node's public base, for fullUrl and Location. */
export function fhirInternalRouter(service: FhirService, baseUrl: () => string): Router {
  return fhirAdapter(service, 'internal', baseUrl);
}
