// The FHIR interaction pipeline, independent of HTTP: route → token → authorise → consent → execute → check result → audit.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { currentContext } from '../core/context.js';
import type { Logger } from '../core/logger.js';
import { checkType, checkWritable, FhirError, type FhirBackend } from './backend.js';
import { blocksOfSearch, bsnsOf, namedPatient, patientIds, allowAllConsent, rejectAllTokens, FhirAuthoriser, type AccessTokenVerifier, type AuthzRule, type ConsentHook, type Decision, type Interaction } from './authz.js';
import { anonymousCaller, callerFromToken, internalCaller, withPatient, type ActiveToken, type AuthorisedPatient, type FhirCaller, type InternalUser } from './caller.js';
import { noAudit, type FhirAuditEvent, type FhirAuditHook } from './audit.js';
import { capabilityStatement } from './capability.js';
import { latestStopsBundle } from './latest-stops.js';
import { purgePatient, routeOperation, validationOutcome, type OperationCall } from './operations.js';
import type { ProfileValidator } from './profiles.js';
import { parseQueryString, parseSearch, type ParsedSearch } from './search.js';
import { blockOf, blocksOfType, ID_PATTERN, type BuildingBlock, type FhirResource } from './types.js';

export interface FhirRequest {
  method: string;
  /** path below the FHIR base, without leading slash or query: '', 'metadata', 'MedicationRequest', 'MedicationRequest/1', 'MedicationRequest/_search' */
  path: string;
  /** raw query string (without '?') */
  query: string;
  /** parsed JSON body, or for `_search` the form-encoded body as a string */
  body?: unknown;
  headers: { authorization?: string; dpop?: string; prefer?: string };
  /** the absolute request URL (DPoP `htu`) */
  url: string;
  /** internal surface only: the person the organisation's own system says acts (X-User-* headers), read by the HTTP adapter */
  internalUser?: InternalUser;  /** the request cannot be served as sent (unreadable body 400/413, unsupported body type 415, unacceptable format 406): refused by the pipeline, so the attempt is recorded */
  bodyProblem?: { status: number; message: string; expression?: string };
}

export interface FhirResponse {
  status: number;
  body?: FhirResource;
  headers: Record<string, string>;
}

export interface FhirServiceDeps {
  backend: FhirBackend;
  validator: ProfileValidator;
  authoriser: FhirAuthoriser;
  baseUrl: () => string;
  clock: () => number;
  verifier?: AccessTokenVerifier;
  consent?: ConsentHook;
  audit?: FhirAuditHook;
  software?: { name: string; version: string };
  /** where an access that could not be recorded is reported (error level, with the request id) */
  logger?: Pick<Logger, 'error'>;
}

interface Op {
  interaction: Interaction;
  resourceType?: string;
  id?: string;
  /** a search's pairs as received; parsed in the pipeline, after the type is known to be offered */
  query?: { pairs: Array<[string, string]>; strict: boolean };
  search?: ParsedSearch;
  body?: unknown;
  /** set for `$operation` requests (operations.ts), which run as the interaction they amount to */
  operation?: OperationCall;
}

type Surface = 'public' | 'internal';

export const AUTHZ_RULE_SYSTEM = 'urn:nuts-lsp-lab:fhir-authorisation-rule';

/** A refusal whose OperationOutcome names the refusing rule in details.coding and says why in diagnostics (403 unless the request itself is unusable). */
const refused = (rule: AuthzRule, reason: string, status = 403) => {
  const diagnostics = `refused by rule '${rule}': ${reason}`;
  const code = status === 403 ? 'forbidden' : 'invalid';
  return new FhirError(status, code, diagnostics, undefined, [{ severity: 'error', code, diagnostics, details: { coding: [{ system: AUTHZ_RULE_SYSTEM, code: rule }], text: rule } }]);
};
const denied = (d: Exclude<Decision, { allowed: true }>) => refused(d.rule, d.reason);

const referencedPatient = (id: string | undefined): AuthorisedPatient | undefined => (id ? { reference: `Patient/${id}` } : undefined);
const NINE_DIGITS = /^\d{9}$/;

/** Per-request audit facts, filled as the pipeline learns them; `caller` carries the authorised patient once decided. */
interface Trail {
  op?: Op;
  caller: FhirCaller;
  patientIds: Set<string>;
  bsns: Set<string>;
}

export class FhirService {
  verifier: AccessTokenVerifier;
  consent: ConsentHook;
  audit: FhirAuditHook;

  constructor(private readonly deps: FhirServiceDeps) {
    this.verifier = deps.verifier ?? rejectAllTokens;
    this.consent = deps.consent ?? allowAllConsent;
    this.audit = deps.audit ?? noAudit;
  }

  get backend(): FhirBackend {
    return this.deps.backend;
  }

  /** Handles one request on /fhir ('public', token required) or /internal/fhir ('internal', trusted system actor). */
  async handle(req: FhirRequest, surface: Surface): Promise<FhirResponse> {
    const trail: Trail = { caller: surface === 'internal' ? internalCaller(req.internalUser) : anonymousCaller, patientIds: new Set(), bsns: new Set() };
    let res: FhirResponse;
    try {
      res = await this.pipeline(req, surface, trail);
    } catch (e) {
      const fe = FhirError.from(e);
      if (!fe) this.deps.logger?.error({ err: e, requestId: currentContext()?.requestId }, 'FHIR interaction failed unexpectedly');
      // an unexpected failure is still an access attempt: it gets its record like any other answer
      res = errorResponse(fe ?? new FhirError(500, 'exception', 'the request could not be processed'));
    }
    await this.learnBsns(trail);
    try {
      await this.audit.record(this.auditEvent(req, surface, trail, res));
    } catch (e) {
      this.deps.logger?.error({ err: e, requestId: currentContext()?.requestId, surface, status: res.status }, 'FHIR access could not be recorded in the audit log; answer withheld');
      // no record, no data: the answer is withheld
      return errorResponse(new FhirError(503, 'transient', 'the access could not be recorded in the audit log; no data is returned'));
    }
    return res;
  }

  private async pipeline(req: FhirRequest, surface: Surface, trail: Trail): Promise<FhirResponse> {
    const op = this.route(req);
    trail.op = op;
    if (op.interaction === 'capabilities') {
      return ok(200, capabilityStatement({ baseUrl: this.deps.baseUrl(), software: this.deps.software?.name ?? 'nuts-lsp-lab', version: this.deps.software?.version ?? '0', validator: this.deps.validator, writable: true, clock: this.deps.clock }));
    }
    const token = surface === 'public' ? await this.authenticate(req) : undefined;
    if (token) trail.caller = callerFromToken(token);
    if (req.bodyProblem) {
      const { status, message, expression } = req.bodyProblem;
      throw new FhirError(status, status === 413 ? 'too-costly' : status === 415 || status === 406 ? 'not-supported' : 'structure', message, expression ? [expression] : undefined);
    }
    const az = this.deps.authoriser;
    const backend = this.deps.backend;
    // default-deny on /fhir: a type not granted in fhir-authorisation.json is refused before anything is read
    if (token && op.resourceType) {
      const t = az.mayAccessType(op.resourceType);
      if (!t.allowed) throw denied(t);
    }
    switch (op.interaction) {
      case 'search': {
        // an operation ($latest-stops) arrives parsed; a plain search is parsed here, once its type is known to be offered
        const q = op.search ?? parseSearch(op.resourceType!, op.query!.pairs, { strict: op.query!.strict });
        op.search = q;
        // the one patient, decided once from the parsed query on both surfaces; every later stage gets it through the caller
        const named = namedPatient(q);
        if (!named.ok && named.status === 400) throw refused(named.rule, named.reason, 400);
        // whose data: the BSN a query names goes into the record on both surfaces, refused searches included (NEN 7513 7.4)
        if (named.ok && named.patient.bsn) trail.bsns.add(named.patient.bsn);
        let patient = named.ok ? named.patient : undefined;
        if (token) {
          const d = az.beforeSearch(token, q, named);
          if (!d.allowed) throw denied(d);
          patient = d.patient;
        }
        const caller = (trail.caller = withPatient(trail.caller, patient));
        if (token) await this.askConsent(caller, 'search', blocksOfSearch(q));
        let bundle = await backend.search(q, caller);
        if (op.operation?.name === 'latest-stops') bundle = latestStopsBundle(bundle, this.deps.clock());
        // outcome entries (a broker's notes per source) describe the search; everything else is data to authorise
        const resources = (bundle.entry ?? []).map((e: any) => e?.resource).filter((r: any) => r && r.resourceType !== 'OperationOutcome') as FhirResource[];
        this.learn(trail, resources);
        if (token) {
          const d = az.checkResult(token, 'search', resources, patient?.reference?.slice('Patient/'.length), { noPatientData: az.patientScope(q.resourceType) === 'no-patient-data' });
          if (!d.allowed) throw denied(d);
        }
        return ok(200, bundle);
      }
      case 'read': {
        const r = await backend.read(op.resourceType!, op.id!, trail.caller);
        if (!r) throw new FhirError(404, 'not-found', `${op.resourceType}/${op.id} not found`);
        this.learn(trail, [r]);
        // a read is authorised for the patient the resource belongs to
        const caller = (trail.caller = withPatient(trail.caller, referencedPatient(patientIds([r])[0])));
        if (token) {
          const d = az.checkResult(token, 'read', [r]);
          if (!d.allowed) throw denied(d);
          await this.askConsent(caller, 'read', blocksOfResources([r]));
        }
        if (op.operation?.name === 'validate') return ok(200, validationOutcome(this.deps.validator, r, op.operation.profile));
        return ok(200, r, r.meta?.versionId ? { etag: `W/"${r.meta.versionId}"` } : {});
      }
      case 'validate': {
        const call = op.operation!;
        const r = call.resource as FhirResource;
        if (!r || typeof r !== 'object' || r.resourceType !== op.resourceType) throw new FhirError(400, 'invalid', `$validate on ${op.resourceType} needs a ${op.resourceType} resource`, ['resource']);
        return ok(200, validationOutcome(this.deps.validator, r, call.profile));
      }
      case 'create':
      case 'update': {
        const resource = checkWritable(this.deps.validator, op.body, op.resourceType!, op.interaction === 'update' ? op.id : undefined);
        this.learn(trail, [resource]);
        if (token) {
          const d = az.beforeWrite(token, op.interaction, resource);
          if (!d.allowed) throw denied(d);
          // replacing a resource also needs the right to change what is there now, and may not move it to another patient
          const existing = op.interaction === 'update' ? await backend.read(resource.resourceType, op.id!, trail.caller) : undefined;
          if (existing) {
            this.learn(trail, [existing]);
            const e = az.beforeWrite(token, 'update', existing);
            if (!e.allowed) throw denied(e);
            const c = az.checkResult(token, 'read', [existing, resource]);
            if (!c.allowed) throw denied(c);
          }
        }
        const caller = (trail.caller = withPatient(trail.caller, referencedPatient(patientIds([resource])[0])));
        if (token) await this.askConsent(caller, op.interaction, blocksOfResources([resource]));
        if (op.interaction === 'create') {
          const created = await backend.create(resource, caller);
          op.id = created.id;
          return ok(201, created, { location: `${this.deps.baseUrl()}/${created.resourceType}/${created.id}/_history/${created.meta?.versionId ?? '1'}` });
        }
        const { resource: stored, created } = await backend.update(resource as FhirResource & { id: string }, caller);
        return ok(created ? 201 : 200, stored, { etag: `W/"${stored.meta?.versionId ?? '1'}"` });
      }
      case 'delete': {
        if (op.operation?.name === 'purge') {
          // test-data housekeeping (Nictiz _LoadResources): never offered to remote parties
          if (token) throw denied({ allowed: false, rule: 'interaction', reason: '$purge is accepted on the internal endpoint only' });
          const gone = await purgePatient(backend, op.id!, trail.caller);
          this.learn(trail, gone);
          return ok(200, { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational', diagnostics: `purged Patient/${op.id} and ${Math.max(0, gone.length - 1)} resource(s) of its compartment` }] });
        }
        // read first on both surfaces: the record must name whose data was deleted (a backend that cannot read it has nothing to show)
        const existing = await backend.read(op.resourceType!, op.id!, trail.caller).catch((e: unknown) => {
          if (FhirError.from(e)?.status === 404) return undefined;
          throw e;
        });
        if (existing) this.learn(trail, [existing]);
        if (token) {
          // a role without delete rights learns nothing, not even whether the resource exists
          const d = existing ? az.beforeWrite(token, 'delete', existing) : az.mayDo(token, 'delete', blocksOfType(op.resourceType!));
          if (!d.allowed) throw denied(d);
        }
        const caller = (trail.caller = withPatient(trail.caller, referencedPatient(existing ? patientIds([existing])[0] : undefined)));
        await backend.delete(op.resourceType!, op.id!, caller);
        return { status: 204, headers: {} };
      }
      case 'transaction':
      case 'batch': {
        // entries would each need their own decision; remote parties write single resources instead
        if (token) throw denied({ allowed: false, rule: 'interaction', reason: `${op.interaction} Bundles are accepted on the internal endpoint only` });
        const out = await backend.bundle(op.body as FhirResource, trail.caller);
        this.learn(trail, (out.entry ?? []).map((e: any) => e?.resource).filter(Boolean));
        return ok(200, out);
      }
    }
    throw new FhirError(400, 'not-supported', `interaction ${op.interaction} not supported`);
  }

  private route(req: FhirRequest): Op {
    const parts = req.path.split('/').filter(Boolean);
    const m = req.method.toUpperCase();
    const badMethod = () => new FhirError(405, 'not-supported', `${m} is not allowed on /${req.path}`);
    if (parts.length === 0) {
      if (m !== 'POST') throw badMethod();
      const b = req.body as FhirResource | undefined;
      if (b?.resourceType !== 'Bundle' || (b.type !== 'transaction' && b.type !== 'batch')) throw new FhirError(400, 'invalid', 'a POST to the base must carry a Bundle of type transaction or batch', ['Bundle.type']);
      return { interaction: b.type, body: b };
    }
    if (parts.some((p) => p.startsWith('$'))) return operationOp(routeOperation(m, parts, req.query, req.body));
    if (parts[0] === 'metadata' && parts.length === 1) {
      if (m !== 'GET') throw badMethod();
      return { interaction: 'capabilities' };
    }
    const [type, id, extra] = parts as [string, string | undefined, string | undefined];
    if (extra !== undefined) throw new FhirError(404, 'not-supported', `/${req.path} is not supported (no history or operations)`);
    checkType(type);
    const strict = /handling\s*=\s*strict/i.test(req.headers.prefer ?? '');
    if (id === undefined) {
      if (m === 'GET') return { interaction: 'search', resourceType: type, query: { pairs: parseQueryString(req.query), strict } };
      if (m === 'POST') return { interaction: 'create', resourceType: type, body: req.body };
      throw badMethod();
    }
    if (id === '_search') {
      if (m !== 'POST') throw badMethod();
      const form = typeof req.body === 'string' ? req.body : '';
      const pairs = [...parseQueryString(req.query), ...parseQueryString(form)];
      return { interaction: 'search', resourceType: type, query: { pairs, strict } };
    }
    // an id no FHIR server can hold is refused before any backend sees it (and kept out of the record as given)
    if (!ID_PATTERN.test(id)) throw new FhirError(400, 'invalid', `'${id.length > 64 ? `${id.slice(0, 64)}…` : id}' is not a valid FHIR id (1–64 of A–Z a–z 0–9 - .)`, [`${type}.id`]);
    if (m === 'GET') return { interaction: 'read', resourceType: type, id };
    if (m === 'PUT') return { interaction: 'update', resourceType: type, id, body: req.body };
    if (m === 'DELETE') return { interaction: 'delete', resourceType: type, id };
    throw badMethod();
  }

  private async authenticate(req: FhirRequest): Promise<ActiveToken> {
    const auth = req.headers.authorization;
    const scheme = auth?.split(' ')[0]?.toLowerCase();
    if (!auth || (scheme !== 'bearer' && scheme !== 'dpop')) {
      throw Object.assign(new FhirError(401, 'login', 'an access token is required (Authorization: Bearer or DPoP)'), { wwwAuthenticate: 'Bearer realm="fhir", DPoP realm="fhir" algs="ES256 EdDSA"' });
    }
    const r = await this.verifier.verify({ authorization: auth, dpop: req.headers.dpop, method: req.method.toUpperCase(), url: req.url });
    if (r.active) return r;
    // a header value holds printable ASCII only: whatever a refusal quotes (values from the caller's proof) is reduced to it
    const quoted = r.reason.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?').slice(0, 512);
    const challenge = scheme === 'dpop' || r.error === 'invalid_dpop_proof' ? `DPoP error="${r.error}", error_description="${quoted}", algs="ES256 EdDSA"` : `Bearer error="${r.error}", error_description="${quoted}"`;
    const refusal = 'malformed' in r && r.malformed ? new FhirError(400, 'invalid', `access token refused: ${r.reason}`) : new FhirError(401, 'login', `access token refused: ${r.reason}`);
    throw Object.assign(refusal, { wwwAuthenticate: challenge });
  }

  private async askConsent(caller: FhirCaller, interaction: Interaction, blocks: BuildingBlock[]): Promise<void> {
    const answer = await this.consent.check({ interaction, caller, blocks });
    if (!answer.permit) throw denied({ allowed: false, rule: 'consent', reason: answer.reason });
  }

  private learn(trail: Trail, resources: FhirResource[]): void {
    for (const id of patientIds(resources)) trail.patientIds.add(id);
    // a record names a patient by a 9-digit BSN only; other values in stored data are no BSN to log
    for (const b of bsnsOf(resources)) if (NINE_DIGITS.test(b)) trail.bsns.add(b);
  }

  /**
   * A record names the patient by BSN (NEN 7513 7.4). Data resources point at a Patient id only, so when no BSN came
   * with the request or the answer, or when more than one patient is involved, the Patients are looked up (best effort).
   */
  private async learnBsns(trail: Trail): Promise<void> {
    if ((trail.bsns.size && trail.patientIds.size < 2) || trail.patientIds.size === 0 || trail.patientIds.size > 8) return;
    for (const id of trail.patientIds) {
      if (!ID_PATTERN.test(id)) continue;
      try {
        const p = await this.deps.backend.read('Patient', id, trail.caller);
        if (p) this.learn(trail, [p]);
      } catch {
        // best effort: a backend that cannot read the Patient (the LSP holds none) leaves the record with the Patient id
      }
    }
  }

  private auditEvent(req: FhirRequest, surface: Surface, trail: Trail, res: FhirResponse): FhirAuditEvent {
    const ctx = currentContext();
    const op = trail.op ?? attempted(req);
    const issue = res.body?.resourceType === 'OperationOutcome' ? res.body.issue?.[0] : undefined;
    const accessToken = surface === 'public' ? /^(?:Bearer|DPoP)\s+(\S+)$/i.exec(req.headers.authorization?.trim() ?? '')?.[1] : undefined;
    const patient = trail.patientIds.size || trail.bsns.size ? { ...(trail.bsns.size ? { bsn: [...trail.bsns] } : {}), ...(trail.patientIds.size ? { id: [...trail.patientIds] } : {}) } : undefined;
    return {
      interaction: op?.interaction ?? (req.method.toUpperCase() === 'GET' ? 'read' : 'create'),
      surface,
      ...(op?.resourceType ? { resourceType: op.resourceType } : {}),
      ...(op?.id ? { id: op.id } : {}),
      ...(patient ? { patient } : {}),
      ...(op?.interaction === 'search' ? { query: req.query } : {}),
      outcome: { status: res.status, ...(issue ? { summary: `${issue.code}: ${issue.diagnostics}` } : {}) },
      caller: trail.caller,
      ...(ctx ? { requestId: ctx.requestId, traceId: ctx.traceId } : {}),
      ...(accessToken ? { accessToken } : {}),
    };
  }
}

/** What a request refused before it was routed (bad parameters, unknown type) was attempting, for its record. */
function attempted(req: FhirRequest): Op {
  const [type, id] = req.path.split('/').filter(Boolean);
  const m = req.method.toUpperCase();
  const resourceType = type && /^[A-Z][A-Za-z]{0,63}$/.test(type) ? type : undefined;
  if (!type) return { interaction: m === 'POST' ? 'transaction' : 'read' };
  if (id === '_search' || (m === 'GET' && id === undefined)) return { interaction: 'search', resourceType };
  const safeId = id && /^[A-Za-z0-9.-]{1,64}$/.test(id) ? id : undefined;
  const interaction: Interaction = m === 'GET' ? 'read' : m === 'PUT' ? 'update' : m === 'DELETE' ? 'delete' : 'create';
  return { interaction, resourceType, ...(safeId ? { id: safeId } : {}) };
}

/** An operation runs as the interaction it amounts to: $latest-stops a search, instance $validate a read, $purge a delete. */
function operationOp(call: OperationCall): Op {
  const base = { resourceType: call.resourceType, operation: call, ...(call.id ? { id: call.id } : {}) };
  if (call.name === 'latest-stops') return { ...base, interaction: 'search', search: call.search };
  if (call.name === 'purge') return { ...base, interaction: 'delete' };
  return { ...base, interaction: call.id ? 'read' : 'validate' };
}

/** The building blocks of resources read or written, for the consent question. */
function blocksOfResources(resources: FhirResource[]): BuildingBlock[] {
  return resources.map(blockOf).filter((b): b is BuildingBlock => !!b);
}

function ok(status: number, body: FhirResource, headers: Record<string, string> = {}): FhirResponse {
  return { status, body, headers };
}

export function errorResponse(e: FhirError): FhirResponse {
  const issues = e.issues?.length ? e.issues : [{ severity: 'error' as const, code: e.issueCode, diagnostics: e.message, ...(e.expression ? { expression: e.expression } : {}) }];
  const www = (e as FhirError & { wwwAuthenticate?: string }).wwwAuthenticate;
  return { status: e.status, body: { resourceType: 'OperationOutcome', issue: issues }, headers: www ? { 'www-authenticate': www } : {} };
}
