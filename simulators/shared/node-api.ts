// A node's internal API (VDR v2, VCR v2, Discovery v1, audit v1, monitoring) and the mock LSP's, as the seed, the
// dashboard, the portal and the LSP's organisation registry use them: the typed client plus the few steps they share.
import { body, createApiClient, nodeClient, NodeApiError, type ApiClient, type ApiClientOptions, type AuditApi as Audit, type MonitoringApi as Monitoring, type NodeClient, type VcrApi } from '../../node/src/api-client/index.js';
import type { WireCredential } from '../../node/src/vcr/index.js';
import type { components as Lsp, paths as LspPaths } from './api/lsp-v1.js';

export { NodeApiError };

export type Diagnostics = Monitoring['schemas']['Diagnostics'];
export type ScenarioView = Lsp['schemas']['Scenario'];
export type SourceView = Lsp['schemas']['Source'];
export type ConsentView = Lsp['schemas']['Consent'];
/** An organisation the LSP issued a URA credential to and keeps in its wallet (the targets of revoked-organisation and normal). */
export type MemberRegistration = Lsp['schemas']['MemberRegistration'];
export type MemberResult = Lsp['schemas']['MemberResult'];
export type AuditVerification = Audit['schemas']['VerifyResult'];
export type IssueRequest = VcrApi['schemas']['IssueVCRequest'];

export interface Verification {
  validity: boolean;
  reason?: string;
  message?: string;
}

/** Who reads audit logs for the dashboard (so the read itself is recorded with a name). */
const AUDIT_READER = { 'x-user-id': 'dashboard', 'x-user-name': 'nuts-lsp-lab dashboard' };

export class NodeApi {
  /** the typed client: every operation of the node's OpenAPI files */
  readonly api: NodeClient;
  readonly baseUrl: string;
  constructor(
    baseUrl: string,
    /** how the node is named in error messages */
    readonly label = new URL(baseUrl).host,
    timeoutMs = 15_000,
  ) {
    this.api = nodeClient(baseUrl, { label, timeoutMs });
    this.baseUrl = this.api.baseUrl;
  }

  // monitoring
  diagnostics(): Promise<Diagnostics> {
    return body(this.api.GET('/status/diagnostics'));
  }
  /** true when GET /health answers UP; false when it answers otherwise or not at all */
  async healthy(): Promise<boolean> {
    try {
      await this.api.GET('/health');
      return true;
    } catch {
      return false;
    }
  }

  // VDR v2
  subjects(): Promise<Record<string, string[]>> {
    return body(this.api.GET('/internal/vdr/v2/subject'));
  }
  subjectDids(subject: string): Promise<string[]> {
    return body(this.api.GET('/internal/vdr/v2/subject/{id}', { params: { path: { id: subject } } }));
  }
  /** The subject's DID, creating the subject when it does not exist (idempotent). */
  async ensureSubject(subject: string): Promise<{ did: string; created: boolean }> {
    const existing = (await this.subjects())[subject]?.[0];
    if (existing) return { did: existing, created: false };
    const r = await body(this.api.POST('/internal/vdr/v2/subject', { body: { subject } }));
    return { did: r.documents[0]!.id, created: true };
  }

  // VCR v2
  async issue(request: IssueRequest): Promise<WireCredential> {
    return (await body(this.api.POST('/internal/vcr/v2/issuer/vc', { body: request }))) as WireCredential;
  }
  async revoke(credentialId: string): Promise<void> {
    await this.api.DELETE('/internal/vcr/v2/issuer/vc/{id}', { params: { path: { id: credentialId } } });
  }
  /** Signature, validity period and revocation as this node sees them; trust lists are not consulted. */
  verify(vc: WireCredential): Promise<Verification> {
    return body(this.api.POST('/internal/vcr/v2/verifier/vc', { body: { verifiableCredential: vc, verificationOptions: { allowUntrustedIssuer: true } } }));
  }
  async trust(credentialType: string, issuer: string): Promise<void> {
    await this.api.POST('/internal/vcr/v2/verifier/trust', { body: { credentialType, issuer } });
  }
  /** Every credential in the wallet, revoked and expired ones included (the search route; the list route skips those). */
  async wallet(subject: string, type?: string): Promise<WireCredential[]> {
    const r = await body(this.api.GET('/internal/vcr/v2/holder/{subjectID}/vc/search', { params: { path: { subjectID: subject }, query: type ? { type } : {} } }));
    return r.verifiableCredentials.map((v) => v.verifiableCredential);
  }
  async addToWallet(subject: string, vc: WireCredential): Promise<void> {
    await this.api.POST('/internal/vcr/v2/holder/{subjectID}/vc', { params: { path: { subjectID: subject } }, body: vc });
  }

  // Discovery v1: activation also refreshes, so the own registration is findable right away
  async activate(serviceId: string, subject: string, registrationParameters: Record<string, unknown>): Promise<void> {
    await this.api.POST('/internal/discovery/v1/{serviceID}/{subjectID}', { params: { path: { serviceID: serviceId, subjectID: subject } }, body: { registrationParameters } });
  }

  // audit v1, read as the dashboard user unless another reader is named
  auditRecords(query: { traceId?: string; patient?: string; event?: Audit['schemas']['EventCode']; from?: string; limit?: number }, reader: Record<string, string> = AUDIT_READER) {
    return body(this.api.GET('/internal/audit/v1/records', { params: { query }, headers: reader }));
  }
  auditVerify(reader: Record<string, string> = AUDIT_READER): Promise<AuditVerification> {
    return body(this.api.GET('/internal/audit/v1/verify', { headers: reader }));
  }
  patientOverview(bsn: string, page: { limit: number; offset: number }, reader: Record<string, string> = AUDIT_READER) {
    return body(this.api.GET('/internal/audit/v1/patients/{bsn}/overview', { params: { path: { bsn }, query: page }, headers: reader }));
  }
}

/** A typed client of the mock LSP's /internal/lsp/v1 (scenarios, sources, consent, organisations, data). */
export function lspClient(baseUrl: string, o: ApiClientOptions = {}): ApiClient<LspPaths> {
  return createApiClient<LspPaths>(baseUrl, o);
}

/** The mock LSP's internal API, on top of the node's. */
export class LspApi extends NodeApi {
  /** the typed client of /internal/lsp/v1 */
  readonly lspApi: ApiClient<LspPaths>;
  constructor(baseUrl: string, label?: string, timeoutMs?: number) {
    super(baseUrl, label, timeoutMs);
    this.lspApi = lspClient(baseUrl, { label: this.label, timeoutMs });
  }
  scenarios(): Promise<ScenarioView[]> {
    return body(this.lspApi.GET('/internal/lsp/v1/scenarios'));
  }
  applyScenario(name: string): Promise<Lsp['schemas']['ScenarioApplied']> {
    return body(this.lspApi.POST('/internal/lsp/v1/scenarios/{name}', { params: { path: { name } } }));
  }
  sources(): Promise<SourceView[]> {
    return body(this.lspApi.GET('/internal/lsp/v1/sources'));
  }
  addressBook() {
    return body(this.lspApi.GET('/internal/lsp/v1/addressbook'));
  }
  /** Registers an organisation and makes sure its wallet holds a valid URA credential from the LSP (idempotent). */
  registerOrganisation(r: MemberRegistration): Promise<MemberResult> {
    return body(this.lspApi.POST('/internal/lsp/v1/organisations', { body: r }));
  }
  organisations(): Promise<MemberRegistration[]> {
    return body(this.lspApi.GET('/internal/lsp/v1/organisations'));
  }
  // Mitz-style consent; `actor` names who changes it (actor headers, as on the audit API), recorded in the LSP's log
  consent(bsn: string): Promise<ConsentView[]> {
    return body(this.lspApi.GET('/internal/lsp/v1/consent', { params: { query: { bsn } } }));
  }
  setConsent(c: Omit<ConsentView, 'recordedAt'>, actor: Record<string, string>): Promise<ConsentView> {
    return body(this.lspApi.PUT('/internal/lsp/v1/consent', { body: c, headers: actor }));
  }
  async withdrawConsent(k: Omit<ConsentView, 'recordedAt' | 'choice'>, actor: Record<string, string>): Promise<void> {
    await this.lspApi.DELETE('/internal/lsp/v1/consent', { body: k, headers: actor });
  }
}
