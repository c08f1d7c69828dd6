// Public face of the VCR capability (see README.md in this folder).
export { VcrEngine, type VcrOptions } from './module.js';
export { TrustList } from './trust.js';
export { Issuer, IssueRequestSchema, type VcrAuditPort, type X509Issuing, type X509IssuingPlan } from './issuer.js';
export { Verifier, type X509JwtVerifier } from './verifier.js';
export { Holder, Wallet } from './holder.js';
export { RevocationService, encodeBitstring, decodeBitstring, LIST_BITS } from './revocation.js';
export { parseCredential, decodeJwtCached, isJwt } from './credential.js';
export { fail, CheckFailure } from './errors.js';
export { canonicalize, verifyLdProofWithKey, knownContexts } from './jsonld.js';
export { roleCatalogue, checkCredentialType, X509_TYPES, type Role } from './schema.js';
export { SqlVcrStore, vcrMigrations, type VcrStore } from './store.js';
export type * from './types.js';
export { DEZI_CREDENTIAL_TYPE, DEZI_MAX_RESPONSE_BYTES, DEZI_PROOF_TYPE, DeziVerifier, checkDeziBinding, deziCredentialsOf, deziRoleOf, deziUserCredential, isDeziCredential, organisationUras, readVerklaring, verklaringOf, type DeziBinding, type DeziSubject, type Verklaring } from './dezi.js';
