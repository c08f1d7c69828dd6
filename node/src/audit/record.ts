// The NEN 7513 record: the input callers give, its validation (one schema for code and HTTP), and the stored shape.
import { z } from 'zod';
import { AUDIT_ACTIONS, AUDIT_EVENT_CODES, type AuditAction, type AuditEventCode, type OutcomeCode } from './events.js';

/** Field limits of a record; writers that log what callers sent (the FHIR audit port) clip to these instead of failing. */
export const AUDIT_LIMITS = { text: 512, type: 128, code: 128, system: 256, scope: 1024, query: 8192, description: 2048 } as const;

const text = (max: number = AUDIT_LIMITS.text) => z.string().trim().min(1).max(max);
const CodingSchema = z.object({ code: text(AUDIT_LIMITS.code), system: text(AUDIT_LIMITS.system), display: text(256).optional() }).strict();

/** NEN 7513 §7.3: the user, the responsible natural person and the organisation they act for. */
export const ActorSchema = z
  .object({
    /** 7.3.1 gebruikers-ID (UZI number, employee id, client id for a process) */
    userId: text(),
    /** naming system of userId, e.g. http://fhir.nl/fhir/NamingSystem/uzi-nr-pers or the token issuer */
    userIdSystem: text(256).optional(),
    /** 7.3.2 lokale gebruikers-ID */
    localUserId: text().optional(),
    /** 7.3.3 */
    userName: text().optional(),
    /** 7.3.4 gebruikersrol (UZI role code, ISO 21298 functional role, or a VVT role) */
    role: CodingSchema.optional(),
    /** 7.3.6 "namens welke organisatie" */
    organisation: z.object({ ura: z.string().regex(/^\d{1,12}$/, 'URA must be digits'), name: text().optional() }).strict().optional(),
    /** 7.3.6–7.3.8 verantwoordelijke gebruiker: always a natural person; defaults to the user when omitted */
    responsible: z.object({ id: text(), name: text().optional(), role: CodingSchema.optional() }).strict().optional(),
    /** OAuth client_id of the application the user worked in */
    clientId: text().optional(),
    /**
     * 'person' (default, a care worker or operator), 'process' when no human initiated the event (then `responsible`
     * is required), 'patient' for the client themself, 'representative' for someone acting for the client (then
     * `mandate` names the mandate and the record's `patient` the represented client)
     */
    kind: z.enum(['person', 'process', 'patient', 'representative']).optional(),
    /** how the actor proved who they are: the means (DigiD, DigiD Machtigen, eIDAS, UZI card…) and the level of assurance reached */
    authentication: z.object({ means: text(64), loa: text(256).optional() }).strict().optional(),
    /** the mandate a representative acts under (e.g. a DigiD Machtigen service) */
    mandate: z.object({ service: text(256), name: text(256).optional() }).strict().optional(),
  })
  .strict();

export const AuditInputSchema = z
  .object({
    event: z.enum(AUDIT_EVENT_CODES as [AuditEventCode, ...AuditEventCode[]]),
    action: z.enum(AUDIT_ACTIONS as [AuditAction, ...AuditAction[]]).optional(),
    /** start of the event, epoch ms (NEN 7513 §7.2.3: the beginning); default: now */
    startedAt: z.number().int().nonnegative().optional(),
    endedAt: z.number().int().nonnegative().optional(),
    actor: ActorSchema.optional(),
    /** 7.4 the client (patient) where the event concerns one */
    patient: z.object({ bsn: z.string().regex(/^\d{9}$/, 'BSN must be 9 digits'), localId: text().optional() }).strict().optional(),
    /** 7.4 the object: resource type and id (version-specific when known) or the query */
    object: z
      .object({ type: text(AUDIT_LIMITS.type), id: text().optional(), version: text(64).optional(), query: z.string().max(AUDIT_LIMITS.query).optional(), description: z.string().max(AUDIT_LIMITS.description).optional() })
      .strict()
      .optional(),
    /** 7.4.6 autorisatieprotocol and the OAuth authorisation that granted the access */
    authorisation: z
      .object({
        protocol: text().optional(),
        scope: text(AUDIT_LIMITS.scope).optional(),
        /** v3-ActReason, e.g. TREAT, ETREAT (break-the-glass) */
        purposeOfUse: text(32).optional(),
        /** 7.4.7 behandelrelatieprotocol */
        treatmentRelationProtocol: text().optional(),
        /** JWT id of the access token (not secret) */
        tokenId: text().optional(),
        /** the raw access token: only its SHA-256 is kept, never the token */
        token: z.string().min(1).max(16384).optional(),
        credentials: z.array(z.object({ id: text(), type: text(256) }).strict()).max(32).optional(),
      })
      .strict()
      .optional(),
    /** 7.4.8 toestemmingsprofiel and 7.2.6 controles */
    consent: z
      .object({
        profile: text().optional(),
        id: text().optional(),
        checks: z.object({ authorisation: z.boolean(), treatmentRelation: z.boolean(), consent: z.boolean(), emergency: z.boolean() }).partial().strict().optional(),
      })
      .strict()
      .optional(),
    breakTheGlass: z.boolean().optional(),
    /** 7.5 log source; defaults to this node */
    source: z.object({ system: text().optional(), node: text().optional(), site: text().optional() }).strict().optional(),
    /** 7.3.9/10 toegangspunt: the caller's network address */
    client: z.object({ address: text(256).optional(), system: text().optional() }).strict().optional(),
    /** the other party of an exchange: the server for outgoing requests, the requesting organisation's system otherwise */
    peer: z.object({ url: text(1024).optional(), ura: text(32).optional(), name: text().optional() }).strict().optional(),
    outcome: z.object({ code: z.enum(['0', '4', '8', '12']), description: z.string().max(AUDIT_LIMITS.description).optional(), httpStatus: z.number().int().min(100).max(599).optional() }).strict().optional(),
    requestId: text(128).optional(),
    traceId: z.string().regex(/^[0-9a-f]{32}$/, 'trace id must be 32 lower-case hex').optional(),
    traceparent: z.string().regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/).optional(),
  })
  .strict();

export type AuditActor = z.infer<typeof ActorSchema>;
export type AuditInput = z.input<typeof AuditInputSchema>;
type ParsedInput = z.infer<typeof AuditInputSchema>;

/**
 * One stored record. Everything in it except `hash` is covered by `hash` = SHA-256 over the RFC 8785 form; `prevHash`
 * chains it to the record before (`seq` - 1). Times are ISO 8601 UTC.
 */
export interface AuditRecord {
  id: string;
  seq: number;
  node: string;
  event: AuditEventCode;
  action: AuditAction;
  startedAt: string;
  endedAt?: string;
  recordedAt: string;
  actor?: AuditActor;
  patient?: ParsedInput['patient'];
  object?: ParsedInput['object'];
  authorisation?: Omit<NonNullable<ParsedInput['authorisation']>, 'token'> & { tokenHash?: string };
  consent?: ParsedInput['consent'];
  breakTheGlass: boolean;
  source: { system: string; node: string; site?: string; url?: string };
  client?: ParsedInput['client'];
  peer?: ParsedInput['peer'];
  outcome: { code: OutcomeCode; description?: string; httpStatus?: number };
  requestId?: string;
  traceId?: string;
  traceparent?: string;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** Filter for queries and exports; `from`/`to` are epoch ms on `startedAt`, `to` exclusive. */
export interface AuditFilter {
  patient?: string;
  user?: string;
  organisation?: string;
  event?: AuditEventCode;
  traceId?: string;
  requestId?: string;
  from?: number;
  to?: number;
}
