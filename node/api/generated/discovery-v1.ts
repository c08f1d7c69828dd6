// Generated from node/api/discovery-v1.yaml by `npm run api:generate` (openapi-typescript); do not edit, change the OpenAPI file.


export interface paths {
  "/internal/discovery/v1": {
    /** The configured discovery service definitions. */
    get: operations["getServices"];
  };
  "/internal/discovery/v1/{serviceID}": {
    /** Search the local copy; every query parameter is a child path (no '$.'), matched case-insensitively with '*' at start/end. */
    get: operations["searchPresentations"];
  };
  "/internal/discovery/v1/{serviceID}/{subjectID}": {
    /** Activation status (active or error, with the error) and the registered VP. */
    get: operations["getServiceActivation"];
    /**
     * Register the subject now (JWT VP with a DiscoveryRegistrationCredential carrying authServerURL and registrationParameters) and keep it registered.
     * @description error returns: 404 unknown service or subject; 412 the wallet cannot fulfil the service's definition (detail names
     * descriptor and field); 502/503 the discovery server refused or could not be reached (the activation stays, status error).
     */
    post: operations["activateServiceForSubject"];
    /** Stop registering and retract the registration (RetractedVerifiablePresentation with retract_jti). */
    delete: operations["deactivateServiceForSubject"];
    parameters: {
      path: {
        serviceID: components["parameters"]["serviceID"];
        subjectID: string;
      };
    };
  };
  "/discovery/{serviceID}": {
    /** Registrations after a Lamport timestamp, with the list's seed. */
    get: operations["getPresentations"];
    /** Register a JWT VP (aud = service id, lifetime ≤ presentation_max_validity), or retract one (retract_jti). */
    post: operations["registerPresentation"];
    parameters: {
      path: {
        serviceID: components["parameters"]["serviceID"];
      };
    };
  };
}

export type webhooks = Record<string, never>;

export interface components {
  schemas: {
    ServiceDefinition: {
      id: string;
      did_methods?: string[];
      endpoint: string;
      presentation_definition: Record<string, unknown>;
      presentation_max_validity: number;
    };
    SearchResult: {
      id: string;
      credential_subject_id: string;
      vp: string;
      fields: {
        [key: string]: unknown;
      };
      registrationParameters: {
        [key: string]: unknown;
      };
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
  parameters: {
    serviceID: string;
  };
  requestBodies: never;
  headers: never;
  pathItems: never;
}

export type $defs = Record<string, never>;

export type external = Record<string, never>;

export interface operations {

  /** The configured discovery service definitions. */
  getServices: {
    responses: {
      /** @description service definitions */
      200: {
        content: {
          "application/json": components["schemas"]["ServiceDefinition"][];
        };
      };
    };
  };
  /** Search the local copy; every query parameter is a child path (no '$.'), matched case-insensitively with '*' at start/end. */
  searchPresentations: {
    parameters: {
      query?: {
        query?: {
          [key: string]: string;
        };
      };
      path: {
        serviceID: components["parameters"]["serviceID"];
      };
    };
    responses: {
      /** @description matching registrations */
      200: {
        content: {
          "application/json": components["schemas"]["SearchResult"][];
        };
      };
      default: components["responses"]["Problem"];
    };
  };
  /** Activation status (active or error, with the error) and the registered VP. */
  getServiceActivation: {
    parameters: {
      path: {
        serviceID: components["parameters"]["serviceID"];
        subjectID: string;
      };
    };
    responses: {
      /** @description status */
      200: {
        content: {
          "application/json": {
            activated: boolean;
            /** @enum {string} */
            status?: "active" | "error";
            error?: string;
            vp?: string[];
          };
        };
      };
      default: components["responses"]["Problem"];
    };
  };
  /**
   * Register the subject now (JWT VP with a DiscoveryRegistrationCredential carrying authServerURL and registrationParameters) and keep it registered.
   * @description error returns: 404 unknown service or subject; 412 the wallet cannot fulfil the service's definition (detail names
   * descriptor and field); 502/503 the discovery server refused or could not be reached (the activation stays, status error).
   */
  activateServiceForSubject: {
    parameters: {
      path: {
        serviceID: components["parameters"]["serviceID"];
        subjectID: string;
      };
    };
    requestBody?: {
      content: {
        "application/json": {
          /**
           * @example {
           *   "fhirBaseURL": "https://vvt.example/fhir"
           * }
           */
          registrationParameters?: {
            [key: string]: unknown;
          };
        };
      };
    };
    responses: {
      /** @description registered */
      200: {
        content: never;
      };
      default: components["responses"]["Problem"];
    };
  };
  /** Stop registering and retract the registration (RetractedVerifiablePresentation with retract_jti). */
  deactivateServiceForSubject: {
    parameters: {
      path: {
        serviceID: components["parameters"]["serviceID"];
        subjectID: string;
      };
    };
    responses: {
      /** @description deactivated and retracted */
      200: {
        content: never;
      };
      /** @description deactivated, but the retraction failed */
      202: {
        content: {
          "application/json": {
            reason: string;
          };
        };
      };
      default: components["responses"]["Problem"];
    };
  };
  /** Registrations after a Lamport timestamp, with the list's seed. */
  getPresentations: {
    parameters: {
      query?: {
        timestamp?: number;
      };
      path: {
        serviceID: components["parameters"]["serviceID"];
      };
    };
    responses: {
      /** @description entries by timestamp */
      200: {
        content: {
          "application/json": {
            seed: string;
            timestamp: number;
            entries: {
              [key: string]: string;
            };
          };
        };
      };
      default: components["responses"]["Problem"];
    };
  };
  /** Register a JWT VP (aud = service id, lifetime ≤ presentation_max_validity), or retract one (retract_jti). */
  registerPresentation: {
    parameters: {
      path: {
        serviceID: components["parameters"]["serviceID"];
      };
    };
    requestBody: {
      content: {
        "application/json": string;
      };
    };
    responses: {
      /** @description registered */
      201: {
        content: never;
      };
      default: components["responses"]["Problem"];
    };
  };
}
