// Public face of the FHIR capability.
export { FhirEngine, type FhirEngineOptions } from './module.js';
export { FhirService, AUTHZ_RULE_SYSTEM, type FhirRequest, type FhirResponse } from './service.js';
export { fhirRouter } from './api/router.js';
export { EmbeddedBackend, FhirError, type FhirBackend } from './backend.js';
export { UpstreamBackend } from './upstream.js';
export { SqlFhirRepository, fhirMigrations, patientOf, type FhirRepository } from './repository.js';
export { parseSearch, runSearch, parseQueryString, appliedPairs, searchsetBundle, SearchError, type ParsedSearch } from './search.js';
export { ProfileValidator, loadRuleSet, type RuleSet, type ProfileRule } from './profiles.js';
export { FhirAuthoriser, rejectAllTokens, allowAllConsent, loadMatrix, blocksOfSearch, isPatientCriterion, type AccessTokenVerifier, type InactiveToken, type ConsentHook, type ConsentQuestion, type PatientScope, type NamedPatient, namedPatient, type Interaction, type Decision } from './authz.js';
export { anonymousCaller, callerFromToken, internalCaller, withPatient, type ActiveToken, type AuthorisedPatient, type FhirCaller, type InternalUser } from './caller.js';
export { noAudit, type FhirAuditHook, type FhirAuditEvent } from './audit.js';
export { loadDemoData, demoDataBySource, DEMO_SOURCES, type DemoSource } from './demo.js';
export * from './types.js';
