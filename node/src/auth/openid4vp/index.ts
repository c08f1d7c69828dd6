// The OpenID4VP user flow of nuts-node v6 (authorization code + OpenID4VP): one object for the routes, dispatching /authorize by the verified request object.
import type { PolicyStore } from '../../policy/index.js';
import type { DidResolver } from '../../vdr/index.js';
import { oauthError } from '../errors.js';
import type { CredentialVerifierPort } from '../ports.js';
import { OpenId4VpClient, type ClientDeps } from './client.js';
import { Jar } from './jar.js';
import { Verifier } from './verifier.js';
import { CredentialRequester } from './vci.js';

export { OpenId4VpClient, SESSION_COOKIE, UserAccessTokenRequestSchema } from './client.js';
export { Verifier, s256 } from './verifier.js';

/** The client side's dependencies (less what this module builds itself), plus what the verifier side needs. */
export interface OpenId4VpDeps extends Omit<ClientDeps, 'jar' | 'issuance'> {
  resolver: DidResolver;
  verifier: () => CredentialVerifierPort;
  policies: () => PolicyStore;
  requireTrustedIssuers?: boolean;
}

export class OpenId4Vp {
  readonly jar: Jar;
  readonly verifier: Verifier;
  readonly client: OpenId4VpClient;
  /** OpenID4VCI wallet side (request-credential) */
  readonly issuance: CredentialRequester;

  constructor(private readonly d: OpenId4VpDeps) {
    this.jar = new Jar(d);
    this.verifier = new Verifier({ ...d, jar: this.jar });
    this.issuance = new CredentialRequester(d);
    this.client = new OpenId4VpClient({ ...d, jar: this.jar, issuance: this.issuance });
  }

  /**
   * GET /authorize: the request object (required, signed by the client) decides the role: response_type code makes
   * this node the authorization server, vp_token makes it the wallet answering a verifier. Returns the Location.
   */
  async authorize(subject: string, query: Record<string, unknown>, cookieSid: string | undefined): Promise<string> {
    await this.d.subjects.dids(subject).catch((e: Error) => {
      throw oauthError('invalid_request', e.message);
    });
    const claims = await this.jar.fetchAndVerify(query, this.d.issuerUrl(subject), () => this.d.metadata(subject));
    if (claims.response_type === 'code') return this.verifier.authorizeCode(subject, claims);
    if (claims.response_type === 'vp_token') return this.client.presentToVerifier(subject, claims, cookieSid);
    throw oauthError('unsupported_response_type', `response_type must be code or vp_token, got '${String(claims.response_type ?? '')}'`);
  }
}

/** OAuth client metadata (RFC 7591 names) as nuts-node serves it at /oauth2/{subject}/oauth-client. */
export function clientMetadata(asMetadata: Record<string, unknown>): Record<string, unknown> {
  return {
    token_endpoint_auth_method: 'none',
    grant_types: asMetadata.grant_types_supported,
    response_types: asMetadata.response_types_supported,
    vp_formats: asMetadata.vp_formats_supported,
    client_id_scheme: 'entity_id',
    software_id: 'nuts-lsp-lab',
  };
}
