// Generated from node/api/audit-v1.yaml by `npm run api:generate` (openapi-typescript); do not edit, change the OpenAPI file.


export interface paths {
  "/internal/audit/v1/records": {
    /** Search records, oldest first, with cursor paging */
    get: operations["searchRecords"];
    /** Record an event in this node's log (e.g. the ECD's own user action or outgoing request) */
    post: operations["recordEvent"];
  };
  "/internal/audit/v1/records/{id}": {
    /** One record */
    get: operations["getRecord"];
    /** Refused — the log is append-only */
    put: operations["updateRecord"];
    /** Refused — the log is append-only (retention removes closed periods internally) */
    delete: operations["deleteRecord"];
    /** Refused — the log is append-only */
    patch: operations["patchRecord"];
    parameters: {
      path: {
        id: string;
      };
    };
  };
  "/internal/audit/v1/patients/{bsn}/overview": {
    /** Who accessed one patient's data (NEN 7513 ch. 9), newest first, paged; each entry also as one sentence */
    get: operations["patientOverview"];
  };
  "/internal/audit/v1/export": {
    /**
     * Export as NDJSON (header line, checkpoints, records) or as a FHIR Bundle of AuditEvents (IHE BALP)
     * @description Only an unfiltered NDJSON export (`complete = true` in its header) verifies on its own.
     */
    get: operations["exportRecords"];
  };
  "/internal/audit/v1/verify": {
    /** Verify the hash chain and the signed checkpoints on the node itself */
    get: operations["verifyChain"];
  };
  "/internal/audit/v1/checkpoints": {
    /** Signed checkpoints (compact JWS over {typ, node, seq, hash, iat}) */
    get: operations["listCheckpoints"];
    /** Sign the current chain head now (no-op when already signed) */
    post: operations["createCheckpoint"];
  };
  "/internal/audit/v1/key": {
    /** The public key checkpoints verify with (kid node:<name>:audit-checkpoint) */
    get: operations["checkpointKey"];
  };
  "/internal/audit/v1/witnesses": {
    /** The peers that countersign this node's checkpoints (`audit.witnesses`), and how far each has witnessed */
    get: operations["listWitnesses"];
  };
  "/internal/audit/v1/witness/heads": {
    /**
     * Ask this node to witness (countersign) another node's checkpoint head
     * @description Certificate-Transparency style. The witness verifies the checkpoint JWS with `key`, pins that key for the node
     * at first contact (a later different key is refused), and checks that `links` chain the new head onto the last
     * head it holds for the node (seq, prevHash, hash of each record in between: no record content leaves the node).
     * It then countersigns the head, keeps it, and answers with the countersignature. Resending a witnessed head is
     * idempotent (200). A head that does not extend the held one (a fork, a rewind, a rewrite) is refused with 409.
     */
    post: operations["witnessHead"];
  };
  "/internal/audit/v1/witness/logs/{node}": {
    /**
     * What this node holds of another node's log as its witness (pinned key, countersigned heads)
     * @description `nuts-lsp-lab audit verify --witness` compares these heads with the log: a cut or re-signed log no longer matches.
     */
    get: operations["witnessedLog"];
  };
}

export type webhooks = Record<string, never>;

export interface components {
  schemas: {
    /** @enum {string} */
    EventCode: "fhir.read" | "fhir.search" | "fhir.create" | "fhir.update" | "fhir.delete" | "fhir.transaction" | "data.request.outgoing" | "security.emergency-access" | "oauth.token.granted" | "oauth.token.refused" | "oauth.introspect" | "vcr.issue" | "vcr.revoke" | "consent.update" | "audit.read" | "audit.export" | "audit.retention";
    Coding: {
      code: string;
      system: string;
      display?: string;
    };
    Actor: {
      /** @description NEN 7513 7.3.1 */
      userId: string;
      userIdSystem?: string;
      localUserId?: string;
      userName?: string;
      role?: components["schemas"]["Coding"];
      organisation?: {
        ura: string;
        name?: string;
      };
      responsible?: {
        id: string;
        name?: string;
        role?: components["schemas"]["Coding"];
      };
      clientId?: string;
      /** @enum {string} */
      kind?: "person" | "process";
    };
    AuditInput: components["schemas"]["AuditFields"] & {
      /** @description epoch ms of the start of the event */
      startedAt?: number;
      endedAt?: number;
    };
    /**
     * @description Successful patient-data events (fhir.*, data.request.outgoing, security.emergency-access) need actor.role,
     * actor.organisation and authorisation.scope or .protocol; a process actor needs `responsible`. Failed
     * outcomes need a description. `authorisation.token` is stored only as its SHA-256.
     */
    AuditFields: {
      event: components["schemas"]["EventCode"];
      /** @enum {string} */
      action?: "C" | "R" | "U" | "D" | "E";
      actor?: components["schemas"]["Actor"];
      patient?: {
        bsn: string;
        localId?: string;
      };
      object?: {
        type: string;
        id?: string;
        version?: string;
        query?: string;
        description?: string;
      };
      authorisation?: {
        protocol?: string;
        scope?: string;
        /** @example TREAT */
        purposeOfUse?: string;
        treatmentRelationProtocol?: string;
        tokenId?: string;
        token?: string;
        credentials?: {
            id?: string;
            type?: string;
          }[];
      };
      consent?: {
        profile?: string;
        id?: string;
        checks?: {
          authorisation?: boolean;
          treatmentRelation?: boolean;
          consent?: boolean;
          emergency?: boolean;
        };
      };
      breakTheGlass?: boolean;
      source?: {
        system?: string;
        node?: string;
        site?: string;
      };
      client?: {
        address?: string;
        system?: string;
      };
      peer?: {
        url?: string;
        ura?: string;
        name?: string;
      };
      outcome?: {
        /** @enum {string} */
        code: "0" | "4" | "8" | "12";
        description?: string;
        httpStatus?: number;
      };
      requestId?: string;
      traceId?: string;
      traceparent?: string;
    };
    AuditRecord: components["schemas"]["AuditFields"] & {
      /** Format: uuid */
      id: string;
      seq: number;
      node: string;
      /** Format: date-time */
      startedAt: string;
      /** Format: date-time */
      endedAt?: string;
      /** Format: date-time */
      recordedAt: string;
      /** @description hash of the record at seq - 1 (genesis 64 zeros) */
      prevHash: string;
      /** @description SHA-256 (hex) over the RFC 8785 form of the record without `hash` */
      hash: string;
    };
    OverviewEntry: {
      /** Format: date-time */
      when: string;
      event: string;
      what: string;
      action: string;
      actionText: string;
      organisation?: {
        ura: string;
        name?: string;
      };
      role?: components["schemas"]["Coding"];
      responsible?: {
        id: string;
        name?: string;
      };
      data?: {
        type: string;
        id?: string;
        query?: string;
      };
      authorisation?: {
        protocol?: string;
        scope?: string;
        purposeOfUse?: string;
      };
      consentProfile?: string;
      breakTheGlass: boolean;
      outcome: string;
      peer?: Record<string, unknown>;
      recordId: string;
      traceId?: string;
      /** @description the responsible person with role and organisation, e.g. "Anna de Vries (VVT.001, Thuiszorg De Zonnebloem)" */
      who: string;
      /** @description e.g. "searched medication agreements (MA)"; the raw query is data.query */
      did: string;
      /** @description the system the access came from */
      system: string;
      /** @description when: who did what, from which system — outcome */
      summary: string;
    };
    CheckpointKey: {
      kid?: string;
      /** @enum {string} */
      alg?: "ES256" | "EdDSA";
      publicJwk?: Record<string, unknown>;
    };
    WitnessRequest: {
      key: components["schemas"]["CheckpointKey"];
      checkpoint: components["schemas"]["Checkpoint"];
      /** @description the chain from the witnessed head (exclusive) to this checkpoint (inclusive); optional at first contact */
      links?: {
          seq: number;
          prevHash: string;
          hash: string;
        }[];
    };
    WitnessedHead: {
      witness?: string;
      node?: string;
      seq?: number;
      hash?: string;
      /** @description the node's checkpoint */
      jws?: string;
      /** @description compact JWS by the witness's checkpoint key over {typ, witness, node, seq, hash, checkpoint (SHA-256 of jws), iat} */
      countersignature?: string;
      receivedAt?: number;
    };
    Checkpoint: {
      seq?: number;
      hash?: string;
      createdAt?: number;
      jws?: string;
    };
    VerifyResult: {
      ok: boolean;
      records: number;
      checkpoints: number;
      lastCheckpointSeq?: number;
      witnessed?: {
          witness?: string;
          heads?: number;
          throughSeq?: number;
        }[];
      /** @description witnesses whose copy of the log was compared */
      witnessesChecked?: number;
      /** @description configured witnesses that could not be asked */
      witnessErrors?: string[];
      firstBroken?: {
        seq?: number;
        id?: string;
        /** @enum {string} */
        reason?: "hash_mismatch" | "prev_hash_mismatch" | "sequence_gap" | "out_of_order" | "column_mismatch" | "unparseable" | "checkpoint_signature" | "checkpoint_mismatch" | "unanchored_start" | "witness_key" | "witness_mismatch" | "witness_truncated";
        message?: string;
      };
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
  parameters: {
    /** @description the person reading the log */
    "X-User-Id"?: string;
    /** @description ISO 8601 or epoch ms; event start >= from */
    from?: string;
    /** @description ISO 8601 or epoch ms; event start < to */
    to?: string;
  };
  requestBodies: never;
  headers: never;
  pathItems: never;
}

export type $defs = Record<string, never>;

export type external = Record<string, never>;

export interface operations {

  /** Search records, oldest first, with cursor paging */
  searchRecords: {
    parameters: {
      query?: {
        /** @description BSN */
        patient?: string;
        /** @description actor user id */
        user?: string;
        /** @description URA of the organisation acted for */
        organisation?: string;
        event?: components["schemas"]["EventCode"];
        traceId?: string;
        requestId?: string;
        from?: components["parameters"]["from"];
        to?: components["parameters"]["to"];
        limit?: number;
        /** @description the `next` of the previous page */
        cursor?: string;
      };
      header?: {
        "X-User-Id"?: components["parameters"]["X-User-Id"];
      };
    };
    responses: {
      /** @description a page of records */
      200: {
        content: {
          "application/json": {
            records: components["schemas"]["AuditRecord"][];
            /** @description present when more records may follow */
            next?: string;
          };
        };
      };
      400: components["responses"]["Problem"];
      503: components["responses"]["Problem"];
    };
  };
  /** Record an event in this node's log (e.g. the ECD's own user action or outgoing request) */
  recordEvent: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["AuditInput"];
      };
    };
    responses: {
      /** @description stored (committed) record */
      201: {
        content: {
          "application/json": components["schemas"]["AuditRecord"];
        };
      };
      400: components["responses"]["Problem"];
      503: components["responses"]["Problem"];
    };
  };
  /** One record */
  getRecord: {
    parameters: {
      path: {
        id: string;
      };
    };
    responses: {
      /** @description the record */
      200: {
        content: {
          "application/json": components["schemas"]["AuditRecord"];
        };
      };
      404: components["responses"]["Problem"];
      503: components["responses"]["Problem"];
    };
  };
  /** Refused — the log is append-only */
  updateRecord: {
    parameters: {
      path: {
        id: string;
      };
    };
    responses: {
      405: components["responses"]["Problem"];
    };
  };
  /** Refused — the log is append-only (retention removes closed periods internally) */
  deleteRecord: {
    parameters: {
      path: {
        id: string;
      };
    };
    responses: {
      405: components["responses"]["Problem"];
    };
  };
  /** Refused — the log is append-only */
  patchRecord: {
    parameters: {
      path: {
        id: string;
      };
    };
    responses: {
      405: components["responses"]["Problem"];
    };
  };
  /** Who accessed one patient's data (NEN 7513 ch. 9), newest first, paged; each entry also as one sentence */
  patientOverview: {
    parameters: {
      query?: {
        from?: components["parameters"]["from"];
        to?: components["parameters"]["to"];
        limit?: number;
        /** @description entries to skip (the `next` of the previous page) */
        offset?: number;
      };
      header?: {
        "X-User-Id"?: components["parameters"]["X-User-Id"];
      };
      path: {
        /** @example 999911120 */
        bsn: string;
      };
    };
    responses: {
      /** @description overview */
      200: {
        content: {
          "application/json": {
            patient?: {
              bsn?: string;
            };
            /** @description entries in the whole overview */
            total: number;
            offset: number;
            limit: number;
            /** @description offset of the next (older) page; absent on the last page */
            next?: string;
            entries: components["schemas"]["OverviewEntry"][];
          };
        };
      };
      400: components["responses"]["Problem"];
      503: components["responses"]["Problem"];
    };
  };
  /**
   * Export as NDJSON (header line, checkpoints, records) or as a FHIR Bundle of AuditEvents (IHE BALP)
   * @description Only an unfiltered NDJSON export (`complete = true` in its header) verifies on its own.
   */
  exportRecords: {
    parameters: {
      query?: {
        format?: "ndjson" | "fhir";
        patient?: string;
        user?: string;
        organisation?: string;
        event?: components["schemas"]["EventCode"];
        from?: components["parameters"]["from"];
        to?: components["parameters"]["to"];
      };
    };
    responses: {
      /** @description the export */
      200: {
        content: {
          "application/x-ndjson": string;
          "application/fhir+json": Record<string, unknown>;
        };
      };
      400: components["responses"]["Problem"];
      503: components["responses"]["Problem"];
    };
  };
  /** Verify the hash chain and the signed checkpoints on the node itself */
  verifyChain: {
    responses: {
      /** @description result (also when broken; see `ok`) */
      200: {
        content: {
          "application/json": components["schemas"]["VerifyResult"];
        };
      };
      503: components["responses"]["Problem"];
    };
  };
  /** Signed checkpoints (compact JWS over {typ, node, seq, hash, iat}) */
  listCheckpoints: {
    responses: {
      /** @description checkpoints */
      200: {
        content: {
          "application/json": components["schemas"]["Checkpoint"][];
        };
      };
    };
  };
  /** Sign the current chain head now (no-op when already signed) */
  createCheckpoint: {
    responses: {
      /** @description the head was already signed */
      200: {
        content: never;
      };
      /** @description new checkpoint */
      201: {
        content: {
          "application/json": components["schemas"]["Checkpoint"];
        };
      };
    };
  };
  /** The public key checkpoints verify with (kid node:<name>:audit-checkpoint) */
  checkpointKey: {
    responses: {
      /** @description key */
      200: {
        content: {
          "application/json": components["schemas"]["CheckpointKey"];
        };
      };
    };
  };
  /** The peers that countersign this node's checkpoints (`audit.witnesses`), and how far each has witnessed */
  listWitnesses: {
    responses: {
      /** @description witnesses */
      200: {
        content: {
          "application/json": {
            node: string;
            witnesses: {
                url: string;
                witnessedThroughSeq?: number;
                lastError?: string;
              }[];
          };
        };
      };
    };
  };
  /**
   * Ask this node to witness (countersign) another node's checkpoint head
   * @description Certificate-Transparency style. The witness verifies the checkpoint JWS with `key`, pins that key for the node
   * at first contact (a later different key is refused), and checks that `links` chain the new head onto the last
   * head it holds for the node (seq, prevHash, hash of each record in between: no record content leaves the node).
   * It then countersigns the head, keeps it, and answers with the countersignature. Resending a witnessed head is
   * idempotent (200). A head that does not extend the held one (a fork, a rewind, a rewrite) is refused with 409.
   */
  witnessHead: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["WitnessRequest"];
      };
    };
    responses: {
      /** @description this head was already witnessed */
      200: {
        content: {
          "application/json": components["schemas"]["WitnessedHead"];
        };
      };
      /** @description witnessed now */
      201: {
        content: {
          "application/json": components["schemas"]["WitnessedHead"];
        };
      };
      400: components["responses"]["Problem"];
      409: components["responses"]["Problem"];
    };
  };
  /**
   * What this node holds of another node's log as its witness (pinned key, countersigned heads)
   * @description `nuts-lsp-lab audit verify --witness` compares these heads with the log: a cut or re-signed log no longer matches.
   */
  witnessedLog: {
    parameters: {
      query?: {
        /** @description only the newest head (what a node asks after a restart) */
        latest?: boolean;
      };
      path: {
        node: string;
      };
    };
    responses: {
      /** @description the witnessed log */
      200: {
        content: {
          "application/json": {
            witness: string;
            node: string;
            key: components["schemas"]["CheckpointKey"];
            heads: components["schemas"]["WitnessedHead"][];
          };
        };
      };
      404: components["responses"]["Problem"];
    };
  };
}
