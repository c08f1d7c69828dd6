// Public face of the PKI capability (see README.md in this folder).
export { PkiEngine, type PkiOptions } from './module.js';
export { PkiService, BindRequestSchema, defaultPkiDir, type CertificateView } from './service.js';
export { initPki, readPki, parseOrganisationArg, issueServerCertificate, ROOT_NAME, INTERMEDIATE_NAME, type OrganisationInput, type PkiResult, type PkiOrganisation, type PkiKeyType } from './generate.js';
export { parseDidX509, didX509For, resolveDidX509, fingerprint, pctEncode, type ParsedDidX509, type X509Resolution, type TrustAnchorSource } from './didx509.js';
export { X509DidMethod } from './method.js';
export { X509Credentials, loadMaterial, backedSubject, claimProblem, type CertificateMaterial } from './credential.js';
export { TrustAnchors, certificatesFromPem } from './trust.js';
export { readSan, uraOf, formatUziOtherName, parseUziOtherName, UZI_OTHERNAME_OID, PERMANENT_IDENTIFIER_OID, URA_ASSIGNER_OID, type SanValues } from './uzi.js';
export { X509Failure } from './errors.js';
export { SqlPkiStore, pkiMigrations, type PkiStore, type CertificateBinding } from './store.js';
