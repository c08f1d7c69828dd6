// Generated from node/api/vcr-v2.yaml by `npm run api:generate` (openapi-typescript); do not edit, change the OpenAPI file.


export interface paths {
  "/internal/vcr/v2/issuer/vc": {
    /** @description Recorded as vcr.issue in the NEN 7513 log before the credential is kept or returned; 503 (nothing issued) when the log cannot be written. */
    post: operations["issueVC"];
  };
  "/internal/vcr/v2/issuer/vc/search": {
    get: operations["searchIssuedVCs"];
  };
  "/internal/vcr/v2/issuer/vc/{id}": {
    /** @description Recorded as vcr.revoke before the status bit is set; 503 (not revoked) when the audit log cannot be written. */
    delete: operations["revokeVC"];
  };
  "/internal/vcr/v2/verifier/vc": {
    post: operations["verifyVC"];
  };
  "/internal/vcr/v2/verifier/vp": {
    post: operations["verifyVP"];
  };
  "/internal/vcr/v2/verifier/trust": {
    post: operations["trustIssuer"];
    delete: operations["untrustIssuer"];
  };
  "/internal/vcr/v2/verifier/{credentialType}/trusted": {
    get: operations["listTrusted"];
  };
  "/internal/vcr/v2/verifier/{credentialType}/untrusted": {
    get: operations["listUntrusted"];
  };
  "/internal/vcr/v2/holder/vp": {
    post: operations["createVP"];
  };
  "/internal/vcr/v2/holder/{subjectID}/vc": {
    get: operations["getCredentialsInWallet"];
    post: operations["loadVC"];
    parameters: {
      path: {
        subjectID: string;
      };
    };
  };
  "/internal/vcr/v2/holder/{subjectID}/vc/search": {
    get: operations["searchCredentialsInWallet"];
  };
  "/internal/vcr/v2/holder/{subjectID}/vc/{id}": {
    delete: operations["removeCredentialFromWallet"];
  };
  "/internal/vcr/v2/search": {
    post: operations["searchVCs"];
  };
  "/statuslist/{did}/{page}": {
    /** @description public port; StatusList2021Credential (JSON-LD, JsonWebSignature2020), valid 24 h */
    get: operations["getStatusList2021"];
  };
  "/statuslist/bitstring/{did}/{page}": {
    /** @description public port; BitstringStatusListCredential as a VC-JWT, valid 24 h */
    get: operations["getBitstringStatusList"];
  };
}

export type webhooks = Record<string, never>;

export interface components {
  schemas: {
    VerifiableCredential: Record<string, unknown> | string;
    VerifiablePresentation: Record<string, unknown> | string;
    IssueVCRequest: {
      "@context"?: string | string[];
      type: string | string[];
      issuer: string;
      credentialSubject: Record<string, unknown> | Record<string, unknown>[];
      /** Format: date-time */
      expirationDate?: string;
      /**
       * @default ldp_vc
       * @enum {string}
       */
      format?: "ldp_vc" | "jwt_vc";
      /** @default false */
      withStatusList2021Revocation?: boolean;
      /** @default false */
      withBitstringStatusListRevocation?: boolean;
      /** @description X509-issued types only, instead of the certificate bound to the issuer subject */
      x509?: {
        /** @description PEM blocks or base64 DER certificates */
        chain: string[];
        privateKeyPem: string;
        /**
         * @description default RS256 for RSA keys (UZI), ES256 for P-256
         * @enum {string}
         */
        alg?: "RS256" | "PS256" | "ES256";
      };
    };
    VerificationResult: {
      validity: boolean;
      message?: string;
      reason?: string;
      credentials?: components["schemas"]["VerifiableCredential"][];
    };
    CredentialIssuer: {
      issuer: string;
      credentialType: string;
    };
    SearchVCResults: {
      verifiableCredentials: {
          verifiableCredential: components["schemas"]["VerifiableCredential"];
          revocation?: Record<string, unknown>;
        }[];
    };
  };
  responses: {
    /** @description RFC 7807 problem */
    Problem: {
      content: {
        "application/problem+json": {
          title?: string;
          status?: number;
          detail?: string;
        };
      };
    };
  };
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}

export type $defs = Record<string, never>;

export type external = Record<string, never>;

export interface operations {

  /** @description Recorded as vcr.issue in the NEN 7513 log before the credential is kept or returned; 503 (nothing issued) when the log cannot be written. */
  issueVC: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["IssueVCRequest"];
      };
    };
    responses: {
      /** @description the credential (JWT string for jwt_vc */
      200: {
        content: {
          "application/json": components["schemas"]["VerifiableCredential"];
        };
      };
      400: components["responses"]["Problem"];
      503: components["responses"]["Problem"];
    };
  };
  searchIssuedVCs: {
    parameters: {
      query: {
        credentialType: string;
        issuer: string;
        subject?: string;
      };
    };
    responses: {
      /** @description matches */
      200: {
        content: {
          "application/json": components["schemas"]["SearchVCResults"];
        };
      };
      400: components["responses"]["Problem"];
    };
  };
  /** @description Recorded as vcr.revoke before the status bit is set; 503 (not revoked) when the audit log cannot be written. */
  revokeVC: {
    parameters: {
      path: {
        /** @description URL-encoded credential id */
        id: string;
      };
    };
    responses: {
      /** @description revoked (bit set on the issuer's status list) */
      204: {
        content: never;
      };
      400: components["responses"]["Problem"];
      404: components["responses"]["Problem"];
      409: components["responses"]["Problem"];
      503: components["responses"]["Problem"];
    };
  };
  verifyVC: {
    requestBody: {
      content: {
        "application/json": {
          verifiableCredential: components["schemas"]["VerifiableCredential"];
          verificationOptions?: {
            /** @default false */
            allowUntrustedIssuer?: boolean;
          };
          /** Format: date-time */
          validAt?: string;
        };
      };
    };
    responses: {
      /** @description result */
      200: {
        content: {
          "application/json": components["schemas"]["VerificationResult"];
        };
      };
      400: components["responses"]["Problem"];
    };
  };
  verifyVP: {
    requestBody: {
      content: {
        "application/json": {
          verifiablePresentation: components["schemas"]["VerifiablePresentation"];
          /** Format: date-time */
          validAt?: string;
          /** @default true */
          verifyCredentials?: boolean;
          challenge?: string;
          domain?: string;
          nonce?: string;
          audience?: string;
        };
      };
    };
    responses: {
      /** @description result; `credentials` when valid */
      200: {
        content: {
          "application/json": components["schemas"]["VerificationResult"];
        };
      };
      400: components["responses"]["Problem"];
    };
  };
  trustIssuer: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["CredentialIssuer"];
      };
    };
    responses: {
      /** @description trusted */
      204: {
        content: never;
      };
      400: components["responses"]["Problem"];
    };
  };
  untrustIssuer: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["CredentialIssuer"];
      };
    };
    responses: {
      /** @description untrusted */
      204: {
        content: never;
      };
      400: components["responses"]["Problem"];
    };
  };
  listTrusted: {
    parameters: {
      path: {
        credentialType: string;
      };
    };
    responses: {
      /** @description issuer DIDs */
      200: {
        content: {
          "application/json": string[];
        };
      };
    };
  };
  listUntrusted: {
    parameters: {
      path: {
        credentialType: string;
      };
    };
    responses: {
      /** @description issuer DIDs seen but not trusted */
      200: {
        content: {
          "application/json": string[];
        };
      };
    };
  };
  createVP: {
    requestBody: {
      content: {
        "application/json": {
          verifiableCredentials: components["schemas"]["VerifiableCredential"][];
          signerDID?: string;
          /** @enum {string} */
          proofPurpose?: "authentication" | "assertionMethod" | "keyAgreement" | "capabilityDelegation" | "capabilityInvocation";
          challenge?: string;
          domain?: string;
          nonce?: string;
          audience?: string;
          /** Format: date-time */
          expires?: string;
          /**
           * @default ldp_vp
           * @enum {string}
           */
          format?: "ldp_vp" | "jwt_vp";
          type?: string[];
          "@context"?: string[];
        };
      };
    };
    responses: {
      /** @description the presentation */
      200: {
        content: {
          "application/json": components["schemas"]["VerifiablePresentation"];
        };
      };
      400: components["responses"]["Problem"];
    };
  };
  getCredentialsInWallet: {
    parameters: {
      path: {
        subjectID: string;
      };
    };
    responses: {
      /** @description credentials */
      200: {
        content: {
          "application/json": components["schemas"]["VerifiableCredential"][];
        };
      };
      404: components["responses"]["Problem"];
    };
  };
  loadVC: {
    parameters: {
      path: {
        subjectID: string;
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["VerifiableCredential"];
      };
    };
    responses: {
      /** @description stored */
      204: {
        content: never;
      };
      400: components["responses"]["Problem"];
      404: components["responses"]["Problem"];
      409: components["responses"]["Problem"];
    };
  };
  searchCredentialsInWallet: {
    parameters: {
      query?: {
        type?: string;
      };
      path: {
        subjectID: string;
      };
    };
    responses: {
      /** @description matches */
      200: {
        content: {
          "application/json": components["schemas"]["SearchVCResults"];
        };
      };
      404: components["responses"]["Problem"];
    };
  };
  removeCredentialFromWallet: {
    parameters: {
      path: {
        subjectID: string;
        id: string;
      };
    };
    responses: {
      /** @description removed */
      204: {
        content: never;
      };
      404: components["responses"]["Problem"];
    };
  };
  searchVCs: {
    requestBody: {
      content: {
        "application/json": {
          query: Record<string, unknown>;
          searchOptions?: {
            allowUntrustedIssuer?: boolean;
          };
        };
      };
    };
    responses: {
      /** @description matching credentials issued by this node */
      200: {
        content: {
          "application/json": components["schemas"]["SearchVCResults"];
        };
      };
      400: components["responses"]["Problem"];
    };
  };
  /** @description public port; StatusList2021Credential (JSON-LD, JsonWebSignature2020), valid 24 h */
  getStatusList2021: {
    parameters: {
      path: {
        did: string;
        page: number;
      };
    };
    responses: {
      /** @description the list credential */
      200: {
        content: {
          "application/json": Record<string, unknown>;
        };
      };
      404: components["responses"]["Problem"];
    };
  };
  /** @description public port; BitstringStatusListCredential as a VC-JWT, valid 24 h */
  getBitstringStatusList: {
    parameters: {
      path: {
        did: string;
        page: number;
      };
    };
    responses: {
      /** @description the list credential */
      200: {
        content: {
          "application/vc+jwt": string;
        };
      };
      404: components["responses"]["Problem"];
    };
  };
}
