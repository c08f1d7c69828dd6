// /fhir: the FHIR API other nodes call on the public port, each request with a DPoP-bound access token (RFC 9449).
import type { Router } from 'express';
import type { FhirService } from '../service.js';
import { fhirAdapter } from './adapter.js';

/** The public FHIR surface of `service`; `baseUrl` is the node's public base, for fullUrl and Location. */
export function fhirPublicRouter(service: FhirService, baseUrl: () => string): Router {
  return fhirAdapter(service, 'public', baseUrl);
}
