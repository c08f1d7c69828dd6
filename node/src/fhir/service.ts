// The FHIR interaction pipeline, independent of HTTP: route → token → authorise → consent → execute → check result → audit.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { currentContext } from '../core/context.js';
import { checkType, checkWritable, FhirError, type FhirBackend } from './backend.js';
import { blocksOfSearch, bsnsOf, namedPatient, patientIds, allowAllConsent, rejectAllTokens, FhirAuthoriser, type AccessTokenVerifier, type ActiveToken, type ConsentHook, type Decision, type Interaction } from './authz.js';
import { noAudit, type FhirAuditEvent, type FhirAuditHook } from './audit.js';
import { capabilityStatement } from './capability.js';
import { latestStopsBundle } from './latest-stops.js';
import { purgePatient, routeOperation, validationOutcome, type OperationCall } from './operations.js';
import type { ProfileValidator } from './profiles.js';
import { parseQueryString, parseSearch, type ParsedSearch } from './search.js';
import { blockOf, blocksOfType, type FhirResource } from './types.js';

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
}

interface Op {
  interaction: Interaction;
  resourceType?: string;
  id?: string;
  search?: ParsedSearch;
  body?: unknown;
  /** set for `$operation` requests (operations.ts), which run as the interaction they amount to */
  operation?: OperationCall;
}

type Surface = 'public' | 'internal';

export const AUTHZ_RULE_SYSTEM = 'urn:nuts-lsp-lab:fhir-authorisation-rule';

/** 403 whose OperationOutcome names the refusing rule in details.coding and says why in diagnostics. */
const denied = (d: Exclude<Decision, { allowed: true }>) => {
  const diagnostics = `refused by rule '${d.rule}': ${d.reason}`;
  return new FhirError(403, 'forbidden', diagnostics, undefined, [{ severity: 'error', code: 'forbidden', diagnostics, details: { coding: [{ system: AUTHZ_RULE_SYSTEM, code: d.rule }], text: d.rule } }]);
};

/** Per-request audit facts, filled as the pipeline learns them. */
interface Trail {
  op?: Op;
  token?: ActiveToken;
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
    const trail: Trail = { patientIds: new Set(), bsns: new Set() };
    let res: FhirResponse;
    try {
      res = await this.pipeline(req, surface, trail);
    } catch (e) {
      const fe = FhirError.from(e);
      if (!fe) throw e;
      res = errorResponse(fe);
    }
    try {
      await this.learnBsns(trail);
      await this.audit.record(this.auditEvent(req, surface, trail, res));
    } catch {
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
    if (surface === 'public') trail.token = await this.authenticate(req);
    const token = trail.token;
    const az = this.deps.authoriser;
    const backend = this.deps.backend;
    switch (op.interaction) {
      case 'search': {
        const q = op.search!;
        // whose data: the BSN a query names goes into the record on both surfaces, refused searches included (NEN 7513 7.4)
        const named = namedPatient(q);
        if (named.ok && named.patient.bsn) trail.bsns.add(named.patient.bsn);
        let patient: { reference?: string; bsn?: string } | undefined;
        if (token) {
          const d = az.beforeSearch(token, q);
          if (!d.allowed) throw denied(d);
          patient = d.patient;
          if (patient?.bsn) trail.bsns.add(patient.bsn);
          await this.askConsent(token, 'search', { bsn: patient?.bsn, id: patient?.reference?.split('/')[1] }, q);
        }
        let bundle = await backend.search(q);
        if (op.operation?.name === 'latest-stops') bundle = latestStopsBundle(bundle, this.deps.clock());
        const resources = (bundle.entry ?? []).map((e: any) => e.resource).filter(Boolean) as FhirResource[];
        this.learn(trail, resources);
        if (token) {
          const d = az.checkResult(token, 'search', resources, patient?.reference?.startsWith('Patient/') ? patient.reference.slice(8) : undefined);
          if (!d.allowed) throw denied(d);
        }
        return ok(200, bundle);
      }
      case 'read': {
        const r = await backend.read(op.resourceType!, op.id!);
        if (!r) throw new FhirError(404, 'not-found', `${op.resourceType}/${op.id} not found`);
        this.learn(trail, [r]);
        if (token) {
          const d = az.checkResult(token, 'read', [r]);
          if (!d.allowed) throw denied(d);
          await this.askConsent(token, 'read', { id: patientIds([r])[0] }, undefined, [r]);
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
          const existing = op.interaction === 'update' ? await backend.read(resource.resourceType, op.id!) : undefined;
          if (existing) {
            this.learn(trail, [existing]);
            const e = az.beforeWrite(token, 'update', existing);
            if (!e.allowed) throw denied(e);
            const c = az.checkResult(token, 'read', [existing, resource]);
            if (!c.allowed) throw denied(c);
          }
          await this.askConsent(token, op.interaction, { id: patientIds([resource])[0] }, undefined, [resource]);
        }
        if (op.interaction === 'create') {
          const created = await backend.create(resource);
          op.id = created.id;
          return ok(201, created, { location: `${this.deps.baseUrl()}/${created.resourceType}/${created.id}/_history/${created.meta?.versionId ?? '1'}` });
        }
        const { resource: stored, created } = await backend.update(resource as FhirResource & { id: string });
        return ok(created ? 201 : 200, stored, { etag: `W/"${stored.meta?.versionId ?? '1'}"` });
      }
      case 'delete': {
        if (op.operation?.name === 'purge') {
          // test-data housekeeping (Nictiz _LoadResources): never offered to remote parties
          if (token) throw denied({ allowed: false, rule: 'interaction', reason: '$purge is accepted on the internal endpoint only' });
          const gone = await purgePatient(backend, op.id!);
          this.learn(trail, gone);
          return ok(200, { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational', diagnostics: `purged Patient/${op.id} and ${Math.max(0, gone.length - 1)} resource(s) of its compartment` }] });
        }
        // read first on both surfaces: the record must name whose data was deleted
        const existing = await backend.read(op.resourceType!, op.id!);
        if (existing) this.learn(trail, [existing]);
        if (token) {
          // a role without delete rights learns nothing, not even whether the resource exists
          const d = existing ? az.beforeWrite(token, 'delete', existing) : az.mayDo(token, 'delete', blocksOfType(op.resourceType!));
          if (!d.allowed) throw denied(d);
        }
        await backend.delete(op.resourceType!, op.id!);
        return { status: 204, headers: {} };
      }
      case 'transaction':
      case 'batch': {
        // entries would each need their own decision; remote parties write single resources instead
        if (token) throw denied({ allowed: false, rule: 'interaction', reason: `${op.interaction} Bundles are accepted on the internal endpoint only` });
        const out = await backend.bundle(op.body as FhirResource);
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
      if (m === 'GET') return { interaction: 'search', resourceType: type, search: parseSearch(type, parseQueryString(req.query), { strict }) };
      if (m === 'POST') return { interaction: 'create', resourceType: type, body: req.body };
      throw badMethod();
    }
    if (id === '_search') {
      if (m !== 'POST') throw badMethod();
      const form = typeof req.body === 'string' ? req.body : '';
      const pairs = [...parseQueryString(req.query), ...parseQueryString(form)];
      return { interaction: 'search', resourceType: type, search: parseSearch(type, pairs, { strict }) };
    }
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
    if (r.active) {
      // later stages (a broker asking consent per source, outgoing calls) act on behalf of this caller
      const ctx = currentContext();
      if (ctx) ctx.actor = { type: 'user', id: String(r.employee_identifier ?? r.client_id ?? 'unknown'), token: r };
      return r;
    }
    // a header value holds printable ASCII only: whatever a refusal quotes (values from the caller's proof) is reduced to it
    const quoted = r.reason.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?').slice(0, 512);
    const challenge = scheme === 'dpop' || r.error === 'invalid_dpop_proof' ? `DPoP error="${r.error}", error_description="${quoted}", algs="ES256 EdDSA"` : `Bearer error="${r.error}", error_description="${quoted}"`;
    const refusal = 'malformed' in r && r.malformed ? new FhirError(400, 'invalid', `access token refused: ${r.reason}`) : new FhirError(401, 'login', `access token refused: ${r.reason}`);
    throw Object.assign(refusal, { wwwAuthenticate: challenge });
  }

  private async askConsent(token: ActiveToken, interaction: Interaction, patient: { id?: string; bsn?: string }, q?: ParsedSearch, resources?: FhirResource[]): Promise<void> {
    const blocks = q ? blocksOfSearch(q) : (resources ?? []).map(blockOf).filter((b): b is NonNullable<typeof b> => !!b);
    const answer = await this.consent.check({ interaction, patient, blocks, token });
    if (!answer.permit) throw denied({ allowed: false, rule: 'consent', reason: answer.reason });
  }

  private learn(trail: Trail, resources: FhirResource[]): void {
    for (const id of patientIds(resources)) trail.patientIds.add(id);
    for (const b of bsnsOf(resources)) trail.bsns.add(b);
  }

  /**
   * A record names the patient by BSN (NEN 7513 7.4). Data resources point at a Patient id only, so when no BSN came
   * with the request or the answer, or when more than one patient is involved, the Patients are looked up (best effort).
   */
  private async learnBsns(trail: Trail): Promise<void> {
    if ((trail.bsns.size && trail.patientIds.size < 2) || trail.patientIds.size === 0 || trail.patientIds.size > 8) return;
    for (const id of trail.patientIds) {
      const p = await this.deps.backend.read('Patient', id).catch(() => undefined);
      if (p) for (const b of bsnsOf([p])) trail.bsns.add(b);
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
      actor: surface === 'internal' ? { type: 'system', id: 'internal-api' } : trail.token ? { type: 'user', claims: { ...trail.token } } : { type: 'anonymous' },
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

function ok(status: number, body: FhirResource, headers: Record<string, string> = {}): FhirResponse {
  return { status, body, headers };
}

export function errorResponse(e: FhirError): FhirResponse {
  const issues = e.issues?.length ? e.issues : [{ severity: 'error' as const, code: e.issueCode, diagnostics: e.message, ...(e.expression ? { expression: e.expression } : {}) }];
  const www = (e as FhirError & { wwwAuthenticate?: string }).wwwAuthenticate;
  return { status: e.status, body: { resourceType: 'OperationOutcome', issue: issues }, headers: www ? { 'www-authenticate': www } : {} };
}
