// Generated from simulators/dezi/api/dezi-v1.yaml by `npm run api:generate` (openapi-typescript); do not edit, change the OpenAPI file.


export interface paths {
  "/internal/dezi/v1/care-workers": {
    /** The seeded care workers, each with the roles Dezi hands out a verklaring for */
    get: operations["listCareWorkers"];
  };
  "/internal/dezi/v1/revocations": {
    /**
     * Revoke one verklaring (verklaring_id), else every verklaring of a care worker (worker)
     * @description With `verklaring_id` only that verklaring is revoked, and it must have been issued by this simulator; without
     * it, `worker` names the care worker by handle or Dezi number and every verklaring of theirs, past and future, is
     * revoked until the revocations are lifted. Neither (or no body) is an unknown care worker: 404.
     */
    post: operations["revoke"];
    /** Lift every revocation (the scenario normal) */
    delete: operations["restore"];
  };
}

export type webhooks = Record<string, never>;

export interface components {
  schemas: {
    Revocation: {
      /**
       * @description the care worker's handle (chris) or Dezi number
       * @example chris
       */
      worker?: string;
      /** @description a verklaring this simulator issued */
      verklaring_id?: string;
    };
    CareWorker: {
      /**
       * @description short handle (CLI
       * @example chris
       */
      id: string;
      deziNummer: string;
      /** @description display name */
      name: string;
      /** @description the organisation (abonnee) the care worker logs in for */
      organisation: {
        ura: string;
        name: string;
      };
      roles: components["schemas"]["Role"][];
      /** @description the registration ended: every verklaring handed out is already expired */
      expired: boolean;
      /** @description why this care worker is seeded */
      note?: string;
    };
    Role: {
      /** @description rol_code */
      code: string;
      /** @description rol_naam */
      name: string;
      /** @description rol_code_bron */
      source: string;
      /** @description the role needs BIG registration */
      big: boolean;
    };
  };
  responses: {
    /** @description what was done, as one line */
    Done: {
      content: {
        "application/json": {
          /** @example every verklaring of Chris Jansen (Dezi 900010001) revoked at Dezi */
          message: string;
        };
      };
    };
    /** @description RFC 7807 problem (an unknown care worker, a verklaring this simulator did not issue) */
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
    /** @description the body is not JSON, or larger than 16 kB (Express's error page) */
    BodyNotRead: {
      content: {
        "text/html": string;
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

  /** The seeded care workers, each with the roles Dezi hands out a verklaring for */
  listCareWorkers: {
    responses: {
      /** @description care workers */
      200: {
        content: {
          "application/json": components["schemas"]["CareWorker"][];
        };
      };
    };
  };
  /**
   * Revoke one verklaring (verklaring_id), else every verklaring of a care worker (worker)
   * @description With `verklaring_id` only that verklaring is revoked, and it must have been issued by this simulator; without
   * it, `worker` names the care worker by handle or Dezi number and every verklaring of theirs, past and future, is
   * revoked until the revocations are lifted. Neither (or no body) is an unknown care worker: 404.
   */
  revoke: {
    requestBody?: {
      content: {
        "application/json": components["schemas"]["Revocation"];
      };
    };
    responses: {
      200: components["responses"]["Done"];
      400: components["responses"]["BodyNotRead"];
      404: components["responses"]["Problem"];
      413: components["responses"]["BodyNotRead"];
    };
  };
  /** Lift every revocation (the scenario normal) */
  restore: {
    responses: {
      200: components["responses"]["Done"];
    };
  };
}
