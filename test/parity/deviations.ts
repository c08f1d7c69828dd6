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
  {
    operations: [
      'POST /internal/auth/v2/{subjectID}/request-user-access-token',
      'GET /internal/auth/v2/accesstoken/{sessionID}',
      'GET /oauth2/{subjectID}/authorize',
      'GET /oauth2/{subjectID}/request.jwt/{id}',
      'POST /oauth2/{subjectID}/request.jwt/{id}',
      'GET /oauth2/{subjectID}/callback',
      'POST /oauth2/{subjectID}/response',
      'GET /.well-known/openid-configuration/oauth2/{subjectID}',
      'GET /oauth2/{subjectID}/oauth-client',
    ],
    why: 'the OpenID4VP user flow (user wallets, authorization code with a VP from the user) is not served yet; an ECD uses the service-access flow',
  },
  {
    operations: ['POST /internal/auth/v2/{subjectID}/request-credential'],
    why: 'OpenID4VCI: no credential issuer with the issuer side exists in the lab network',
  },
];
