// Generated from node/api/vdr-v2.yaml by `npm run api:generate` (openapi-typescript); do not edit, change the OpenAPI file.


export interface paths {
  "/internal/vdr/v2/did/{did}": {
    /**
     * Resolve a DID (did:web, did:jwk, did:key, static fixtures)
     * @description The DID may be sent URL-encoded or as is (`did:web:localhost%3A8080:iam:acme`).
     */
    get: operations["resolveDID"];
  };
  "/internal/vdr/v2/subject": {
    /** List active subjects and their DIDs */
    get: operations["listSubjects"];
    /** Create a subject with a did:web document and a fresh assertion key */
    post: operations["createSubject"];
  };
  "/internal/vdr/v2/subject/{id}": {
    /** DIDs of a subject */
    get: operations["subjectDIDs"];
    /** Deactivate a subject; its documents are no longer served and its keys are destroyed */
    delete: operations["deactivate"];
    parameters: {
      path: {
        /** @example acme */
        id: string;
      };
    };
  };
  "/internal/vdr/v2/subject/{id}/service": {
    /** Find services of a subject */
    get: operations["findServices"];
    /** Add a service to the subject's documents (an identical service is returned, not duplicated) */
    post: operations["createService"];
    parameters: {
      path: {
        /** @example acme */
        id: string;
      };
    };
  };
  "/internal/vdr/v2/subject/{id}/service/{serviceId}": {
    /** Replace a service (it gets a new id) */
    post: operations["updateService"];
    /** Remove a service */
    delete: operations["deleteService"];
    parameters: {
      path: {
        /** @example acme */
        id: string;
        /**
         * @description long form `<did>#<id>` or short form `#<id>`, with # encoded as %23
         * @example %23f3c1
         */
        serviceId: string;
      };
    };
  };
  "/internal/vdr/v2/subject/{id}/verificationmethod": {
    /** Add an assertion key (key agreement is not supported for did:web) */
    post: operations["addVerificationMethod"];
    parameters: {
      path: {
        /** @example acme */
        id: string;
      };
    };
  };
  "/iam/{id}/did.json": {
    /** The did:web document of a subject (public port) */
    get: operations["getTenantWebDID"];
  };
  "/.well-known/did.json": {
    /** Root did:web (not supported; always 404, as in nuts-node) */
    get: operations["getRootWebDID"];
  };
}

export type webhooks = Record<string, never>;

export interface components {
  schemas: {
    CreateSubjectOptions: {
      /** @description a UUID is generated when omitted */
      subject?: string;
      keys?: components["schemas"]["KeyCreationOptions"];
      /**
       * @description extension: type of the first key
       * @enum {string}
       */
      keyType?: "P-256" | "Ed25519";
    };
    KeyCreationOptions: {
      assertionKey: boolean;
      /** @description true is refused: key agreement not supported for did:web */
      encryptionKey: boolean;
      /** @enum {string} */
      keyType?: "P-256" | "Ed25519";
    };
    SubjectCreationResult: {
      subject: string;
      documents: components["schemas"]["DIDDocument"][];
    };
    ServiceRequest: {
      type: string;
      /** @description a URI, an object or an array */
      serviceEndpoint: unknown;
    };
    Service: {
      id: string;
      type: string;
      serviceEndpoint: unknown;
    };
    VerificationMethod: {
      id: string;
      /** @example JsonWebKey2020 */
      type: string;
      controller: string;
      publicKeyJwk?: Record<string, unknown>;
    };
    DIDDocument: {
      "@context"?: string | string[];
      id: string;
      verificationMethod?: components["schemas"]["VerificationMethod"][];
      authentication?: string[];
      assertionMethod?: string[];
      capabilityInvocation?: string[];
      capabilityDelegation?: string[];
      service?: components["schemas"]["Service"][];
    };
    DIDDocumentMetadata: {
      /** Format: date-time */
      created?: string;
      /** Format: date-time */
      updated?: string;
      deactivated?: boolean;
    };
    DIDResolutionResult: {
      document: components["schemas"]["DIDDocument"];
      documentMetadata: components["schemas"]["DIDDocumentMetadata"];
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
  };
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}

export type $defs = Record<string, never>;

export type external = Record<string, never>;

export interface operations {

  /**
   * Resolve a DID (did:web, did:jwk, did:key, static fixtures)
   * @description The DID may be sent URL-encoded or as is (`did:web:localhost%3A8080:iam:acme`).
   */
  resolveDID: {
    parameters: {
      path: {
        /** @example did:web:localhost%3A8080:iam:acme */
        did: string;
      };
    };
    responses: {
      /** @description resolved */
      200: {
        content: {
          "application/json": components["schemas"]["DIDResolutionResult"];
        };
      };
      400: components["responses"]["Problem"];
      404: components["responses"]["Problem"];
    };
  };
  /** List active subjects and their DIDs */
  listSubjects: {
    responses: {
      /** @description subject id → DIDs */
      200: {
        content: {
          "application/json": {
            [key: string]: string[];
          };
        };
      };
    };
  };
  /** Create a subject with a did:web document and a fresh assertion key */
  createSubject: {
    requestBody?: {
      content: {
        "application/json": components["schemas"]["CreateSubjectOptions"];
      };
    };
    responses: {
      /** @description created */
      200: {
        content: {
          "application/json": components["schemas"]["SubjectCreationResult"];
        };
      };
      400: components["responses"]["Problem"];
      409: components["responses"]["Problem"];
      413: components["responses"]["Problem"];
    };
  };
  /** DIDs of a subject */
  subjectDIDs: {
    parameters: {
      path: {
        /** @example acme */
        id: string;
      };
    };
    responses: {
      /** @description DIDs */
      200: {
        content: {
          "application/json": string[];
        };
      };
      404: components["responses"]["Problem"];
    };
  };
  /** Deactivate a subject; its documents are no longer served and its keys are destroyed */
  deactivate: {
    parameters: {
      path: {
        /** @example acme */
        id: string;
      };
    };
    responses: {
      /** @description deactivated */
      204: {
        content: never;
      };
      404: components["responses"]["Problem"];
      409: components["responses"]["Problem"];
    };
  };
  /** Find services of a subject */
  findServices: {
    parameters: {
      query?: {
        type?: string;
        endpointType?: "string" | "object" | "array";
      };
      path: {
        /** @example acme */
        id: string;
      };
    };
    responses: {
      /** @description services */
      200: {
        content: {
          "application/json": components["schemas"]["Service"][];
        };
      };
      400: components["responses"]["Problem"];
      404: components["responses"]["Problem"];
    };
  };
  /** Add a service to the subject's documents (an identical service is returned, not duplicated) */
  createService: {
    parameters: {
      path: {
        /** @example acme */
        id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["ServiceRequest"];
      };
    };
    responses: {
      /** @description one service per DID document */
      200: {
        content: {
          "application/json": components["schemas"]["Service"][];
        };
      };
      400: components["responses"]["Problem"];
      404: components["responses"]["Problem"];
    };
  };
  /** Replace a service (it gets a new id) */
  updateService: {
    parameters: {
      path: {
        /** @example acme */
        id: string;
        /**
         * @description long form `<did>#<id>` or short form `#<id>`, with # encoded as %23
         * @example %23f3c1
         */
        serviceId: string;
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["ServiceRequest"];
      };
    };
    responses: {
      /** @description the new service */
      200: {
        content: {
          "application/json": components["schemas"]["Service"][];
        };
      };
      400: components["responses"]["Problem"];
      404: components["responses"]["Problem"];
      409: components["responses"]["Problem"];
    };
  };
  /** Remove a service */
  deleteService: {
    parameters: {
      path: {
        /** @example acme */
        id: string;
        /**
         * @description long form `<did>#<id>` or short form `#<id>`, with # encoded as %23
         * @example %23f3c1
         */
        serviceId: string;
      };
    };
    responses: {
      /** @description deleted */
      204: {
        content: never;
      };
      400: components["responses"]["Problem"];
      404: components["responses"]["Problem"];
    };
  };
  /** Add an assertion key (key agreement is not supported for did:web) */
  addVerificationMethod: {
    parameters: {
      path: {
        /** @example acme */
        id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["KeyCreationOptions"];
      };
    };
    responses: {
      /** @description the new methods */
      200: {
        content: {
          "application/json": components["schemas"]["VerificationMethod"][];
        };
      };
      400: components["responses"]["Problem"];
      404: components["responses"]["Problem"];
    };
  };
  /** The did:web document of a subject (public port) */
  getTenantWebDID: {
    parameters: {
      path: {
        /** @example acme */
        id: string;
      };
    };
    responses: {
      /** @description DID document */
      200: {
        content: {
          "application/json": components["schemas"]["DIDDocument"];
        };
      };
      404: components["responses"]["Problem"];
    };
  };
  /** Root did:web (not supported; always 404, as in nuts-node) */
  getRootWebDID: {
    responses: {
      404: components["responses"]["Problem"];
    };
  };
}
