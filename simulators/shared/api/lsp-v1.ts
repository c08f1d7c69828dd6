// Generated from simulators/lsp/api/lsp-v1.yaml by `npm run api:generate` (openapi-typescript); do not edit, change the OpenAPI file.


export interface paths {
  "/internal/lsp/v1/scenarios": {
    /** The failure scenarios and which one is active */
    get: operations["listScenarios"];
  };
  "/internal/lsp/v1/scenarios/{name}": {
    /** Switch a scenario on (normal restores the demo state) */
    post: operations["applyScenario"];
  };
  "/internal/lsp/v1/sources": {
    /** The simulated source systems (GP, hospital, pharmacy, VVT) */
    get: operations["listSources"];
  };
  "/internal/lsp/v1/sources/{id}": {
    /** Take a source down or up, or give it latency */
    patch: operations["updateSource"];
  };
  "/internal/lsp/v1/addressbook": {
    /** The care organisations the LSP knows by URA (names for portals and displays) */
    get: operations["addressBook"];
  };
  "/internal/lsp/v1/consent": {
    /** Recorded consent choices, of one patient or all */
    get: operations["listConsent"];
    /** Record a consent choice (recorded in the NEN 7513 log first) */
    put: operations["setConsent"];
    /** Withdraw a consent choice (no choice means no) */
    delete: operations["withdrawConsent"];
  };
  "/internal/lsp/v1/consent/decision": {
    /** What Mitz would answer for one holder, data and consulter category */
    post: operations["consentDecision"];
  };
  "/internal/lsp/v1/consent/fhir": {
    /** A patient's consent choices as a FHIR searchset Bundle of Consent resources */
    get: operations["consentAsFhir"];
  };
  "/internal/lsp/v1/organisations": {
    /** Organisations the LSP issued a URA credential to */
    get: operations["listOrganisations"];
    /** Register an organisation; its wallet gets a valid URA credential of the LSP (idempotent) */
    post: operations["registerOrganisation"];
  };
  "/internal/lsp/v1/data": {
    /** What the source systems hold (patients and resource counts per source) */
    get: operations["listData"];
    /** Import FHIR resources into one source system (kept for the next start) */
    post: operations["importData"];
  };
  "/internal/lsp/v1/data/export": {
    /** One transaction Bundle per source system (importing them again restores the data) */
    get: operations["exportData"];
  };
  "/internal/lsp/v1/registrations": {
    /** The reference index (which source holds data of which patient) */
    get: operations["listRegistrations"];
  };
}

export type webhooks = Record<string, never>;

export interface components {
  schemas: {
    Scenario: {
      name: string;
      title: string;
      /** @description what a search shows while it is active */
      expect: string;
      active: boolean;
    };
    ScenarioApplied: {
      scenario: string;
      expect: string;
      changes: string[];
    };
    Source: {
      id: string;
      name: string;
      ura: string;
      organizationType: string;
      appId: string;
      /**
       * @description where imported building blocks go by default
       * @enum {string}
       */
      demoData: "gp" | "hospital" | "pharmacy" | "vvt";
      fhirBase: string;
      available: boolean;
      latencyMs: number;
    };
    /** @enum {string} */
    ConsentSetting: "ja" | "nee" | "none";
    ConsentKey: {
      bsn: string;
      holderCategory: string;
      dataCategory: string;
      consulterCategory: string;
    };
    ConsentChoice: components["schemas"]["ConsentKey"] & ({
      /** @enum {string} */
      choice: "ja" | "nee";
    });
    Consent: components["schemas"]["ConsentChoice"] & {
      /** @description epoch milliseconds */
      recordedAt: number;
    };
    MemberRegistration: {
      did: string;
      subject: string;
      /** @description internal API base URL of the node holding the organisation's wallet */
      walletUrl: string;
      organization: {
        ura: string;
        name: string;
        city: string;
      };
    };
    MemberResult: {
      did: string;
      credentialId: string;
      /**
       * @description kept: a valid one was there; issued: there was none; replaced: an invalid one was taken out first
       * @enum {string}
       */
      action: "kept" | "issued" | "replaced";
      removed: {
          id: string;
          reason: string;
        }[];
    };
  };
  responses: {
    /** @description RFC 7807 problem */
    Problem: {
      content: {
        "application/problem+json": {
          type?: string;
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

  /** The failure scenarios and which one is active */
  listScenarios: {
    responses: {
      /** @description scenarios */
      200: {
        content: {
          "application/json": components["schemas"]["Scenario"][];
        };
      };
    };
  };
  /** Switch a scenario on (normal restores the demo state) */
  applyScenario: {
    parameters: {
      path: {
        /** @example source-down */
        name: string;
      };
    };
    responses: {
      /** @description applied */
      200: {
        content: {
          "application/json": components["schemas"]["ScenarioApplied"];
        };
      };
      404: components["responses"]["Problem"];
      412: components["responses"]["Problem"];
    };
  };
  /** The simulated source systems (GP, hospital, pharmacy, VVT) */
  listSources: {
    responses: {
      /** @description sources */
      200: {
        content: {
          "application/json": components["schemas"]["Source"][];
        };
      };
    };
  };
  /** Take a source down or up, or give it latency */
  updateSource: {
    parameters: {
      path: {
        id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": {
          available?: boolean;
          latencyMs?: number;
        };
      };
    };
    responses: {
      /** @description the source now */
      200: {
        content: {
          "application/json": components["schemas"]["Source"];
        };
      };
      400: components["responses"]["Problem"];
      404: components["responses"]["Problem"];
    };
  };
  /** The care organisations the LSP knows by URA (names for portals and displays) */
  addressBook: {
    responses: {
      /** @description entries */
      200: {
        content: {
          "application/json": {
              ura: string;
              name: string;
              organizationType: string;
            }[];
        };
      };
    };
  };
  /** Recorded consent choices, of one patient or all */
  listConsent: {
    parameters: {
      query?: {
        bsn?: string;
      };
    };
    responses: {
      /** @description choices */
      200: {
        content: {
          "application/json": components["schemas"]["Consent"][];
        };
      };
      400: components["responses"]["Problem"];
    };
  };
  /** Record a consent choice (recorded in the NEN 7513 log first) */
  setConsent: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["ConsentChoice"];
      };
    };
    responses: {
      /** @description recorded */
      200: {
        content: {
          "application/json": components["schemas"]["Consent"];
        };
      };
      400: components["responses"]["Problem"];
    };
  };
  /** Withdraw a consent choice (no choice means no) */
  withdrawConsent: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["ConsentKey"];
      };
    };
    responses: {
      /** @description withdrawn */
      204: {
        content: never;
      };
      400: components["responses"]["Problem"];
      404: components["responses"]["Problem"];
    };
  };
  /** What Mitz would answer for one holder, data and consulter category */
  consentDecision: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["ConsentKey"];
      };
    };
    responses: {
      /** @description decision */
      200: {
        content: {
          "application/json": {
            /** @enum {string} */
            decision: "Permit" | "Deny" | "NotApplicable";
            reason?: string;
            [key: string]: unknown;
          };
        };
      };
      400: components["responses"]["Problem"];
    };
  };
  /** A patient's consent choices as a FHIR searchset Bundle of Consent resources */
  consentAsFhir: {
    parameters: {
      query: {
        bsn: string;
      };
    };
    responses: {
      /** @description Bundle */
      200: {
        content: {
          "application/fhir+json": {
            [key: string]: unknown;
          };
        };
      };
      400: components["responses"]["Problem"];
    };
  };
  /** Organisations the LSP issued a URA credential to */
  listOrganisations: {
    responses: {
      /** @description organisations */
      200: {
        content: {
          "application/json": components["schemas"]["MemberRegistration"][];
        };
      };
    };
  };
  /** Register an organisation; its wallet gets a valid URA credential of the LSP (idempotent) */
  registerOrganisation: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["MemberRegistration"];
      };
    };
    responses: {
      /** @description registered */
      200: {
        content: {
          "application/json": components["schemas"]["MemberResult"];
        };
      };
      400: components["responses"]["Problem"];
      412: components["responses"]["Problem"];
      502: components["responses"]["Problem"];
    };
  };
  /** What the source systems hold (patients and resource counts per source) */
  listData: {
    responses: {
      /** @description per source */
      200: {
        content: {
          "application/json": {
              source: string;
              name: string;
              patients: {
                  bsn: string;
                  name?: string;
                  consent?: components["schemas"]["ConsentSetting"];
                }[];
              counts: {
                [key: string]: number;
              };
            }[];
        };
      };
    };
  };
  /** Import FHIR resources into one source system (kept for the next start) */
  importData: {
    requestBody: {
      content: {
        "application/json": {
          source: string;
          consent?: components["schemas"]["ConsentSetting"];
          resources: {
              resourceType: string;
              id: string;
              [key: string]: unknown;
            }[];
        };
      };
    };
    responses: {
      /** @description imported */
      200: {
        content: {
          "application/json": {
            source: string;
            resources: number;
            patients: {
                bsn: string;
                name?: string;
              }[];
            registrations: number;
            consent: components["schemas"]["ConsentSetting"];
          };
        };
      };
      400: components["responses"]["Problem"];
    };
  };
  /** One transaction Bundle per source system (importing them again restores the data) */
  exportData: {
    parameters: {
      query?: {
        source?: string;
        bsn?: string;
      };
    };
    responses: {
      /** @description Bundles by source id */
      200: {
        content: {
          "application/json": {
            [key: string]: {
              [key: string]: unknown;
            };
          };
        };
      };
      400: components["responses"]["Problem"];
      404: components["responses"]["Problem"];
    };
  };
  /** The reference index (which source holds data of which patient) */
  listRegistrations: {
    parameters: {
      query?: {
        bsn?: string;
      };
    };
    responses: {
      /** @description registrations */
      200: {
        content: {
          "application/json": {
              [key: string]: unknown;
            }[];
        };
      };
      400: components["responses"]["Problem"];
    };
  };
}
