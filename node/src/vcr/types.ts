// Shared shapes of the VCR capability: requests, parsed credentials/presentations and verification outcomes.

export type CredentialFormat = 'jwt_vc' | 'ldp_vc';
export type PresentationFormat = 'jwt_vp' | 'ldp_vp';

/** A credential as it travels: a compact JWT (jwt_vc) or a JSON-LD object with an embedded proof (ldp_vc). */
export type WireCredential = string | Record<string, unknown>;
export type WirePresentation = string | Record<string, unknown>;

/** Body of `POST /internal/vcr/v2/issuer/vc` (nuts-node IssueVCRequest) plus the BitstringStatusList option. */
export interface IssueRequest {
  '@context'?: string | string[];
  type: string | string[];
  issuer: string;
  credentialSubject: Record<string, unknown> | Array<Record<string, unknown>>;
  expirationDate?: string;
  format?: CredentialFormat;
  withStatusList2021Revocation?: boolean;
  /** use a BitstringStatusListEntry instead of StatusList2021Entry */
  withBitstringStatusListRevocation?: boolean;
  /** X509-issued types only: PEM or base64-DER chain and the leaf's private key (PEM), instead of the certificate bound to the issuer subject */
  x509?: { chain: string[]; privateKeyPem: string; alg?: 'RS256' | 'PS256' | 'ES256' };
}

/** A credential reduced to what checks need, whatever its wire format. */
export interface ParsedCredential {
  format: CredentialFormat;
  id?: string;
  types: string[];
  issuer: string;
  /** credentialSubject normalised to an array */
  subjects: Array<Record<string, unknown>>;
  /** DID (or id) of the single subject, when all subjects share it */
  subjectId?: string;
  issuanceDate?: Date;
  expirationDate?: Date;
  credentialStatus: Array<Record<string, unknown>>;
  /** the W3C JSON form (for JWT: the `vc` claim with iss/sub/jti/nbf/exp mapped back) */
  document: Record<string, unknown>;
  /** the credential exactly as received */
  raw: WireCredential;
}

export interface ParsedPresentation {
  format: PresentationFormat;
  id?: string;
  types: string[];
  /** DID that signed the presentation (the key's controller) */
  signer: string;
  holder?: string;
  credentials: ParsedCredential[];
  nbf?: Date;
  exp?: Date;
  iat?: Date;
  nonce?: string;
  challenge?: string;
  domain?: string;
  aud?: string[];
  jti?: string;
  document: Record<string, unknown>;
  raw: WirePresentation;
}

export type VerificationCode =
  | 'expired'
  | 'not_yet_valid'
  | 'revoked'
  | 'signature'
  | 'untrusted_issuer'
  | 'schema'
  | 'unresolvable'
  | 'malformed'
  | 'subject_not_holder'
  | 'challenge'
  | 'domain'
  | 'nonce'
  | 'audience'
  | 'status_unavailable'
  | 'x509'
  /** a DeziUserCredential without (or against) the presenting organisation's URA credential */
  | 'binding';

export interface VerifyCredentialOptions {
  validAt?: Date;
  /** consult the trust list (`/verifier/trust`); default false, as nuts v6 flows express trust in PD constraints */
  checkTrust?: boolean;
  /** check credentialStatus; default true */
  checkRevocation?: boolean;
}

export interface VerifyPresentationOptions extends VerifyCredentialOptions {
  challenge?: string;
  domain?: string;
  audience?: string;
  nonce?: string;
  /** verify every embedded credential (signature, dates, revocation, subject = signer); default true */
  verifyCredentials?: boolean;
}

export interface CredentialVerification {
  valid: boolean;
  code?: VerificationCode;
  message: string;
  credential?: ParsedCredential;
}

export interface PresentationVerification {
  valid: boolean;
  code?: VerificationCode;
  message: string;
  presentation?: ParsedPresentation;
}

export interface CreatePresentationRequest {
  /** subject id or DID that signs; defaults to the single credential subject */
  subjectOrDid?: string;
  credentials: WireCredential[];
  format?: PresentationFormat;
  audience?: string;
  nonce?: string;
  challenge?: string;
  domain?: string;
  /** ISO date; alternative to lifetimeSeconds */
  expires?: string;
  lifetimeSeconds?: number;
  proofPurpose?: 'assertionMethod' | 'authentication' | 'keyAgreement' | 'capabilityDelegation' | 'capabilityInvocation';
  /** jwt_vp only: leave out `vp.holder` (AORTA's validator rejects it as an unknown claim; `iss` names the holder) */
  omitHolder?: boolean;
  type?: string[];
  '@context'?: string[];
}
