// Generated from node/api/auth-v2.yaml by `npm run api:generate` (openapi-typescript); do not edit, change the OpenAPI file.


export interface paths {
  "/internal/auth/v2/{subjectID}/request-service-access-token": {
    /**
     * RFC021 client - AS metadata, presentation definition, wallet match, VP (JWT preferred), token; cached until near expiry.
     * @description With `service_provider_subject_id` the RFC 7523 jwt-bearer two-VP flow runs instead (LSPxNuts pilot): the AS
     * metadata must list `urn:ietf:params:oauth:grant-type:jwt-bearer` (else 400); both presentation definitions come
     * from this node's own policy for the scope (`organization` for VP1 from the path subject's wallet,
     * `service_provider` for VP2 from the service provider's wallet); both VPs are JWTs with `iss` = holder and without
     * `vp.holder`; the form carries grant_type, assertion, client_assertion_type, client_assertion and scope, no
     * client_id and no presentation_submission. The token is Bearer (`token_type: DPoP` is a 400).
     * `credential_selection` narrows VP1 (e.g. `patient_enrollment_bsn`).
     *
     * error returns:
     * * 400 - bad input, the AS does not advertise the jwt-bearer grant, or the authorization server answered with an OAuth error (named in detail)
     * * 404 - unknown subject
     * * 412 - the wallet (plus the self-attested credentials) cannot fulfil the presentation definition; detail names the input descriptor and field
     * * 502 - the authorization server returned a non-OAuth error or bad metadata
     * * 503 - the authorization server could not be reached
     */
    post: operations["requestServiceAccessToken"];
  };
  "/internal/auth/v2/accesstoken/introspect": {
    /** RFC 7662 introspection; revocation of the presented credentials is re-checked. Unknown, expired or revoked gives {active:false}. Recorded as oauth.introspect (token hash only) before the answer; 503 when the audit log cannot be written. */
    post: operations["introspectAccessToken"];
  };
  "/internal/auth/v2/accesstoken/introspect_extended": {
    /** Introspection plus presentation_definitions, presentation_submissions and vps. */
    post: operations["introspectAccessTokenExtended"];
  };
  "/internal/auth/v2/dpop/{kid}": {
    /** DPoP proof (RFC 9449) for a resource request, signed with key kid (a DID URL of this node, URL-encoded). */
    post: operations["createDPoPProof"];
  };
  "/internal/auth/v2/dpop/validate": {
    /** Validates JWT, htm, htu (query and fragment ignored), key thumbprint, ath and single use of jti (15 minutes). */
    post: operations["validateDPoPProof"];
  };
  "/.well-known/oauth-authorization-server/oauth2/{subjectID}": {
    /** RFC 8414 metadata of the subject's authorization server (404 problem for an unknown subject). */
    get: operations["OAuthAuthorizationServerMetadata"];
  };
  "/oauth2/{subjectID}/presentation_definition": {
    /** The presentation definition for a scope (policy files); invalid_scope for an unknown scope. */
    get: operations["presentationDefinition"];
  };
  "/oauth2/{subjectID}/token": {
    /**
     * vp_token-bearer grant (RFC021) and, when a policy enables it, the RFC 7523 jwt-bearer two-VP grant (LSPxNuts pilot).
     * @description vp_token-bearer - checks in nuts-node order: VP lifetime <= 5 s; signer = subject of every credential;
     * aud/domain = issuer URL; scope known (invalid_scope); presentation definition fulfilled (invalid_request naming
     * descriptor and field; a credential without proof only for a descriptor with subject_is_issuer: required); full
     * verification of VP and credentials (invalid_grant: signatures, dates, revocation, trust; with a self-attested
     * credential in the VP, the others must come from trusted issuers); then the nonce unused (10 s), spent only now so
     * a forgery cannot burn it; DPoP proof (invalid_dpop_proof). Optional DPoP header binds the token; otherwise Bearer.
     *
     * urn:ietf:params:oauth:grant-type:jwt-bearer - offered (and listed in grant_types_supported) when a loaded
     * policy has a `service_provider` definition for the scope. Requires assertion, client_assertion_type
     * (urn:ietf:params:oauth:client-assertion-type:jwt-bearer), client_assertion and scope (else invalid_request);
     * client_id and presentation_submission are ignored. Each VP must be a JWT with top-level iss = the holder that
     * signed it, no vp.holder, a jti, lifetime <= 5 s, aud = issuer URL, and credentials about the holder; the
     * assertion must fulfil the `organization` definition, the client_assertion the `service_provider` one; the
     * ServiceProviderDelegationCredential must be issued by the HealthcareProviderCredential's subject and name its
     * URA in delegatedBy; full verification (signatures incl. did:x509 chains to a trusted root, dates, revocation;
     * ServiceProviderCredential issuer on the trust list; no credential without proof); then jti unused (10 s). Any failure of these is invalid_grant
     * with error_description starting with the presentation concerned. The token is Bearer, valid
     * auth.jwtBearerAccessTokenValiditySeconds (default 20); introspection returns the field ids of both definitions
     * and client_id = the service provider's DID.
     *
     * authorization_code - the OpenID4VP user flow (auth.authorizationEndpoint.enabled; listed in grant_types_supported
     * then). Requires code, code_verifier, redirect_uri and client_id (invalid_request); the code once (60 s), for the
     * client it was issued to, the redirect_uri of the authorization request and the S256 of code_verifier, and the
     * presented credentials still valid (revocation re-checked), else invalid_grant. DPoP header binds the token.
     *
     * Every decision is recorded in the NEN 7513 log (oauth.token.granted / oauth.token.refused with organisation,
     * care worker, client_id, scope, credentials, client address, trace ids) before the answer leaves; a granted
     * token becomes usable only once its record is committed. When the log cannot be written: 503 server_error.
     */
    post: operations["handleTokenRequest"];
  };
  "/internal/auth/v2/{subjectID}/request-user-access-token": {
    /**
     * Starts the OpenID4VP user flow (authorization code + OpenID4VP), as nuts-node v6.2.10 (EXPERIMENTAL there).
     * @description Needs auth.authorizationEndpoint.enabled (nuts.yaml auth.authorizationendpoint.enabled), else 400. Answers a
     * start URL for the user's browser (`/oauth2/{subjectID}/user?token=…`, single-use, 5 minutes) and a session id
     * for accesstoken/{sessionID}. At the start URL the browser gets a session cookie and a user wallet: an ephemeral
     * did:jwk holding an EmployeeCredential (identifier, name, roleName of `preauthorized_user`) the subject's
     * organisation DID issues (jwt_vc, expires with the session, 15 minutes; recorded as vcr.issue).
     *
     * error returns:
     * * 400 - bad input (preauthorized_user {id, name, role}, authorization_server, scope, redirect_uri required), or the flow is disabled
     * * 404 - unknown subject
     */
    post: operations["requestUserAccessToken"];
  };
  "/internal/auth/v2/{subjectID}/request-credential": {
    /**
     * OpenID4VCI wallet side (authorization code flow), as nuts-node v6.2.10 (EXPERIMENTAL there); needs auth.authorizationEndpoint.enabled.
     * @description Reads the issuer's /.well-known/openid-credential-issuer (credential_issuer = issuer, credential_endpoint on its
     * origin) and its authorization server's RFC 8414 metadata, and answers the authorization URL for the user's
     * browser (response_type code, client_id = this subject's /oauth2 URL, state, PKCE S256, redirect_uri = /callback,
     * authorization_details). At /callback: code → token (PKCE) → credential request with an openid4vci-proof+jwt
     * (iss = client_id, aud = issuer, nonce = c_nonce) signed by wallet_did's key → the credential must be about
     * wallet_did and verify (signature, dates, revocation) before it is stored in the subject's wallet; the browser
     * then goes to redirect_uri (with error=invalid_grant or server_error when it failed).
     *
     * error returns:
     * * 400 - bad input, wallet_did not a DID of the subject, or the flow is disabled
     * * 404 - unknown subject
     * * 424 - the issuer's metadata is missing or does not offer what the flow needs
     */
    post: operations["requestOpenid4VCICredentialIssuance"];
  };
  "/internal/auth/v2/accesstoken/{sessionID}": {
    /**
     * The access token of a request-user-access-token session - `status pending` while the flow runs, the token once when it is done.
     * @description error returns:
     * * 400 - the flow ended with an error (detail names it); the session id is spent
     * * 404 - unknown, expired or already retrieved session
     */
    get: operations["retrieveAccessToken"];
  };
  "/oauth2/{subjectID}/user": {
    /**
     * (Not in upstream's OpenAPI; nuts-node serves the same path undocumented - an ECD only hands the URL to the browser.) The user's start URL (request-user-access-token) - sets the session cookie, fills the user wallet, redirects to the authorization server's /authorize.
     * @description The token is single-use. The redirect carries client_id (this subject's /oauth2 URL, client_id_scheme entity_id),
     * request_uri (this node's request.jwt, signed request object with response_type code, scope, state,
     * redirect_uri = /callback, code_challenge, code_challenge_method S256) and request_uri_method get. When the
     * authorization server cannot be used, the browser goes to the caller's redirect_uri with error=server_error.
     */
    get: operations["handleUserLanding"];
  };
  "/oauth2/{subjectID}/authorize": {
    /**
     * Authorization endpoint - as authorization server (response_type code) and as wallet (response_type vp_token), chosen by the signed request object.
     * @description A signed request object by reference is required (require_signed_request_object): client_id must be an http(s)
     * URL, request_uri on its origin, the JWT signed by an assertion key of a did:web on the client_id's host, iss =
     * client_id, aud = this subject's /oauth2 URL, not expired, fetched once; with request_uri_method post, the
     * wallet_nonce sent must come back. Any of that failing: 400 invalid_request (nothing to redirect to yet).
     *
     * response_type code (authorization server): redirect_uri on the client's origin (else 400); then refusals are
     * redirects to redirect_uri with error and the client's state: state required, code_challenge required with
     * code_challenge_method S256 (invalid_request), scope known with an organization and/or user definition
     * (invalid_scope), the client's AS metadata (issuer = client_id) naming its wallet's authorization_endpoint. On
     * success, an OpenID4VP request to that wallet (response_type vp_token, response_mode direct_post, response_uri
     * /response, nonce, state, presentation_definition_uri with wallet_owner_type organization, then user).
     *
     * response_type vp_token (wallet): only with this browser's session cookie and to the authorization server that
     * session started a flow with (else error access_denied posted to the verifier); definition and response_uri on the
     * verifier's origin; the presentation from the organisation's wallet or the session's user wallet, posted
     * direct_post; the browser follows the redirect_uri the verifier answers.
     */
    get: operations["handleAuthorizeRequest"];
  };
  "/oauth2/{subjectID}/request.jwt/{id}": {
    /** A request object this node made (RFC 9101), signed, once; 400 invalid_request when unknown, used or meant for POST. */
    get: operations["requestJWTByGet"];
    /** The same for request_uri_method post - the wallet_nonce posted is signed into the request object. */
    post: operations["requestJWTByPost"];
    parameters: {
      path: {
        subjectID: components["parameters"]["subjectID"];
        id: string;
      };
    };
  };
  "/oauth2/{subjectID}/response": {
    /**
     * OpenID4VP direct_post - the wallet's presentation (or error) for one state, used once.
     * @description Unknown or used state: 400 invalid_request. Otherwise the answer is always 200 {redirect_uri}: the next
     * OpenID4VP request (user wallet), the client's redirect_uri with code and state, or the client's redirect_uri with
     * error and state. Checks: vp_token and presentation_submission present; every credential about the VP signer; aud =
     * this verifier; nonce of this request; expiry present; the organisation VP signed by a did:web of the client's host,
     * the user's credentials issued by that organisation (access_denied); the submission fulfils the definition
     * (invalid_request); full verification as the token endpoint does it - signatures, dates, revocation, trust,
     * self-attestation only where the definition allows it and next to a trusted organisation (access_denied).
     */
    post: operations["handleAuthorizeResponse"];
  };
  "/oauth2/{subjectID}/callback": {
    /**
     * The client's redirect_uri - state once, from the browser session that started the flow; code exchanged (PKCE, DPoP); the browser sent to the caller.
     * @description Unknown or used state: 400 invalid_request. A callback without the starting browser's cookie, an error from the
     * authorization server, or a token endpoint refusal ends the flow: the browser goes to the caller's redirect_uri
     * with error and error_description, and accesstoken/{sessionID} answers 400 naming it.
     */
    get: operations["callback"];
  };
  "/oauth2/{subjectID}/oauth-client": {
    /** OAuth client metadata (token_endpoint_auth_method none, grant_types, response_types, vp_formats, client_id_scheme entity_id). */
    get: operations["OAuthClientMetadata"];
  };
  "/.well-known/openid-configuration/oauth2/{subjectID}": {
    /** OpenID entity statement (JWT signed by the subject's assertion key) - iss = sub = the subject's /oauth2 URL, jwks, metadata.openid_provider (AS metadata) and metadata.openid_relying_party (client metadata). */
    get: operations["OpenIDConfiguration"];
  };
}

export type webhooks = Record<string, never>;

export interface components {
  schemas: {
    ServiceAccessTokenRequest: {
      /** @example https://lsp.example/oauth2/lsp */
      authorization_server: string;
      /** @example medicatieoverdracht */
      scope: string;
      /** @description self-attested credentials; issuer, credentialSubject.id and proof must be omitted (filled in / covered by the VP) */
      credentials?: Record<string, unknown>[];
      credential_selection?: {
        [key: string]: string;
      };
      /**
       * @default DPoP
       * @enum {string}
       */
      token_type?: "DPoP" | "Bearer";
      /**
       * @description Experimental (nuts-node master). Subject of the service provider (vendor) on this node; switches to the
       * RFC 7523 jwt-bearer two-VP flow (see the operation's description).
       *
       * @example ecd-vendor
       */
      service_provider_subject_id?: string;
      /**
       * @description As nuts-node's project-gf branch: the care worker's Dezi login, either the verklaring (Dezi spec 0.7,
       * RS256 with kid and jku) or the Dezi userinfo JWT carrying it. The node wraps it as a DeziUserCredential
       * (proof type DeziIDJWT07) of this organisation and presents it next to the organisation's credentials; the
       * authorization server checks it against its allowed Dezi key sets (vcr.dezi.allowedjku), its dates and
       * its status, and refuses it when its abonnee_nummer is not the organisation's URA. Scope
       * `medicatieoverdracht` requires it.
       */
      id_token?: string;
    };
    TokenResponse: {
      access_token: string;
      token_type: string;
      dpop_kid?: string;
      scope?: string;
      expires_in?: number;
      expires_at?: number;
      /**
       * @description accesstoken/{sessionID} only: pending while the user flow runs (access_token and token_type empty)
       * @enum {string}
       */
      status?: "pending" | "active";
    };
    TokenIntrospectionRequest: {
      token: string;
    };
    /** @description plus every presentation-definition field with an id (a regex's single capture group applied) */
    TokenIntrospectionResponse: {
      active: boolean;
      iss?: string;
      client_id?: string;
      exp?: number;
      iat?: number;
      scope?: string;
      cnf?: {
        jkt?: string;
      };
      [key: string]: unknown;
    };
    ExtendedTokenIntrospectionResponse: components["schemas"]["TokenIntrospectionResponse"] & {
      presentation_definitions?: Record<string, unknown>;
      presentation_submissions?: Record<string, unknown>;
      vps?: unknown[];
    };
    DPoPRequest: {
      htm: string;
      htu: string;
      token: string;
    };
    DPoPValidateRequest: {
      dpop_proof: string;
      method: string;
      thumbprint: string;
      token: string;
      url: string;
    };
    OAuthAuthorizationServerMetadata: {
      issuer: string;
      token_endpoint: string;
      grant_types_supported?: string[];
      presentation_definition_endpoint?: string;
      /** @description only with auth.authorizationEndpoint.enabled (OpenID4VP user flow) */
      authorization_endpoint?: string;
      require_signed_request_object?: boolean;
      response_types_supported?: string[];
      response_modes_supported?: string[];
      vp_formats_supported?: Record<string, unknown>;
      did_methods_supported?: string[];
      dpop_signing_alg_values_supported?: string[];
    };
  };
  responses: {
    /** @description RFC 7807 problem */
    Problem: {
      content: {
        "application/problem+json": {
          title: string;
          status: number;
          detail: string;
        };
      };
    };
    /** @description RFC 6749 error */
    OAuthError: {
      content: {
        "application/json": {
          /** @enum {string} */
          error: "invalid_request" | "invalid_grant" | "invalid_scope" | "invalid_client" | "unsupported_grant_type" | "unsupported_response_type" | "invalid_dpop_proof" | "access_denied" | "server_error";
          error_description?: string;
        };
      };
    };
  };
  parameters: {
    subjectID: string;
  };
  requestBodies: never;
  headers: never;
  pathItems: never;
}

export type $defs = Record<string, never>;

export type external = Record<string, never>;

export interface operations {

  /**
   * RFC021 client - AS metadata, presentation definition, wallet match, VP (JWT preferred), token; cached until near expiry.
   * @description With `service_provider_subject_id` the RFC 7523 jwt-bearer two-VP flow runs instead (LSPxNuts pilot): the AS
   * metadata must list `urn:ietf:params:oauth:grant-type:jwt-bearer` (else 400); both presentation definitions come
   * from this node's own policy for the scope (`organization` for VP1 from the path subject's wallet,
   * `service_provider` for VP2 from the service provider's wallet); both VPs are JWTs with `iss` = holder and without
   * `vp.holder`; the form carries grant_type, assertion, client_assertion_type, client_assertion and scope, no
   * client_id and no presentation_submission. The token is Bearer (`token_type: DPoP` is a 400).
   * `credential_selection` narrows VP1 (e.g. `patient_enrollment_bsn`).
   *
   * error returns:
   * * 400 - bad input, the AS does not advertise the jwt-bearer grant, or the authorization server answered with an OAuth error (named in detail)
   * * 404 - unknown subject
   * * 412 - the wallet (plus the self-attested credentials) cannot fulfil the presentation definition; detail names the input descriptor and field
   * * 502 - the authorization server returned a non-OAuth error or bad metadata
   * * 503 - the authorization server could not be reached
   */
  requestServiceAccessToken: {
    parameters: {
      header?: {
        /** @description no-cache bypasses the token cache */
        "Cache-Control"?: string;
      };
      path: {
        subjectID: components["parameters"]["subjectID"];
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["ServiceAccessTokenRequest"];
      };
    };
    responses: {
      /** @description access token */
      200: {
        content: {
          "application/json": components["schemas"]["TokenResponse"];
        };
      };
      default: components["responses"]["Problem"];
    };
  };
  /** RFC 7662 introspection; revocation of the presented credentials is re-checked. Unknown, expired or revoked gives {active:false}. Recorded as oauth.introspect (token hash only) before the answer; 503 when the audit log cannot be written. */
  introspectAccessToken: {
    requestBody: {
      content: {
        "application/x-www-form-urlencoded": components["schemas"]["TokenIntrospectionRequest"];
      };
    };
    responses: {
      /** @description introspection result */
      200: {
        content: {
          "application/json": components["schemas"]["TokenIntrospectionResponse"];
        };
      };
      415: components["responses"]["Problem"];
      default: components["responses"]["Problem"];
    };
  };
  /** Introspection plus presentation_definitions, presentation_submissions and vps. */
  introspectAccessTokenExtended: {
    requestBody: {
      content: {
        "application/x-www-form-urlencoded": components["schemas"]["TokenIntrospectionRequest"];
      };
    };
    responses: {
      /** @description introspection result */
      200: {
        content: {
          "application/json": components["schemas"]["ExtendedTokenIntrospectionResponse"];
        };
      };
      default: components["responses"]["Problem"];
    };
  };
  /** DPoP proof (RFC 9449) for a resource request, signed with key kid (a DID URL of this node, URL-encoded). */
  createDPoPProof: {
    parameters: {
      path: {
        kid: string;
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["DPoPRequest"];
      };
    };
    responses: {
      /** @description the proof */
      200: {
        content: {
          "application/json": {
            dpop: string;
          };
        };
      };
      default: components["responses"]["Problem"];
    };
  };
  /** Validates JWT, htm, htu (query and fragment ignored), key thumbprint, ath and single use of jti (15 minutes). */
  validateDPoPProof: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["DPoPValidateRequest"];
      };
    };
    responses: {
      /** @description validity and reason */
      200: {
        content: {
          "application/json": {
            valid: boolean;
            /** @example jti already used */
            reason?: string;
          };
        };
      };
      default: components["responses"]["Problem"];
    };
  };
  /** RFC 8414 metadata of the subject's authorization server (404 problem for an unknown subject). */
  OAuthAuthorizationServerMetadata: {
    parameters: {
      path: {
        subjectID: components["parameters"]["subjectID"];
      };
    };
    responses: {
      /** @description metadata */
      200: {
        content: {
          "application/json": components["schemas"]["OAuthAuthorizationServerMetadata"];
        };
      };
      default: components["responses"]["Problem"];
    };
  };
  /** The presentation definition for a scope (policy files); invalid_scope for an unknown scope. */
  presentationDefinition: {
    parameters: {
      query: {
        scope: string;
        wallet_owner_type?: "organization" | "user" | "service_provider";
      };
      path: {
        subjectID: components["parameters"]["subjectID"];
      };
    };
    responses: {
      /** @description presentation definition */
      200: {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      default: components["responses"]["OAuthError"];
    };
  };
  /**
   * vp_token-bearer grant (RFC021) and, when a policy enables it, the RFC 7523 jwt-bearer two-VP grant (LSPxNuts pilot).
   * @description vp_token-bearer - checks in nuts-node order: VP lifetime <= 5 s; signer = subject of every credential;
   * aud/domain = issuer URL; scope known (invalid_scope); presentation definition fulfilled (invalid_request naming
   * descriptor and field; a credential without proof only for a descriptor with subject_is_issuer: required); full
   * verification of VP and credentials (invalid_grant: signatures, dates, revocation, trust; with a self-attested
   * credential in the VP, the others must come from trusted issuers); then the nonce unused (10 s), spent only now so
   * a forgery cannot burn it; DPoP proof (invalid_dpop_proof). Optional DPoP header binds the token; otherwise Bearer.
   *
   * urn:ietf:params:oauth:grant-type:jwt-bearer - offered (and listed in grant_types_supported) when a loaded
   * policy has a `service_provider` definition for the scope. Requires assertion, client_assertion_type
   * (urn:ietf:params:oauth:client-assertion-type:jwt-bearer), client_assertion and scope (else invalid_request);
   * client_id and presentation_submission are ignored. Each VP must be a JWT with top-level iss = the holder that
   * signed it, no vp.holder, a jti, lifetime <= 5 s, aud = issuer URL, and credentials about the holder; the
   * assertion must fulfil the `organization` definition, the client_assertion the `service_provider` one; the
   * ServiceProviderDelegationCredential must be issued by the HealthcareProviderCredential's subject and name its
   * URA in delegatedBy; full verification (signatures incl. did:x509 chains to a trusted root, dates, revocation;
   * ServiceProviderCredential issuer on the trust list; no credential without proof); then jti unused (10 s). Any failure of these is invalid_grant
   * with error_description starting with the presentation concerned. The token is Bearer, valid
   * auth.jwtBearerAccessTokenValiditySeconds (default 20); introspection returns the field ids of both definitions
   * and client_id = the service provider's DID.
   *
   * authorization_code - the OpenID4VP user flow (auth.authorizationEndpoint.enabled; listed in grant_types_supported
   * then). Requires code, code_verifier, redirect_uri and client_id (invalid_request); the code once (60 s), for the
   * client it was issued to, the redirect_uri of the authorization request and the S256 of code_verifier, and the
   * presented credentials still valid (revocation re-checked), else invalid_grant. DPoP header binds the token.
   *
   * Every decision is recorded in the NEN 7513 log (oauth.token.granted / oauth.token.refused with organisation,
   * care worker, client_id, scope, credentials, client address, trace ids) before the answer leaves; a granted
   * token becomes usable only once its record is committed. When the log cannot be written: 503 server_error.
   */
  handleTokenRequest: {
    parameters: {
      header?: {
        DPoP?: string;
      };
      path: {
        subjectID: components["parameters"]["subjectID"];
      };
    };
    requestBody: {
      content: {
        "application/x-www-form-urlencoded": {
          /** @enum {string} */
          grant_type: "vp_token-bearer" | "urn:ietf:params:oauth:grant-type:jwt-bearer" | "authorization_code";
          /** @description authorization_code only */
          code?: string;
          /** @description authorization_code only: PKCE, S256 of it must be the code_challenge */
          code_verifier?: string;
          /** @description authorization_code only; must equal the one of the authorization request */
          redirect_uri?: string;
          /** @description JWT VP, JSON-LD VP, or JSON array of VPs (jwt-bearer - the care provider's VP JWT) */
          assertion?: string;
          /** @description JSON presentation submission (vp_token-bearer only) */
          presentation_submission?: string;
          scope?: string;
          /** @description vp_token-bearer only */
          client_id?: string;
          /**
           * @description jwt-bearer only
           * @enum {string}
           */
          client_assertion_type?: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
          /** @description jwt-bearer only - the service provider's VP JWT */
          client_assertion?: string;
        };
      };
    };
    responses: {
      /** @description opaque access token */
      200: {
        content: {
          "application/json": {
            access_token: string;
            /** @enum {string} */
            token_type: "DPoP" | "Bearer";
            /**
             * @description 900 for vp_token-bearer, 20 for jwt-bearer (defaults)
             * @example 900
             */
            expires_in: number;
            scope: string;
          };
        };
      };
      default: components["responses"]["OAuthError"];
    };
  };
  /**
   * Starts the OpenID4VP user flow (authorization code + OpenID4VP), as nuts-node v6.2.10 (EXPERIMENTAL there).
   * @description Needs auth.authorizationEndpoint.enabled (nuts.yaml auth.authorizationendpoint.enabled), else 400. Answers a
   * start URL for the user's browser (`/oauth2/{subjectID}/user?token=…`, single-use, 5 minutes) and a session id
   * for accesstoken/{sessionID}. At the start URL the browser gets a session cookie and a user wallet: an ephemeral
   * did:jwk holding an EmployeeCredential (identifier, name, roleName of `preauthorized_user`) the subject's
   * organisation DID issues (jwt_vc, expires with the session, 15 minutes; recorded as vcr.issue).
   *
   * error returns:
   * * 400 - bad input (preauthorized_user {id, name, role}, authorization_server, scope, redirect_uri required), or the flow is disabled
   * * 404 - unknown subject
   */
  requestUserAccessToken: {
    parameters: {
      path: {
        subjectID: components["parameters"]["subjectID"];
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /** @example https://nodeA/oauth2/subjectA */
          authorization_server: string;
          scope: string;
          /**
           * @description default DPoP; compared case-insensitively
           * @enum {string}
           */
          token_type?: "Bearer" | "DPoP";
          /** @description the calling application's URL the browser ends at (with error and error_description when the flow failed) */
          redirect_uri: string;
          /** @description needed at runtime (400 without it), as nuts-node refuses the user flow without a preauthorized user */
          preauthorized_user?: {
            id: string;
            name: string;
            role: string;
          };
        };
      };
    };
    responses: {
      /** @description start URL and session id */
      200: {
        content: {
          "application/json": {
            redirect_uri: string;
            session_id: string;
          };
        };
      };
      default: components["responses"]["Problem"];
    };
  };
  /**
   * OpenID4VCI wallet side (authorization code flow), as nuts-node v6.2.10 (EXPERIMENTAL there); needs auth.authorizationEndpoint.enabled.
   * @description Reads the issuer's /.well-known/openid-credential-issuer (credential_issuer = issuer, credential_endpoint on its
   * origin) and its authorization server's RFC 8414 metadata, and answers the authorization URL for the user's
   * browser (response_type code, client_id = this subject's /oauth2 URL, state, PKCE S256, redirect_uri = /callback,
   * authorization_details). At /callback: code → token (PKCE) → credential request with an openid4vci-proof+jwt
   * (iss = client_id, aud = issuer, nonce = c_nonce) signed by wallet_did's key → the credential must be about
   * wallet_did and verify (signature, dates, revocation) before it is stored in the subject's wallet; the browser
   * then goes to redirect_uri (with error=invalid_grant or server_error when it failed).
   *
   * error returns:
   * * 400 - bad input, wallet_did not a DID of the subject, or the flow is disabled
   * * 404 - unknown subject
   * * 424 - the issuer's metadata is missing or does not offer what the flow needs
   */
  requestOpenid4VCICredentialIssuance: {
    parameters: {
      path: {
        subjectID: components["parameters"]["subjectID"];
      };
    };
    requestBody: {
      content: {
        "application/json": {
          wallet_did: string;
          issuer: string;
          authorization_details: Record<string, unknown>[];
          redirect_uri: string;
        };
      };
    };
    responses: {
      /** @description where the user's browser goes */
      200: {
        content: {
          "application/json": {
            redirect_uri: string;
          };
        };
      };
      default: components["responses"]["Problem"];
    };
  };
  /**
   * The access token of a request-user-access-token session - `status pending` while the flow runs, the token once when it is done.
   * @description error returns:
   * * 400 - the flow ended with an error (detail names it); the session id is spent
   * * 404 - unknown, expired or already retrieved session
   */
  retrieveAccessToken: {
    parameters: {
      path: {
        sessionID: string;
      };
    };
    responses: {
      /** @description token (status active) or status pending */
      200: {
        content: {
          "application/json": components["schemas"]["TokenResponse"];
        };
      };
      default: components["responses"]["Problem"];
    };
  };
  /**
   * (Not in upstream's OpenAPI; nuts-node serves the same path undocumented - an ECD only hands the URL to the browser.) The user's start URL (request-user-access-token) - sets the session cookie, fills the user wallet, redirects to the authorization server's /authorize.
   * @description The token is single-use. The redirect carries client_id (this subject's /oauth2 URL, client_id_scheme entity_id),
   * request_uri (this node's request.jwt, signed request object with response_type code, scope, state,
   * redirect_uri = /callback, code_challenge, code_challenge_method S256) and request_uri_method get. When the
   * authorization server cannot be used, the browser goes to the caller's redirect_uri with error=server_error.
   */
  handleUserLanding: {
    parameters: {
      query: {
        token: string;
      };
      path: {
        subjectID: components["parameters"]["subjectID"];
      };
    };
    responses: {
      /** @description to the authorization server (or the caller with an error) */
      302: {
        content: never;
      };
      default: components["responses"]["OAuthError"];
    };
  };
  /**
   * Authorization endpoint - as authorization server (response_type code) and as wallet (response_type vp_token), chosen by the signed request object.
   * @description A signed request object by reference is required (require_signed_request_object): client_id must be an http(s)
   * URL, request_uri on its origin, the JWT signed by an assertion key of a did:web on the client_id's host, iss =
   * client_id, aud = this subject's /oauth2 URL, not expired, fetched once; with request_uri_method post, the
   * wallet_nonce sent must come back. Any of that failing: 400 invalid_request (nothing to redirect to yet).
   *
   * response_type code (authorization server): redirect_uri on the client's origin (else 400); then refusals are
   * redirects to redirect_uri with error and the client's state: state required, code_challenge required with
   * code_challenge_method S256 (invalid_request), scope known with an organization and/or user definition
   * (invalid_scope), the client's AS metadata (issuer = client_id) naming its wallet's authorization_endpoint. On
   * success, an OpenID4VP request to that wallet (response_type vp_token, response_mode direct_post, response_uri
   * /response, nonce, state, presentation_definition_uri with wallet_owner_type organization, then user).
   *
   * response_type vp_token (wallet): only with this browser's session cookie and to the authorization server that
   * session started a flow with (else error access_denied posted to the verifier); definition and response_uri on the
   * verifier's origin; the presentation from the organisation's wallet or the session's user wallet, posted
   * direct_post; the browser follows the redirect_uri the verifier answers.
   */
  handleAuthorizeRequest: {
    parameters: {
      query: {
        client_id: string;
        request_uri: string;
        request_uri_method?: "get" | "post";
      };
      path: {
        subjectID: components["parameters"]["subjectID"];
      };
    };
    responses: {
      /** @description next step of the flow */
      302: {
        content: never;
      };
      default: components["responses"]["OAuthError"];
    };
  };
  /** A request object this node made (RFC 9101), signed, once; 400 invalid_request when unknown, used or meant for POST. */
  requestJWTByGet: {
    parameters: {
      path: {
        subjectID: components["parameters"]["subjectID"];
        id: string;
      };
    };
    responses: {
      /** @description signed request object */
      200: {
        content: {
          "application/oauth-authz-req+jwt": string;
        };
      };
      default: components["responses"]["OAuthError"];
    };
  };
  /** The same for request_uri_method post - the wallet_nonce posted is signed into the request object. */
  requestJWTByPost: {
    parameters: {
      path: {
        subjectID: components["parameters"]["subjectID"];
        id: string;
      };
    };
    requestBody?: {
      content: {
        "application/x-www-form-urlencoded": {
          wallet_nonce?: string;
          wallet_metadata?: string;
        };
      };
    };
    responses: {
      /** @description signed request object */
      200: {
        content: {
          "application/oauth-authz-req+jwt": string;
        };
      };
      default: components["responses"]["OAuthError"];
    };
  };
  /**
   * OpenID4VP direct_post - the wallet's presentation (or error) for one state, used once.
   * @description Unknown or used state: 400 invalid_request. Otherwise the answer is always 200 {redirect_uri}: the next
   * OpenID4VP request (user wallet), the client's redirect_uri with code and state, or the client's redirect_uri with
   * error and state. Checks: vp_token and presentation_submission present; every credential about the VP signer; aud =
   * this verifier; nonce of this request; expiry present; the organisation VP signed by a did:web of the client's host,
   * the user's credentials issued by that organisation (access_denied); the submission fulfils the definition
   * (invalid_request); full verification as the token endpoint does it - signatures, dates, revocation, trust,
   * self-attestation only where the definition allows it and next to a trusted organisation (access_denied).
   */
  handleAuthorizeResponse: {
    parameters: {
      path: {
        subjectID: components["parameters"]["subjectID"];
      };
    };
    requestBody: {
      content: {
        "application/x-www-form-urlencoded": {
          state?: string;
          vp_token?: string;
          presentation_submission?: string;
          error?: string;
          error_description?: string;
        };
      };
    };
    responses: {
      /** @description where the wallet sends the browser */
      200: {
        content: {
          "application/json": {
            redirect_uri: string;
          };
        };
      };
      default: components["responses"]["OAuthError"];
    };
  };
  /**
   * The client's redirect_uri - state once, from the browser session that started the flow; code exchanged (PKCE, DPoP); the browser sent to the caller.
   * @description Unknown or used state: 400 invalid_request. A callback without the starting browser's cookie, an error from the
   * authorization server, or a token endpoint refusal ends the flow: the browser goes to the caller's redirect_uri
   * with error and error_description, and accesstoken/{sessionID} answers 400 naming it.
   */
  callback: {
    parameters: {
      query?: {
        code?: string;
        state?: string;
        error?: string;
        error_description?: string;
      };
      path: {
        subjectID: components["parameters"]["subjectID"];
      };
    };
    responses: {
      /** @description to the caller's redirect_uri */
      302: {
        content: never;
      };
      default: components["responses"]["OAuthError"];
    };
  };
  /** OAuth client metadata (token_endpoint_auth_method none, grant_types, response_types, vp_formats, client_id_scheme entity_id). */
  OAuthClientMetadata: {
    parameters: {
      path: {
        subjectID: components["parameters"]["subjectID"];
      };
    };
    responses: {
      /** @description client metadata */
      200: {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      default: components["responses"]["OAuthError"];
    };
  };
  /** OpenID entity statement (JWT signed by the subject's assertion key) - iss = sub = the subject's /oauth2 URL, jwks, metadata.openid_provider (AS metadata) and metadata.openid_relying_party (client metadata). */
  OpenIDConfiguration: {
    parameters: {
      path: {
        subjectID: components["parameters"]["subjectID"];
      };
    };
    responses: {
      /** @description entity statement */
      200: {
        content: {
          "application/entity-statement+jwt": string;
        };
      };
      default: components["responses"]["OAuthError"];
    };
  };
}
