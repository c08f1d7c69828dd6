// Generated from node/api/monitoring-v1.yaml by `npm run api:generate` (openapi-typescript); do not edit, change the OpenAPI file.


export interface paths {
  "/health": {
    /** Aggregated health of the node's engines (Spring Boot Health format) */
    get: operations["checkHealth"];
  };
  "/status": {
    /** Liveness */
    get: operations["getStatus"];
  };
  "/status/diagnostics": {
    /** Who the node is (name, URL, organisation, version) and its health */
    get: operations["getDiagnostics"];
  };
}

export type webhooks = Record<string, never>;

export interface components {
  schemas: {
    CheckHealthResponse: {
      /** @description UP, DOWN or UNKNOWN */
      status: string;
      details: {
        [key: string]: components["schemas"]["HealthCheckResult"];
      };
    };
    HealthCheckResult: {
      /** @description UP, DOWN or UNKNOWN */
      status: string;
      details?: unknown;
    };
    Diagnostics: {
      name: string;
      /** @description public base URL */
      url: string;
      version?: string;
      organization: {
        ura?: string;
        name?: string;
      };
      health: components["schemas"]["CheckHealthResponse"];
      [key: string]: unknown;
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}

export type $defs = Record<string, never>;

export type external = Record<string, never>;

export interface operations {

  /** Aggregated health of the node's engines (Spring Boot Health format) */
  checkHealth: {
    responses: {
      /** @description all engines UP */
      200: {
        content: {
          "application/json": components["schemas"]["CheckHealthResponse"];
        };
      };
      /** @description an engine is DOWN */
      503: {
        content: {
          "application/json": components["schemas"]["CheckHealthResponse"];
        };
      };
    };
  };
  /** Liveness */
  getStatus: {
    responses: {
      /** @description "OK" when the node is up */
      200: {
        content: {
          "text/plain": string;
        };
      };
    };
  };
  /** Who the node is (name, URL, organisation, version) and its health */
  getDiagnostics: {
    responses: {
      /** @description diagnostics */
      200: {
        content: {
          "application/json": components["schemas"]["Diagnostics"];
        };
      };
    };
  };
}
