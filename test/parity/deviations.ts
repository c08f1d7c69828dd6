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
    where: 'OpenID4VCI (request-credential)',
    upstream: 'wallet side of the pre-authorized and authorization-code flows',
    here: 'see the openid4vp / request-credential rows above for what is served',
    why: 'the issuer side exists nowhere in the lab network; an ECD only needs the service-access flow',
  },
];
