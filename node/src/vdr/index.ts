// Public face of the VDR capability.
export { VdrEngine, type VdrOptions } from './module.js';
export { SubjectService, type ServiceRequest, type SigningKeyRef } from './service.js';
export { DidResolver, baseDid, type ResolverOptions, type ResolvedKey, type MethodDriver } from './resolver.js';
export { didWebForSubject, didWebToUrl, subjectOfDidWeb, SUBJECT_ID } from './didweb.js';
export { didKeyToJwk, jwkToDidKey, jwkToDidJwk, didKeyDocument, didJwkDocument } from './didkey.js';
export { methodsFor, buildDidWebDocument, DID_CONTEXTS, type DIDDocument, type DIDResolution, type DIDDocumentMetadata, type Relationship, type Service, type VerificationMethod } from './document.js';
export { SqlSubjectStore, vdrMigrations, type SubjectStore } from './store.js';
export { vdrInternalRouter } from './api/internal.js';
export { vdrPublicRouter } from './api/public.js';
