// The FHIR interaction pipeline, independent of HTTP: route → token → handler (authorise → consent → execute → check result) → encode → audit.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { currentContext } from '../core/context.js';
import type { Logger } from '../core/logger.js';
import { checkType, checkWritable, type FhirBackend } from './backend.js';
import { FhirError } from './errors.js';
import { blocksOfSearch, bsnsOf, namedPatient, patientIds, allowAllConsent, rejectAllTokens, FhirAuthoriser, type AccessTokenVerifier, type AuthzRule, type ConsentHook, type Decision, type Interaction } from './authz.js';
import { anonymousCaller, callerFromToken, internalCaller, withPatient, type ActiveToken, type AuthorisedPatient, type FhirCaller, type InternalUser } from './caller.js';
import { noAudit, type FhirAuditEvent, type FhirAuditHook } from './audit.js';
import { capabilityStatement } from './capability.js';
import { latestStopsBundle } from './latest-stops.js';
import { purgePatient, routeOperation, validationOutcome, type OperationCall } from './operations.js';
import type { ProfileValidator } from './profiles.js';
import { parseQueryString, parseSearch, type ParsedSearch } from './search.js';
import { serialise, type FhirFormat } from './api/format.js';
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
  internalUser?: InternalUser;
  /** the request cannot be served as sent (unreadable body 400/413, unsupported body type 415, unacceptable format 406): refused by the pipeline, so the attempt is recorded */
  bodyProblem?: { status: number; message: string; expression?: string };
  /** the adapter failed unexpectedly while reading the request (a defect): refused by the pipeline with a 500, so the attempt is recorded */
  adapterFailure?: unknown;
  /**
   * The format the answer is wanted in (negotiated by the adapter). Given, the answer is encoded (`payload`) before it
   * is recorded: an answer that cannot be written in that format is a recorded failure, not a recorded success.
   */
  format?: FhirFormat;
}

export interface FhirResponse {
  status: number;
  body?: FhirResource;
  /** `body` encoded in the request's `format`, when one was asked for */
  payload?: string;
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
  /** a search's pairs as received; parsed by the search handler, after the type is known to be offered */
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
  const issueCode = status === 403 ? 'forbidden' : 'invalid';
  return new FhirError({ status, issueCode, message: diagnostics, issues: [{ severity: 'error', code: issueCode, diagnostics, details: { coding: [{ system: AUTHZ_RULE_SYSTEM, code: rule }], text: rule } }] });
};
const denied = (d: Exclude<Decision, { allowed: true }>) => refused(d.rule, d.reason);
/** Interactions a remote party (token) may never ask for: their refusal needs no role matrix. */
const internalOnly = (reason: string) => denied({ allowed: false, rule: 'interaction', reason });

const referencedPatient = (id: string | undefined): AuthorisedPatient | undefined => (id ? { reference: `Patient/${id}` } : undefined);
const NINE_DIGITS = /^\d{9}$/;

/** Per-request audit facts, filled as the pipeline learns them; `caller` carries the authorised patient once decided. */
interface Trail {
  op?: Op;
  caller: FhirCaller;
  patientIds: Set<string>;
  bsns: Set<string>;
}

/** What a handler gets: the routed interaction, the verified token (/fhir only) and the trail it fills for the record. */
interface Exchange {
  op: Op;
  token?: ActiveToken;
  trail: Trail;
}

type Handler = (x: Exchange) => Promise<FhirResponse>;

/** Served without a token and before anything is read: the CapabilityStatement. */
const OPEN: ReadonlySet<Interaction> = new Set(['capabilities']);

export class FhirService {
  verifier: AccessTokenVerifier;
  consent: ConsentHook;
  audit: FhirAuditHook;

  /** One handler per interaction (Medplum's router table); an operation arrives as the interaction it amounts to. */
  private readonly handlers: Record<Interaction, Handler> = {
    capabilities: async () => ok(200, capabilityStatement({ baseUrl: this.deps.baseUrl(), software: this.deps.software?.name ?? 'nuts-lsp-lab', version: this.deps.software?.version ?? '0', validator: this.deps.validator, writable: true, clock: this.deps.clock })),
    search: (x) => this.search(x),
    read: (x) => this.read(x),
    validate: (x) => this.validate(x),
    create: (x) => this.write(x),
    update: (x) => this.write(x),
    delete: (x) => this.delete(x),
    transaction: (x) => this.bundle(x),
    batch: (x) => this.bundle(x),
  };

  constructor(private readonly deps: FhirServiceDeps) {
    this.verifier = deps.verifier ?? rejectAllTokens;
    this.consent = deps.consent ?? allowAllConsent;
    this.audit = deps.audit ?? noAudit;
  }

  get backend(): FhirBackend {
    return this.deps.backend;
  }

  /**
   * Handles one request on /fhir ('public', token required) or /internal/fhir ('internal', trusted system actor).
   * Whatever happens (a refusal, a backend's unexpected exception, an answer that cannot be encoded) ends in an
   * answer and its audit record; only a record that cannot be written withholds the answer (503).
   */
  async handle(req: FhirRequest, surface: Surface): Promise<FhirResponse> {
    const trail: Trail = { caller: anonymousCaller, patientIds: new Set(), bsns: new Set() };
    let res: FhirResponse;
    try {
      if (surface === 'internal') trail.caller = internalCaller(req.internalUser);
      res = encoded(await this.pipeline(req, surface, trail), req.format);
    } catch (e) {
      res = encoded(this.failure(e), req.format);
    }
    await this.learnBsns(trail);
    let event: FhirAuditEvent;
    try {
      event = this.auditEvent(req, surface, trail, res);
    } catch (e) {
      // a record that cannot name what happened still records that something did; the answer is not trusted either
      res = encoded(this.failure(e), req.format);
      event = { interaction: trail.op?.interaction ?? 'read', surface, outcome: { status: res.status }, caller: trail.caller };
    }
    try {
      await this.audit.record(event);
    } catch (e) {
      this.deps.logger?.error({ err: e, requestId: currentContext()?.requestId, surface, status: res.status }, 'FHIR access could not be recorded in the audit log; answer withheld');
      // no record, no data: the answer is withheld
      return encoded(errorResponse(new FhirError({ status: 503, issueCode: 'transient', message: 'the access could not be recorded in the audit log; no data is returned' })), req.format);
    }
    return res;
  }

  /** The answer to a thrown value: a FHIR refusal as itself, anything else a logged 500 that tells the caller nothing more. */
  private failure(e: unknown): FhirResponse {
    const fe = FhirError.from(e);
    if (fe) return errorResponse(fe);
    this.deps.logger?.error({ err: e, requestId: currentContext()?.requestId }, 'FHIR interaction failed unexpectedly');
    return errorResponse(new FhirError({ status: 500, issueCode: 'exception', message: 'the request could not be processed', cause: e }));
  }

  private async pipeline(req: FhirRequest, surface: Surface, trail: Trail): Promise<FhirResponse> {
    const { op, refusal } = route(req);
    trail.op = op;
    if (refusal) throw refusal;
    const x: Exchange = { op, trail };
    if (!OPEN.has(op.interaction)) {
      if (surface === 'public') {
        x.token = await this.authenticate(req);
        trail.caller = callerFromToken(x.token);
      }
      if (req.bodyProblem) {
        const { status, message, expression } = req.bodyProblem;
        throw new FhirError({ status, issueCode: status === 413 ? 'too-costly' : status === 415 || status === 406 ? 'not-supported' : 'structure', message, expression: expression ? [expression] : undefined });
      }
      if (req.adapterFailure !== undefined) throw req.adapterFailure;
      // default-deny on /fhir: a type not granted in fhir-authorisation.json is refused before anything is read
      if (op.resourceType) this.authorise(x, (az) => az.mayAccessType(op.resourceType!));
    }
    return await this.handlers[op.interaction](x);
  }

  /**
   * The role matrix's decision on /fhir (a token); the internal surface's own systems are trusted and not asked.
   * A refusal throws; an allowed decision is returned (undefined without a token).
   */
  private authorise<D extends Decision>(x: Exchange, decide: (az: FhirAuthoriser, token: ActiveToken) => D): (D & { allowed: true }) | undefined {
    if (!x.token) return undefined;
    const d = decide(this.deps.authoriser, x.token);
    if (!d.allowed) throw denied(d as Exclude<Decision, { allowed: true }>);
    return d as D & { allowed: true };
  }

  /** The consent hook's answer on /fhir (the internal surface is the organisation's own record-keeping). */
  private async askConsent(x: Exchange, interaction: Interaction, blocks: BuildingBlock[]): Promise<void> {
    if (!x.token) return;
    const answer = await this.consent.check({ interaction, caller: x.trail.caller, blocks });
    if (!answer.permit) throw denied({ allowed: false, rule: 'consent', reason: answer.reason });
  }

  private async search(x: Exchange): Promise<FhirResponse> {
    const { op, trail } = x;
    // an operation ($latest-stops) arrives parsed; a plain search is parsed here, once its type is known to be offered
    const q = (op.search ??= parseSearch(op.resourceType!, op.query!.pairs, { strict: op.query!.strict }));
    // the one patient, decided once from the parsed query on both surfaces; every later stage gets it through the caller
    const named = namedPatient(q);
    if (!named.ok && named.status === 400) throw refused(named.rule, named.reason, 400);
    // whose data: the BSN a query names goes into the record on both surfaces, refused searches included (NEN 7513 7.4)
    if (named.ok && named.patient.bsn) trail.bsns.add(named.patient.bsn);
    const decided = this.authorise(x, (az, token) => az.beforeSearch(token, q, named));
    const patient = decided ? decided.patient : named.ok ? named.patient : undefined;
    const caller = (trail.caller = withPatient(trail.caller, patient));
    await this.askConsent(x, 'search', blocksOfSearch(q));
    let bundle = await this.deps.backend.search(q, caller);
    if (op.operation?.name === 'latest-stops') bundle = latestStopsBundle(bundle, this.deps.clock());
    // outcome entries (a broker's notes per source) describe the search; everything else is data to authorise
    const resources = (bundle.entry ?? []).map((e: any) => e?.resource).filter((r: any) => r && r.resourceType !== 'OperationOutcome') as FhirResource[];
    this.learn(trail, resources);
    this.authorise(x, (az, token) => az.checkResult(token, 'search', resources, patient?.reference?.slice('Patient/'.length), { noPatientData: az.patientScope(q.resourceType) === 'no-patient-data' }));
    return ok(200, bundle);
  }

  private async read(x: Exchange): Promise<FhirResponse> {
    const { op, trail } = x;
    const r = await this.deps.backend.read(op.resourceType!, op.id!, trail.caller);
    if (!r) throw new FhirError({ status: 404, issueCode: 'not-found', message: `${op.resourceType}/${op.id} not found` });
    this.learn(trail, [r]);
    // a read is authorised for the patient the resource belongs to
    trail.caller = withPatient(trail.caller, referencedPatient(patientIds([r])[0]));
    this.authorise(x, (az, token) => az.checkResult(token, 'read', [r]));
    await this.askConsent(x, 'read', blocksOfResources([r]));
    if (op.operation?.name === 'validate') return ok(200, validationOutcome(this.deps.validator, r, op.operation.profile));
    return ok(200, r, r.meta?.versionId ? { etag: `W/"${r.meta.versionId}"` } : {});
  }

  private async validate({ op }: Exchange): Promise<FhirResponse> {
    const call = op.operation!;
    const r = call.resource as FhirResource;
    if (!r || typeof r !== 'object' || r.resourceType !== op.resourceType) throw new FhirError({ status: 400, issueCode: 'invalid', message: `$validate on ${op.resourceType} needs a ${op.resourceType} resource`, expression: ['resource'] });
    return ok(200, validationOutcome(this.deps.validator, r, call.profile));
  }

  /** create and update: the profiles, then the right to write it and (update) to change what is there now. */
  private async write(x: Exchange): Promise<FhirResponse> {
    const { op, trail } = x;
    const interaction = op.interaction as 'create' | 'update';
    const backend = this.deps.backend;
    const resource = checkWritable(this.deps.validator, op.body, op.resourceType!, interaction === 'update' ? op.id : undefined);
    this.learn(trail, [resource]);
    if (x.token) {
      this.authorise(x, (az, token) => az.beforeWrite(token, interaction, resource));
      // replacing a resource also needs the right to change what is there now, and may not move it to another patient
      const existing = interaction === 'update' ? await backend.read(resource.resourceType, op.id!, trail.caller) : undefined;
      if (existing) {
        this.learn(trail, [existing]);
        this.authorise(x, (az, token) => az.beforeWrite(token, 'update', existing));
        this.authorise(x, (az, token) => az.checkResult(token, 'read', [existing, resource]));
      }
    }
    const caller = (trail.caller = withPatient(trail.caller, referencedPatient(patientIds([resource])[0])));
    await this.askConsent(x, interaction, blocksOfResources([resource]));
    if (interaction === 'create') {
      const created = await backend.create(resource, caller);
      op.id = created.id;
      return ok(201, created, { location: `${this.deps.baseUrl()}/${created.resourceType}/${created.id}/_history/${created.meta?.versionId ?? '1'}` });
    }
    const { resource: stored, created } = await backend.update(resource as FhirResource & { id: string }, caller);
    return ok(created ? 201 : 200, stored, { etag: `W/"${stored.meta?.versionId ?? '1'}"` });
  }

  private async delete(x: Exchange): Promise<FhirResponse> {
    const { op, trail } = x;
    const backend = this.deps.backend;
    if (op.operation?.name === 'purge') {
      // test-data housekeeping (Nictiz _LoadResources): never offered to remote parties
      if (x.token) throw internalOnly('$purge is accepted on the internal endpoint only');
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
    // a role without delete rights learns nothing, not even whether the resource exists
    this.authorise(x, (az, token) => (existing ? az.beforeWrite(token, 'delete', existing) : az.mayDo(token, 'delete', blocksOfType(op.resourceType!))));
    const caller = (trail.caller = withPatient(trail.caller, referencedPatient(existing ? patientIds([existing])[0] : undefined)));
    await backend.delete(op.resourceType!, op.id!, caller);
    return { status: 204, headers: {} };
  }

  /** transaction and batch Bundles: the organisation's own systems only. */
  private async bundle(x: Exchange): Promise<FhirResponse> {
    const { op, trail } = x;
    // entries would each need their own decision; remote parties write single resources instead
    if (x.token) throw internalOnly(`${op.interaction} Bundles are accepted on the internal endpoint only`);
    const out = await this.deps.backend.bundle(op.body as FhirResource, trail.caller);
    this.learn(trail, (out.entry ?? []).map((e: any) => e?.resource).filter(Boolean));
    return ok(200, out);
  }

  private async authenticate(req: FhirRequest): Promise<ActiveToken> {
    const auth = req.headers.authorization;
    const scheme = auth?.split(' ')[0]?.toLowerCase();
    if (!auth || (scheme !== 'bearer' && scheme !== 'dpop')) {
      throw new FhirError({ status: 401, issueCode: 'login', message: 'an access token is required (Authorization: Bearer or DPoP)', wwwAuthenticate: 'Bearer realm="fhir", DPoP realm="fhir" algs="ES256 EdDSA"' });
    }
    const r = await this.verifier.verify({ authorization: auth, dpop: req.headers.dpop, method: req.method.toUpperCase(), url: req.url });
    if (r.active) return r;
    // a header value holds printable ASCII only: whatever a refusal quotes (values from the caller's proof) is reduced to it
    const quoted = r.reason.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?').slice(0, 512);
    const wwwAuthenticate = scheme === 'dpop' || r.error === 'invalid_dpop_proof' ? `DPoP error="${r.error}", error_description="${quoted}", algs="ES256 EdDSA"` : `Bearer error="${r.error}", error_description="${quoted}"`;
    const malformed = 'malformed' in r && r.malformed;
    throw new FhirError({ status: malformed ? 400 : 401, issueCode: malformed ? 'invalid' : 'login', message: `access token refused: ${r.reason}`, wwwAuthenticate });
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
    const op = trail.op;
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

/**
 * The one route parser: what a request asks for, as the interaction it amounts to. A request that cannot be routed
 * comes back with its refusal and what it was attempting (from the same path), so its record names that.
 */
function route(req: FhirRequest): { op: Op; refusal?: unknown } {
  const parts = req.path.split('/').filter(Boolean);
  const m = req.method.toUpperCase();
  try {
    return { op: routeParts(req, parts, m) };
  } catch (e) {
    return { op: attempted(parts, m), refusal: e };
  }
}

function routeParts(req: FhirRequest, parts: string[], m: string): Op {
  const badMethod = () => new FhirError({ status: 405, issueCode: 'not-supported', message: `${m} is not allowed on /${req.path}` });
  if (parts.length === 0) {
    if (m !== 'POST') throw badMethod();
    const b = req.body as FhirResource | undefined;
    if (b?.resourceType !== 'Bundle' || (b.type !== 'transaction' && b.type !== 'batch')) throw new FhirError({ status: 400, issueCode: 'invalid', message: 'a POST to the base must carry a Bundle of type transaction or batch', expression: ['Bundle.type'] });
    return { interaction: b.type, body: b };
  }
  if (parts.some((p) => p.startsWith('$'))) return operationOp(routeOperation(m, parts, req.query, req.body));
  if (parts[0] === 'metadata' && parts.length === 1) {
    if (m !== 'GET') throw badMethod();
    return { interaction: 'capabilities' };
  }
  const [type, id, extra] = parts as [string, string | undefined, string | undefined];
  if (extra !== undefined) throw new FhirError({ status: 404, issueCode: 'not-supported', message: `/${req.path} is not supported (no history or operations)` });
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
  if (!ID_PATTERN.test(id)) throw new FhirError({ status: 400, issueCode: 'invalid', message: `'${id.length > 64 ? `${id.slice(0, 64)}…` : id}' is not a valid FHIR id (1–64 of A–Z a–z 0–9 - .)`, expression: [`${type}.id`] });
  if (m === 'GET') return { interaction: 'read', resourceType: type, id };
  if (m === 'PUT') return { interaction: 'update', resourceType: type, id, body: req.body };
  if (m === 'DELETE') return { interaction: 'delete', resourceType: type, id };
  throw badMethod();
}

/** What a request that could not be routed (bad parameters, unknown type) was attempting, for its record: odd values are left out. */
function attempted(parts: string[], m: string): Op {
  const [type, id] = parts;
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

/** The answer with its body encoded in the asked format (nothing to encode without a body or a format). */
function encoded(res: FhirResponse, format: FhirFormat | undefined): FhirResponse {
  return format && res.body !== undefined ? { ...res, payload: serialise(res.body, format) } : res;
}

export function errorResponse(e: FhirError): FhirResponse {
  return { status: e.status, body: e.outcome(), headers: e.wwwAuthenticate ? { 'www-authenticate': e.wwwAuthenticate } : {} };
}
