// ECD client: what a VVT record system does against its own nuts-node v6 internal API (token, DPoP, discovery) and the LSP's FHIR API.
import { readBody, formatTraceparent, newSpanId } from '../../node/src/core/index.js';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { UZI_ROLE_SYSTEM } from '../../node/src/fhir/index.js';
import { LSP_URA } from '../shared/identity.js';
import { DeziLoginError, deziLogin, type DeziLoginResult } from '../dezi/login.js';
import { body, nodeClient, NodeApiError, type NodeClient } from '../../node/src/api-client/index.js';

/** The scope whose policy requires the care worker's Dezi verklaring (credentials/policies/medicatieoverdracht-dezi.json). */
export const DEZI_SCOPE = 'medicatieoverdracht';
/** The same exchange for labs without Dezi: the care worker's role self-declared in a NutsEmployeeCredential (credentials/policies/medicatieoverdracht.json). */
export const EMPLOYEE_SCOPE = 'medicatieoverdracht-employee';

/** The MP9 3.0 (R4) building blocks the administration list needs. */
export type BuildingBlock = 'MA' | 'TA' | 'WDS' | 'MTD';

const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';
const ITERATE_PRACTITIONER_ROLE = [
  ['_include:iterate', 'PractitionerRole:organization'],
  ['_include:iterate', 'PractitionerRole:practitioner'],
  ['_include:iterate', 'PractitionerRole:location'],
] as const;

/**
 * The base queries of the Nictiz MP9 3.0 TestScripts (reference mp9-fhir.md §2.3). MA uses the R4 category 33633005;
 * 16076005 is the STU3 (MP 9.0.7) code and is not what an MP9 3.0 server matches on.
 */
export const MP9_QUERIES: Record<BuildingBlock, { resourceType: string; category: string; include: ReadonlyArray<readonly [string, string]> }> = {
  MA: {
    resourceType: 'MedicationRequest',
    category: '33633005',
    include: [
      ['_include', 'MedicationRequest:medication'],
      ['_include', 'MedicationRequest:reason'],
      ['_include', 'MedicationRequest:next-practitioner'],
      ['_include', 'MedicationRequest:requester'],
      ...ITERATE_PRACTITIONER_ROLE,
    ],
  },
  WDS: { resourceType: 'MedicationRequest', category: '395067002', include: [['_include', 'MedicationRequest:medication']] },
  TA: {
    resourceType: 'MedicationDispense',
    category: '422037009',
    include: [['_include', 'MedicationDispense:medication'], ['_include', 'MedicationDispense:performer'], ...ITERATE_PRACTITIONER_ROLE],
  },
  MTD: {
    resourceType: 'MedicationAdministration',
    category: '18629005',
    include: [['_include', 'MedicationAdministration:medication'], ['_include', 'MedicationAdministration:performer'], ...ITERATE_PRACTITIONER_ROLE],
  },
};

/** Relative search URL (`Resource?params`) for one building block of one patient. */
export function mp9SearchPath(block: BuildingBlock, bsn: string): string {
  const q = MP9_QUERIES[block];
  const params = new URLSearchParams([
    ['patient.identifier', `${BSN_SYSTEM}|${bsn}`],
    ['category', `http://snomed.info/sct|${q.category}`],
    ...q.include.map(([k, v]) => [k, v] as [string, string]),
  ]);
  return `${q.resourceType}?${params.toString()}`;
}

/** The care worker as the ECD knows them; sent as a self-attested NutsEmployeeCredential, as nuts-node expects. */
export interface CareWorker {
  name: string;
  /** role name as the ECD shows it (nuts-node's NutsEmployeeCredential roleName) */
  roleName: string;
  /** role code the data holder authorises on: a UZI role code such as '30.000' or a VVT role such as 'VVT.001' */
  roleCode?: string;
  /** the ECD's own user id */
  identifier: string;
  /** log the care worker in with Dezi first: the token then carries the verklaring instead of a self-declared role */
  dezi?: DeziLoginRequest;
}

/** Who logs in at which Dezi, with which of their roles (one verklaring per role). */
export interface DeziLoginRequest {
  deziUrl: string;
  /** the care worker's handle (or Dezi number) at Dezi */
  careWorker: string;
  roleCode?: string;
}

export interface EcdClientOptions {
  /** base URL of the own node's internal API, e.g. http://127.0.0.1:8081 */
  nodeUrl: string;
  /** the care organisation's subject at that node, e.g. 'vvt' */
  subject: string;
  /** discovery service that lists who serves MP9 (the LSP) */
  serviceId?: string;
  /** OAuth scope asked for with a self-declared care worker (default medicatieoverdracht-employee) */
  scope?: string;
  /**
   * URA of the LSP (default the mock LSP's): the ECD takes the registration whose organisation credential carries it.
   * Never a name: names are free text anyone can register, a URA credential only a trusted issuer hands out.
   */
  lspUra?: string;
  /** OAuth scope asked for when the care worker logged in with Dezi (the policy that requires the Dezi credential) */
  deziScope?: string;
  tokenType?: 'DPoP' | 'Bearer';
  /** per-call timeout */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** called at the start and end of each step, for live displays */
  onStep?: (step: ClientStep) => void;
  /** the care organisation the ECD acts for (named in its own audit records); default: the URA credential in its wallet */
  organization?: { ura: string; name?: string };
  /**
   * where outgoing accesses are recorded when the own node has no NEN 7513 audit API (a production nuts-node has
   * none; it is lab-only): default an in-memory log, `NdjsonAccessLog` for a file
   */
  ownLog?: EcdAccessLog;
}

/** The ECD's own access log, used when its node offers no audit API. */
export interface EcdAccessLog {
  append(record: Record<string, unknown>): Promise<void>;
  readonly description: string;
}

export class MemoryAccessLog implements EcdAccessLog {
  readonly records: Array<Record<string, unknown>> = [];
  readonly description = "the ECD's own in-memory access log";
  async append(record: Record<string, unknown>): Promise<void> {
    this.records.push(record);
  }
}

/** One JSON line per outgoing access, appended (and flushed) before the request leaves. */
export class NdjsonAccessLog implements EcdAccessLog {
  constructor(readonly file: string) {}
  get description(): string {
    return `the ECD's own access log ${this.file}`;
  }
  async append(record: Record<string, unknown>): Promise<void> {
    const { appendFile, mkdir } = await import('node:fs/promises');
    const path = await import('node:path');
    await mkdir(path.dirname(this.file), { recursive: true });
    await appendFile(this.file, `${JSON.stringify(record)}\n`, { flush: true });
  }
}

/** Where a step happens, in the order a flow display draws them. */
export type StepActor = 'ecd' | 'dezi' | 'node' | 'lsp-as' | 'lsp-fhir' | 'sources' | 'audit';
export type StepName = 'dezi-login' | 'discovery' | 'token' | 'dpop' | `fhir:${BuildingBlock}`;

export interface ClientStep {
  name: StepName;
  actor: StepActor;
  status: 'running' | 'ok' | 'failed';
  durationMs?: number;
  detail?: string;
}

export type FailureCode =
  | 'dezi_login_failed' // the Dezi login (PKCE code flow, userinfo) did not produce a verklaring
  | 'node_unreachable' // own node did not answer
  | 'lsp_not_found' // discovery found no registration with an authorization server and FHIR base URL
  | 'discovery_failed'
  | 'token_refused' // the authorization server refused (OAuth error)
  | 'wallet_incomplete' // own node lacks the credentials the AS asks for (412)
  | 'lsp_unreachable' // the LSP's AS or FHIR server did not answer
  | 'dpop_failed'
  | 'audit_refused' // own node did not record the outgoing request, so it was not sent (NEN 7513)
  | 'fhir_refused' // 401/403 from the FHIR server
  | 'fhir_error' // other non-2xx from the FHIR server
  | 'bad_response'; // an answer that is not what the API promises

export interface EcdFailure {
  ok: false;
  /** the step that failed */
  step: StepName;
  code: FailureCode;
  /** human reason, with the remote's own words where it gave them */
  reason: string;
  status?: number;
  steps: ClientStep[];
}

export interface LspEndpoint {
  /** discovery registration id (VP id) */
  id: string;
  did: string;
  /** the URA its trusted organisation credential carries */
  ura: string;
  organizationName?: string;
  authServerURL: string;
  fhirBaseURL: string;
}

export interface EcdSuccess {
  ok: true;
  lsp: LspEndpoint;
  token: { tokenType: string; expiresIn?: number; dpopKid?: string };
  bundles: Partial<Record<BuildingBlock, fhir4.Bundle>>;
  /** ids sent on the FHIR calls, so audit records can be looked up */
  trace: { traceId: string; initialRequestId: string };
  steps: ClientStep[];
  /** where the outgoing accesses were recorded: the own node's NEN 7513 log, or (a nuts-node) the ECD's own log */
  recordedIn: string;
}

export type EcdResult = EcdSuccess | EcdFailure;

export interface MedicationQuery {
  careWorker: CareWorker;
  bsn: string;
  blocks?: BuildingBlock[];
}

class StepError extends Error {
  constructor(
    readonly code: FailureCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export class EcdClient {
  private readonly opts: Required<Omit<EcdClientOptions, 'onStep' | 'fetch' | 'organization' | 'ownLog'>> & Pick<EcdClientOptions, 'onStep' | 'organization'>;
  private readonly fetchFn: typeof fetch;
  /** the own node's internal API */
  private readonly node: NodeClient;
  private organization?: { ura: string; name?: string };
  /** whether the own node offers the lab's audit API (probed once); a nuts-node does not */
  private auditApi?: boolean;
  readonly ownLog: EcdAccessLog;

  constructor(options: EcdClientOptions) {
    if (!options.nodeUrl || !options.subject) throw new TypeError('EcdClient needs nodeUrl and subject');
    this.opts = {
      serviceId: 'medicatieoverdracht',
      scope: EMPLOYEE_SCOPE,
      lspUra: LSP_URA,
      deziScope: DEZI_SCOPE,
      tokenType: 'DPoP',
      timeoutMs: 10_000,
      ...options,
      nodeUrl: options.nodeUrl.replace(/\/+$/, ''),
    };
    this.fetchFn = options.fetch ?? fetch;
    this.node = nodeClient(this.opts.nodeUrl, { label: 'own node', fetch: this.fetchFn, timeoutMs: this.opts.timeoutMs });
    this.ownLog = options.ownLog ?? new MemoryAccessLog();
  }

  /** Where this ECD's outgoing accesses are recorded: the own node's NEN 7513 log, or the ECD's own log. */
  get auditTarget(): 'node' | 'ecd-log' | 'unknown' {
    return this.auditApi === undefined ? 'unknown' : this.auditApi ? 'node' : 'ecd-log';
  }

  /**
   * The lab's audit API is lab-only: nuts-node has none and answers 404 for it. Probed once, on a route that is not
   * itself audited; anything but 200 or 404 leaves the question open and refuses the search (no record, no data).
   */
  private async hasAuditApi(): Promise<boolean> {
    if (this.auditApi !== undefined) return this.auditApi;
    try {
      await onNode(this.node.GET('/internal/audit/v1/key'));
      return (this.auditApi = true);
    } catch (e) {
      if (!(e instanceof NodeApiError)) throw e;
      if (e.status === 404) return (this.auditApi = false);
      throw new StepError('audit_refused', `own node's audit API answered ${e.status}; the search was not sent`, e.status);
    }
  }

  /** The whole ECD flow: discovery → token → one FHIR search per building block. Never throws for remote failures. */
  async fetchMedicationData(query: MedicationQuery): Promise<EcdResult> {
    if (!/^\d{9}$/.test(query.bsn)) throw new TypeError(`bsn must be 9 digits, got '${query.bsn}'`);
    const steps: ClientStep[] = [];
    const blocks = query.blocks ?? ['MA', 'TA', 'WDS', 'MTD'];
    const trace = { traceId: randomBytes(16).toString('hex'), initialRequestId: randomUUID() };
    let current: StepName = 'discovery';
    const run = async <T>(name: StepName, actor: StepActor, fn: () => Promise<T>, detail: (r: T) => string): Promise<T> => {
      current = name;
      const started = performance.now();
      this.emit(steps, { name, actor, status: 'running' });
      try {
        const r = await fn();
        this.emit(steps, { name, actor, status: 'ok', durationMs: Math.round(performance.now() - started), detail: detail(r) });
        return r;
      } catch (e) {
        const reason = e instanceof StepError ? e.message : (e as Error).message;
        this.emit(steps, { name, actor, status: 'failed', durationMs: Math.round(performance.now() - started), detail: reason });
        throw e;
      }
    };
    try {
      const login = query.careWorker.dezi;
      const dezi = login
        ? await run('dezi-login', 'dezi', () => this.deziLogin(login), (d) => `${d.name}, Dezi ${d.deziNummer}, role ${d.roleCode}: verklaring ${d.verklaringId}`)
        : undefined;
      // with Dezi, the ECD's own records name the care worker as Dezi declared them (Dezi number, verified role)
      const worker: CareWorker = dezi ? { ...query.careWorker, name: dezi.name, identifier: dezi.deziNummer, roleCode: dezi.roleCode, roleName: dezi.roleName } : query.careWorker;
      const lsp = await run('discovery', 'node', () => this.discoverLsp(), (l) => `${l.organizationName ?? l.did} at ${l.fhirBaseURL}`);
      const getToken = (fresh: boolean) => run('token', 'lsp-as', () => this.requestToken(lsp.authServerURL, query.careWorker, { fresh, verklaring: dezi?.verklaring }), (t) => `${fresh ? 'new ' : ''}${t.token_type} token${dezi ? ' on the Dezi verklaring' : ''}, expires in ${t.expires_in ?? '?'} s`);
      let token = await getToken(false);
      let renewed = false;
      const bundles: Partial<Record<BuildingBlock, fhir4.Bundle>> = {};
      // Sequential on purpose: the LSP sees the searches in a stable order, and each gets its own DPoP proof.
      for (const block of blocks) {
        const path = mp9SearchPath(block, query.bsn);
        // NEN 7513: the requesting side records the request in its own node's log before it leaves, with the ids it sends
        const attempt = () =>
          run(
            `fhir:${block}`,
            'lsp-fhir',
            async () => {
              const ids = { requestId: randomUUID(), traceparent: formatTraceparent({ traceId: trace.traceId, spanId: newSpanId(), traceFlags: '01' }) };
              await this.recordOutgoing({ lsp, path, token, worker, bsn: query.bsn, ids });
              return this.search(lsp.fhirBaseURL, path, token, trace, ids);
            },
            (b) => bundleSummary(b),
          );
        try {
          bundles[block] = await attempt();
        } catch (e) {
          // the node hands out a cached token the LSP no longer accepts (e.g. a credential behind it was revoked and
          // restored since): ask once for a new one, bypassing the cache as nuts-node offers (Cache-Control: no-cache)
          if (renewed || !(e instanceof StepError) || e.status !== 401) throw e;
          renewed = true;
          token = await getToken(true);
          bundles[block] = await attempt();
        }
      }
      return {
        ok: true,
        lsp,
        token: { tokenType: token.token_type, expiresIn: token.expires_in, dpopKid: token.dpop_kid },
        bundles,
        trace,
        steps,
        recordedIn: this.auditApi === false ? this.ownLog.description : "the own node's NEN 7513 access log",
      };
    } catch (e) {
      if (!(e instanceof StepError)) throw e;
      return { ok: false, step: current, code: e.code, reason: e.message, status: e.status, steps };
    }
  }

  /**
   * Discovery search on the own node for the LSP by its URA. The node lists only registrations whose organisation
   * credential comes from a trusted issuer (the discovery server and the node's client both verify that), and the URA
   * is read from the field that credential filled (`organization_ura`), not from anything the registrant chose freely.
   */
  async discoverLsp(): Promise<LspEndpoint> {
    const ura = this.opts.lspUra;
    const found = await onNode(
      this.node.GET('/internal/discovery/v1/{serviceID}', {
        params: { path: { serviceID: this.opts.serviceId }, query: { query: { 'credentialSubject.organization.ura': ura } } },
        // every search parameter is a query parameter of its own (credentialSubject.organization.ura=…)
        querySerializer: { object: { style: 'form', explode: true } },
      }),
      (e) => new StepError('discovery_failed', `discovery search on service '${this.opts.serviceId}' failed: ${e.detail}`, e.status),
    );
    if (!Array.isArray(found)) throw new StepError('bad_response', 'discovery search did not return a list');
    for (const r of found as Array<Record<string, any>>) { // eslint-disable-line @typescript-eslint/no-explicit-any
      const p = r?.registrationParameters ?? {};
      if (String(r?.fields?.organization_ura) !== ura) continue;
      if (typeof p.authServerURL === 'string' && typeof p.fhirBaseURL === 'string') {
        const name = r.fields?.organization_name ?? findOrganizationName(r.vp);
        return { id: String(r.id), did: String(r.credential_subject_id), ura, organizationName: name, authServerURL: p.authServerURL, fhirBaseURL: p.fhirBaseURL.replace(/\/+$/, '') };
      }
    }
    throw new StepError('lsp_not_found', `no registration on discovery service '${this.opts.serviceId}' with URA ${ura} has an authServerURL and fhirBaseURL (${found.length} registrations with that URA)`);
  }

  /** The care worker's Dezi login, headless (PKCE; the login page driven over HTTP). */
  async deziLogin(login: DeziLoginRequest): Promise<DeziLoginResult> {
    try {
      return await deziLogin({ ...login, fetch: this.fetchFn, timeoutMs: this.opts.timeoutMs });
    } catch (e) {
      throw new StepError('dezi_login_failed', `Dezi login failed${e instanceof DeziLoginError ? ` at ${e.step}` : ''}: ${(e as Error).message}`);
    }
  }

  /**
   * `POST /internal/auth/v2/{subject}/request-service-access-token`: with a Dezi verklaring as `id_token` (nuts-node
   * project-gf), or else with the care worker as a self-attested NutsEmployeeCredential.
   */
  async requestToken(authorizationServer: string, worker: CareWorker, opts: { fresh?: boolean; verklaring?: string } = {}): Promise<{ access_token: string; token_type: string; expires_in?: number; dpop_kid?: string }> {
    const who = opts.verklaring
      ? { scope: this.opts.deziScope, id_token: opts.verklaring }
      : {
          scope: this.opts.scope,
          credentials: [
          {
            '@context': ['https://www.w3.org/2018/credentials/v1', 'https://nuts.nl/credentials/v1'],
            type: ['VerifiableCredential', 'NutsEmployeeCredential'],
            credentialSubject: { name: worker.name, roleName: worker.roleName, ...(worker.roleCode ? { roleCode: worker.roleCode } : {}), identifier: worker.identifier },
          },
        ],
        };
    const token = await onNode(
      this.node.POST('/internal/auth/v2/{subjectID}/request-service-access-token', {
        params: { path: { subjectID: this.opts.subject } },
        headers: opts.fresh ? { 'cache-control': 'no-cache' } : {},
        body: { authorization_server: authorizationServer, ...who, token_type: this.opts.tokenType },
      }),
      // nuts-node: 400 bad input or OAuth error, 412 wallet lacks credentials, 502 AS answered with an error, 503 AS unreachable.
      (e) => new StepError(e.status === 503 ? 'lsp_unreachable' : e.status === 412 ? 'wallet_incomplete' : 'token_refused', `token request refused (${e.status}): ${e.detail}`, e.status),
    );
    if (!token || typeof token.access_token !== 'string' || typeof token.token_type !== 'string') throw new StepError('bad_response', 'token response lacks access_token or token_type');
    return token as { access_token: string; token_type: string; expires_in?: number; dpop_kid?: string };
  }

  /** One FHIR search on the LSP with the token (DPoP proof from the own node when the token is DPoP-bound). */
  async search(
    fhirBaseURL: string,
    path: string,
    token: { access_token: string; token_type: string; dpop_kid?: string },
    trace: { traceId: string; initialRequestId: string },
    ids: { requestId: string; traceparent: string } = { requestId: randomUUID(), traceparent: formatTraceparent({ traceId: trace.traceId, spanId: newSpanId(), traceFlags: '01' }) },
  ): Promise<fhir4.Bundle> {
    const url = `${fhirBaseURL.replace(/\/+$/, '')}/${path}`;
    const requestId = ids.requestId;
    const headers: Record<string, string> = {
      accept: 'application/fhir+json',
      traceparent: ids.traceparent,
      'x-request-id': requestId,
      'aorta-id': `initialRequestID=${trace.initialRequestId}; requestID=${requestId}`,
    };
    if (token.token_type.toLowerCase() === 'dpop') {
      if (!token.dpop_kid) throw new StepError('bad_response', 'DPoP token without dpop_kid');
      headers.authorization = `DPoP ${token.access_token}`;
      headers.dpop = await this.dpopProof(token.dpop_kid, 'GET', url, token.access_token);
    } else {
      headers.authorization = `Bearer ${token.access_token}`;
    }
    const res = await this.callLsp(url, { method: 'GET', headers });
    const body = (await readJson(res)) as fhir4.Resource | undefined;
    if (res.status === 401 || res.status === 403) throw new StepError('fhir_refused', `LSP refused the search (${res.status}): ${outcomeText(body) ?? res.statusText}`, res.status);
    if (!res.ok) throw new StepError('fhir_error', `LSP search failed (${res.status}): ${outcomeText(body) ?? res.statusText}`, res.status);
    if (body?.resourceType !== 'Bundle') throw new StepError('bad_response', `LSP answered a ${body?.resourceType ?? 'non-FHIR body'} instead of a Bundle`);
    return body as fhir4.Bundle;
  }

  /**
   * `POST /internal/audit/v1/records`: the data.request.outgoing record of one search, carrying the traceparent and
   * X-Request-Id the LSP will receive, so the LSP's fhir.search record joins it. Refused → the search is not sent.
   */
  async recordOutgoing(o: { lsp: LspEndpoint; path: string; token: { access_token: string }; worker: CareWorker; bsn: string; ids: { requestId: string; traceparent: string } }): Promise<void> {
    const org = await this.ownOrganization();
    const [resourceType, query] = o.path.split('?') as [string, string | undefined];
    const code = o.worker.roleCode ?? o.worker.roleName;
    const record = {
        event: 'data.request.outgoing' as const,
        actor: {
          userId: o.worker.identifier,
          userName: o.worker.name,
          role: { code, system: /^VVT\./.test(code) ? VVT_ROLE_SYSTEM : UZI_ROLE_SYSTEM, ...(o.worker.roleName !== code ? { display: o.worker.roleName } : {}) },
          organisation: org,
          clientId: `ecd:${this.opts.subject}`,
        },
        patient: { bsn: o.bsn },
        object: { type: resourceType, ...(query ? { query } : {}) },
        authorisation: { protocol: 'nuts-rfc021', scope: o.worker.dezi ? this.opts.deziScope : this.opts.scope, token: o.token.access_token },
        source: { system: 'nuts-lsp-lab ECD simulator' },
        peer: { url: o.lsp.fhirBaseURL, ...(o.lsp.organizationName ? { name: o.lsp.organizationName } : {}) },
        requestId: o.ids.requestId,
        traceparent: o.ids.traceparent,
        outcome: { code: '0' as const },
      };
    if (!(await this.hasAuditApi())) {
      // against a production nuts-node: the same record, in the ECD's own log, before the request leaves
      try {
        // as the node would: the token's SHA-256, never the token
        const { token, ...authorisation } = record.authorisation;
        await this.ownLog.append({ ...record, authorisation: { ...authorisation, tokenHash: createHash('sha256').update(token).digest('hex') }, startedAt: new Date().toISOString(), recordedBy: 'ecd' });
      } catch (e) {
        throw new StepError('audit_refused', `the ECD could not write ${this.ownLog.description}: ${(e as Error).message}; the search was not sent`);
      }
      return;
    }
    await onNode(
      this.node.POST('/internal/audit/v1/records', {
        headers: { traceparent: o.ids.traceparent, 'x-request-id': o.ids.requestId, 'x-user-id': o.worker.identifier },
        body: record,
      }),
      (e) => new StepError('audit_refused', `own node did not record the outgoing request (${e.status}): ${e.detail}; the search was not sent`, e.status),
    );
  }

  /** The organisation this ECD acts for: configured, or the URA credential in the subject's wallet (read once). */
  private async ownOrganization(): Promise<{ ura: string; name?: string }> {
    this.organization ??= this.opts.organization;
    if (this.organization) return this.organization;
    const noOrganisation = (status?: number) => new StepError('audit_refused', `no organisation to name in the audit record: configure it or put a NutsUraCredential in the wallet of '${this.opts.subject}'`, status);
    const wallet = await onNode(this.node.GET('/internal/vcr/v2/holder/{subjectID}/vc/search', { params: { path: { subjectID: this.opts.subject }, query: { type: 'NutsUraCredential' } } }), (e) => noOrganisation(e.status));
    for (const entry of wallet.verifiableCredentials ?? []) {
      const org = uraCredentialOrganization(entry.verifiableCredential);
      if (org) return (this.organization = org);
    }
    throw noOrganisation();
  }

  /** `POST /internal/auth/v2/dpop/{kid}`; htu without query, as RFC 9449 §4.2 defines it. */
  async dpopProof(kid: string, htm: string, url: string, accessToken: string): Promise<string> {
    const u = new URL(url);
    const htu = `${u.origin}${u.pathname}`;
    const proof = await onNode(this.node.POST('/internal/auth/v2/dpop/{kid}', { params: { path: { kid } }, body: { htm, htu, token: accessToken } }), (e) => new StepError('dpop_failed', `DPoP proof refused by own node (${e.status}): ${e.detail}`, e.status));
    if (typeof proof?.dpop !== 'string') throw new StepError('dpop_failed', 'DPoP proof missing from the own node\'s answer (200)', 200);
    return proof.dpop;
  }

  /** The LSP's FHIR API is not the node's internal API: a plain fetch, its failure the LSP's. */
  private async callLsp(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchFn(url, { ...init, signal: AbortSignal.timeout(this.opts.timeoutMs) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
      throw new StepError('lsp_unreachable', `LSP at ${new URL(url).origin} unreachable (${cause === 'TimeoutError' ? 'timeout' : cause})`);
    }
  }

  private emit(steps: ClientStep[], step: ClientStep): void {
    if (step.status !== 'running') steps.push(step);
    this.opts.onStep?.(step);
  }
}

const VVT_ROLE_SYSTEM = 'https://nuts-lsp-lab.nl/fhir/CodeSystem/vvt-role';

/** URA and name from a NutsUraCredential (JWT or JSON-LD); the own wallet is read, not verified. */
function uraCredentialOrganization(vc: unknown): { ura: string; name?: string } | undefined {
  let doc = vc as Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
  if (typeof vc === 'string') {
    try {
      doc = JSON.parse(Buffer.from(vc.split('.')[1] ?? '', 'base64url').toString('utf8')).vc;
    } catch {
      return undefined;
    }
  }
  const subject = [doc?.credentialSubject].flat()[0];
  const ura = subject?.organization?.ura;
  if (typeof ura !== 'string' || !/^\d{1,12}$/.test(ura)) return undefined;
  return { ura, ...(typeof subject.organization.name === 'string' ? { name: subject.organization.name } : {}) };
}

/** The answer as JSON; a non-JSON answer becomes `{detail}` with its first 200 characters. */
async function readJson(res: Response): Promise<unknown> {
  const { text, json } = await readBody(res);
  return json ?? (text ? { detail: text.slice(0, 200) } : undefined);
}

/**
 * The own node's answer to one call: out of reach is the step's node_unreachable, a refusal the step's own error
 * (`refused`; a plain NodeApiError, for the caller to judge, when there is none).
 */
async function onNode<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>, refused?: (e: NodeApiError) => StepError): Promise<T> {
  try {
    return await body(call);
  } catch (e) {
    if (!(e instanceof NodeApiError)) throw e;
    if (e.kind === 'unreachable') throw new StepError('node_unreachable', e.message);
    throw refused ? refused(e) : e;
  }
}

/** The human text of an OperationOutcome. */
export function outcomeText(body: unknown): string | undefined {
  const oo = body as fhir4.OperationOutcome | undefined;
  if (oo?.resourceType !== 'OperationOutcome') return undefined;
  const parts = (oo.issue ?? []).map((i) => i.diagnostics ?? i.details?.text ?? i.code).filter(Boolean);
  return parts.length ? parts.join('; ') : undefined;
}

function bundleSummary(b: fhir4.Bundle): string {
  const entries = b.entry ?? [];
  const n = (mode: string) => entries.filter((e) => (e.search?.mode ?? 'match') === mode).length;
  return `${n('match')} found, ${n('include')} included, ${n('outcome')} source notices`;
}

function findOrganizationName(vp: unknown): string | undefined {
  const creds = (vp as { verifiableCredential?: unknown[] } | undefined)?.verifiableCredential;
  for (const c of Array.isArray(creds) ? creds : []) {
    const name = (c as { credentialSubject?: { organization?: { name?: unknown } } })?.credentialSubject?.organization?.name;
    if (typeof name === 'string') return name;
  }
  return undefined;
}
