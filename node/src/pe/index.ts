// Public face of Presentation Exchange: definitions, matching with an explainable report, submission validation.
export * from './definition.js';
export * from './match.js';
export { select, selectFirst, compilePath } from './jsonpath.js';
export { checkFilter, type Filter } from './filter.js';
export { toPeCredential, withSingleSubject, jwtCredentialToJson, credentialTypes, credentialSubjectIds, credentialLabel, type PeCredential, type WireCredential } from './credential.js';
