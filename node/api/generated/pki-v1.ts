// Generated from node/api/pki-v1.yaml by `npm run api:generate` (openapi-typescript); do not edit, change the OpenAPI file.


export interface paths {
  "/internal/pki/v1/subjects/{subjectID}/certificate": {
    get: operations["getCertificate"];
    /** @description Binds a certificate chain and its leaf key to the subject, replacing an earlier one. Give exactly one source. */
    post: operations["bindCertificate"];
    delete: operations["unbindCertificate"];
    parameters: {
      path: {
        subjectID: string;
      };
    };
  };
  "/internal/pki/v1/trusted-roots": {
    /** @description The root CAs did:x509 issuers must chain to (config vcr.x509.trustedRoots). */
    get: operations["listTrustedRoots"];
  };
}

export type webhooks = Record<string, never>;

export interface components {
  schemas: {
    Certificate: {
      subject: string;
      /** @description the subject's own DID */
      did: string;
      /** @description did:x509:0:sha256:<root fingerprint>::san:otherName:<UZI otherName>::subject:O:<org>:L:<city> */
      x509Did: string;
      alg: string;
      organisation?: string;
      certificate: {
        subject: string;
        issuer: string;
        serialNumber: string;
        /** Format: date-time */
        notBefore: string;
        /** Format: date-time */
        notAfter: string;
        otherName?: string[];
        ura?: string;
      };
      chain: {
          subject?: string;
          sha256?: string;
        }[];
    };
  };
  responses: {
    /** @description RFC 7807 problem */
    Problem: {
      content: {
        "application/problem+json": {
          type?: string;
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

  getCertificate: {
    parameters: {
      path: {
        subjectID: string;
      };
    };
    responses: {
      /** @description the bound certificate */
      200: {
        content: {
          "application/json": components["schemas"]["Certificate"];
        };
      };
      404: components["responses"]["Problem"];
    };
  };
  /** @description Binds a certificate chain and its leaf key to the subject, replacing an earlier one. Give exactly one source. */
  bindCertificate: {
    parameters: {
      path: {
        subjectID: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          /** @description organisation id in the test PKI (pki.json under pki.dir; `nuts-lsp-lab pki init`) */
          organisation?: string;
          /** @description PEM chain (any order) or base64 DER certificates */
          chain?: string | string[];
          /** @description PEM private key of the leaf */
          privateKey?: string;
          /** @description path of a PEM chain file on the node's host */
          chainFile?: string;
          /** @description path of the PEM key file on the node's host */
          keyFile?: string;
          /** @enum {string} */
          alg?: "RS256" | "PS256" | "ES256";
        };
      };
    };
    responses: {
      /** @description the bound certificate */
      200: {
        content: {
          "application/json": components["schemas"]["Certificate"];
        };
      };
      400: components["responses"]["Problem"];
      404: components["responses"]["Problem"];
    };
  };
  unbindCertificate: {
    parameters: {
      path: {
        subjectID: string;
      };
    };
    responses: {
      /** @description unbound */
      204: {
        content: never;
      };
      404: components["responses"]["Problem"];
    };
  };
  /** @description The root CAs did:x509 issuers must chain to (config vcr.x509.trustedRoots). */
  listTrustedRoots: {
    responses: {
      /** @description trusted roots */
      200: {
        content: {
          "application/json": {
              subject?: string;
              /** @description base64url SHA-256 fingerprint */
              sha256?: string;
              /** Format: date-time */
              notAfter?: string;
            }[];
        };
      };
    };
  };
}
