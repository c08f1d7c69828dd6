// What auth needs from the verifiable-credentials capability (vcr): structural ports, so auth does not own vcr's types.
export type WireCredential = string | Record<string, unknown>;
export type WirePresentation = string | Record<string, unknown>;

export interface Verification {
  valid: boolean;
  code?: string;
  message: string;
}

export interface CredentialVerifierPort {
  verifyCredential(vc: WireCredential, opts: { validAt?: Date; checkTrust?: boolean; checkRevocation?: boolean }): Promise<Verification>;
  verifyPresentation(vp: WirePresentation, opts: { validAt?: Date; verifyCredentials?: boolean; checkRevocation?: boolean }): Promise<Verification>;
}

export interface HolderPort {
  createPresentation(req: {
    subjectOrDid?: string;
    credentials: WireCredential[];
    format?: 'jwt_vp' | 'ldp_vp';
    audience?: string;
    nonce?: string;
    challenge?: string;
    domain?: string;
    lifetimeSeconds?: number;
    omitHolder?: boolean;
  }): Promise<WirePresentation>;
}

export interface WalletPort {
  list(subject: string): Promise<WireCredential[]>;
  /** usable credentials and the ones left out (expired, revoked) with why */
  usable(subject: string): Promise<{ usable: WireCredential[]; skipped: Array<{ id?: string; types: string[]; reason: string }> }>;
  /** stores a credential about one of the subject's DIDs (OpenID4VCI: what an issuer handed the wallet) */
  add(subject: string, vc: WireCredential): Promise<unknown>;
}

/** Issuing (the OpenID4VP user wallet's EmployeeCredential); the request is vcr's issue request. */
export interface IssuerPort {
  issue(request: unknown): Promise<WireCredential>;
}

/** The vcr capability as auth and discovery use it. */
export interface VcrPort {
  verifier: CredentialVerifierPort;
  holder: HolderPort;
  wallet: WalletPort;
  issuer?: IssuerPort;
}
