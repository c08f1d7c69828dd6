// The deviations from nuts-node v6.2.10 that remain on purpose, each with its reason; PARITY.md lists them.
export interface Deviation {
  where: string;
  upstream: string;
  here: string;
  why: string;
}

export const DEVIATIONS: Deviation[] = [
  {
    where: 'token requests and discovery registrations with a self-attested credential',
    upstream: 'a proof-less NutsEmployeeCredential / DiscoveryRegistrationCredential rides along with any signed organisation credential',
    here: 'it counts only next to an organisation credential from a trusted issuer (trust list or configured did:x509 root); the rfc021 and discovery replays trust B through POST /internal/vcr/v2/verifier/trust',
    why: 'refuse like production: a self-made organisation credential must not carry a self-attested care worker (security issue #11)',
  },
  {
    where: 'did:x509 issuers (didx509 flow)',
    upstream: 'the PD pins the root CA by its fingerprint in an issuer pattern; no further configuration',
    here: 'the root must also be configured in vcr.x509.trustedRoots (the replay sets it to the flow\'s Fake UZI Root CA)',
    why: 'an unconfigured UZI root is untrusted everywhere in the lab, whatever a PD says',
  },
  {
    where: 'did:nuts, network v1, didman, crypto v1, vdr v1',
    upstream: 'served (v5 compatibility, gRPC network)',
    here: 'not served (404)',
    why: 'the lab is did:web only, as v6 deployments are; no Nuts gRPC network exists between lab nodes',
  },
  {
    where: 'GET /internal/vdr/v2/did/{did} metadata',
    upstream: '`hash`, `txs` from the did:nuts transaction DAG',
    here: '`hash` is the SHA-256 of the document as served, `txs` is empty',
    why: 'did:web documents have no transactions; the fields are present with the same types',
  },
  {
    where: 'strictmode, internalratelimiter, tls, tracing in nuts.yaml',
    upstream: 'configure TLS, tracing and the internal rate limiter',
    here: 'read, named in a warning, ignored',
    why: 'the lab serves plain HTTP on loopback; remote resolution is governed by `vdr.httpHosts` and the SSRF policy',
  },
  {
    where: 'OpenID4VCI (POST /internal/auth/v2/{subjectID}/request-credential)',
    upstream: 'wallet side of the authorization-code issuance flow (EXPERIMENTAL in v6.2.10), available whatever auth.authorizationendpoint says',
    here: 'served when auth.authorizationEndpoint.enabled (it shares /callback with the user flow), else 400; the issued credential must be about wallet_did and verify (signature, dates, revocation) before it enters the wallet; no upstream e2e flow exists to replay, so it is tested against an issuer built from a third lab node',
    why: 'one switch for the browser-facing OAuth routes; a wallet never stores what it cannot verify',
  },
  {
    where: 'OpenID4VP user flow: who may speak for a client_id URL (client_id_scheme entity_id)',
    upstream: 'request objects signed by the client’s DID key; the client’s endpoints taken from its metadata',
    here: 'request objects must be signed by a did:web of the client_id’s host; request_uri, redirect_uri, response_uri and presentation_definition_uri must be on the origin of the client (verifier) they belong to; the organisation presentation must be signed by a did:web of the client’s host and the user’s credentials issued by that organisation; the wallet presents only to the authorization server its browser session started a flow with; the callback must come from the browser that started it',
    why: 'refuse like production: without these bindings one party could ask in another’s name, harvest presentations through a user’s browser, or finish someone else’s flow; the upstream replay passes with them',
  },
  {
    where: 'OpenID4VP user flow: errors of request.jwt, callback and oauth-client',
    upstream: 'problem+json (error_response.yaml)',
    here: 'the OAuth dialect ({error, error_description}) of every /oauth2 route',
    why: 'one error dialect per route family (house rule); these routes are read by OAuth clients and wallets, not by the ECD',
  },
  {
    where: 'OpenID4VP user flow: browser session',
    upstream: 'session cookie for the user wallet over https (behind nginx)',
    here: 'cookie `nuts-lab-sid` (HttpOnly, SameSite=Lax, Path=/oauth2/{subject}, Secure when the node URL is https); the replay runs on plain-http loopback',
    why: 'the lab serves plain HTTP on loopback; the cookie is not part of the API',
  },
];

/**
 * Upstream operations whose answers are checked against the OpenAPI files inside a flow replay rather than in the schema
 * test: they only answer within a browser session of that flow.
 */
export const CHECKED_IN_FLOWS: Array<{ operations: string[]; where: string }> = [
  {
    operations: ['GET /oauth2/{subjectID}/authorize', 'GET /oauth2/{subjectID}/request.jwt/{id}', 'POST /oauth2/{subjectID}/request.jwt/{id}', 'POST /oauth2/{subjectID}/response', 'GET /oauth2/{subjectID}/callback'],
    where: 'test/parity/openid4vp.test.ts (every hop of the browser flow and every server-to-server call in it)',
  },
];

/** Upstream operations the lab does not serve, and why; the schema test fails on any operation missing from both lists. */
export interface NotServed {
  operations: string[];
  why: string;
}

export const NOT_SERVED: NotServed[] = [
  {
    operations: ['GET /metrics'],
    why: 'Prometheus metrics are not part of the lab; /status/diagnostics reports the node state',
  },
];
