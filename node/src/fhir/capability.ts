// The instance CapabilityStatement served at GET /metadata, derived from the search parameters the engine supports.
import { SEARCH_PARAMS } from './searchparams.js';
import { MEDICATION_TYPES, type FhirResource } from './types.js';
import type { ProfileValidator } from './profiles.js';

export function capabilityStatement(opts: { baseUrl: string; software: string; version: string; validator: ProfileValidator; writable: boolean; clock: () => number }): FhirResource {
  const resource = Object.entries(SEARCH_PARAMS).map(([type, params]) => ({
    type,
    supportedProfile: opts.validator.rules.profiles.filter((p) => p.resourceType === type).map((p) => p.url),
    interaction: ['read', 'search-type', ...(opts.writable ? ['create', 'update', 'delete'] : [])].map((code) => ({ code })),
    searchInclude: params.filter((p) => p.type === 'reference').map((p) => `${type}:${p.code}`),
    searchParam: params.map((p) => ({
      name: p.code,
      type: p.code === 'period-of-use' ? 'date' : p.code === 'is-latest-stop' ? 'special' : p.type,
      ...(p.definition ? { definition: p.definition } : {}),
      ...(p.documentation ? { documentation: p.documentation } : {}),
    })),
    operation: [
      { name: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate' },
      ...(type === 'MedicationRequest' || type === 'MedicationDispense' ? [{ name: 'latest-stops', definition: 'http://nictiz.nl/fhir/OperationDefinition/mp-latest-stops' }] : []),
    ],
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date(opts.clock()).toISOString(),
    kind: 'instance',
    software: { name: opts.software, version: opts.version },
    implementation: { description: 'MP9 3.0 resource server', url: opts.baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'application/fhir+xml'],
    instantiates: ['http://nictiz.nl/fhir/CapabilityStatement/mp-MedicationData.RetrieveServe'],
    rest: [
      {
        mode: 'server',
        documentation: `Searches on ${MEDICATION_TYPES.join(', ')} follow the MP9 3.0 search semantics; unknown parameters are ignored unless Prefer: handling=strict.`,
        resource,
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
      },
    ],
  };
}
