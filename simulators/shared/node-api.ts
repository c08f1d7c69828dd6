// HTTP client of a node's internal API (VDR v2, VCR v2, Discovery v1, audit v1, monitoring) and the mock LSP's
// internal API: what the seed, the dashboard and the LSP's own organisation registry use, in one process or across containers.
import { readBody } from '../../node/src/core/index.js';
import type { WireCredential } from '../../node/src/vcr/index.js';

/** A call that did not succeed: `unreachable` (no HTTP answer) or `refused` (an HTTP error status, with the problem's detail). */
export class NodeApiError extends Error {
  constructor(
    message: string,
    readonly kind: 'unreachable' | 'refused',
    /** what the node said (the problem's detail), or why it could not be reached */
    readonly detail: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'NodeApiError';
  }
}

export interface Diagnostics {
  name: string;
  url: string;
  organization: { ura?: string; name?: string };
  health: { status: string; details?: Record<string, { status: string; details?: unknown }> };
}

export interface Verification {
  validity: boolean;
  reason?: string;
  message?: string;
}

/** Who reads audit logs for the dashboard (so the read itself is recorded with a name). */
const AUDIT_READER = { 'x-user-id': 'dashboard', 'x-user-name': 'nuts-lsp-lab dashboard' };

const seg = encodeURIComponent;
const STALE_SOCKET = new Set(['UND_ERR_SOCKET', 'ECONNRESET']);
const causeCode = (e: unknown) => (e as { cause?: { code?: string } }).cause?.code;

export class NodeApi {
  readonly baseUrl: string;
  constructor(
    baseUrl: string,
    /** how the node is named in error messages */
    readonly label = new URL(baseUrl).host,
    private readonly timeoutMs = 15_000,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** One JSON call; a 204 or empty body is undefined. */
  async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const send = () =>
      fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    let res: Response;
    try {
      // a kept-alive connection to a node that restarted on the same port fails once, before the request is read
      res = await send().catch((e: unknown) => (STALE_SOCKET.has(causeCode(e) ?? '') ? send() : Promise.reject(e)));
    } catch (e) {
      const cause = causeCode(e) ?? ((e as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : (e as Error).message);
      throw new NodeApiError(`${this.label} unreachable at ${this.baseUrl} (${cause})`, 'unreachable', cause);
    }
    const { text, json } = await readBody(res);
    const parsed = json ?? (text || undefined);
    if (!res.ok) {
      const p = (parsed ?? {}) as Record<string, unknown>;
      const detail = String(p.detail ?? p.error_description ?? p.title ?? (typeof parsed === 'string' ? parsed : `HTTP ${res.status}`));
      throw new NodeApiError(`${this.label}: ${method} ${path.split('?')[0]} refused (${res.status}): ${detail}`, 'refused', detail, res.status);
    }
    return parsed as T;
  }

  // monitoring
  diagnostics(): Promise<Diagnostics> {
    return this.call('GET', '/status/diagnostics');
  }
  /** true when GET /health answers UP; false when it answers otherwise or not at all */
  async healthy(): Promise<boolean> {
    try {
      await this.call('GET', '/health');
      return true;
    } catch {
      return false;
    }
  }

  // VDR v2
  subjects(): Promise<Record<string, string[]>> {
    return this.call('GET', '/internal/vdr/v2/subject');
  }
  subjectDids(subject: string): Promise<string[]> {
    return this.call('GET', `/internal/vdr/v2/subject/${seg(subject)}`);
  }
  /** The subject's DID, creating the subject when it does not exist (idempotent). */
  async ensureSubject(subject: string): Promise<{ did: string; created: boolean }> {
    const existing = (await this.subjects())[subject]?.[0];
    if (existing) return { did: existing, created: false };
    const r = await this.call<{ documents: Array<{ id: string }> }>('POST', '/internal/vdr/v2/subject', { subject });
    return { did: r.documents[0]!.id, created: true };
  }

  // VCR v2
  issue(request: Record<string, unknown>): Promise<WireCredential> {
    return this.call('POST', '/internal/vcr/v2/issuer/vc', request);
  }
  /** Credentials this node issued; `revoked` says whether each is revoked. */
  async issued(q: { credentialType: string; issuer: string; subject?: string }): Promise<Array<{ credential: WireCredential; revoked: boolean }>> {
    const params = new URLSearchParams({ credentialType: q.credentialType, issuer: q.issuer, ...(q.subject ? { subject: q.subject } : {}) });
    const r = await this.call<{ verifiableCredentials: Array<{ verifiableCredential: WireCredential; revocation?: unknown }> }>('GET', `/internal/vcr/v2/issuer/vc/search?${params}`);
    return r.verifiableCredentials.map((v) => ({ credential: v.verifiableCredential, revoked: v.revocation !== undefined }));
  }
  revoke(credentialId: string): Promise<void> {
    return this.call('DELETE', `/internal/vcr/v2/issuer/vc/${seg(credentialId)}`);
  }
  /** Signature, validity period and revocation as this node sees them; trust lists are not consulted. */
  verify(vc: WireCredential): Promise<Verification> {
    return this.call('POST', '/internal/vcr/v2/verifier/vc', { verifiableCredential: vc, verificationOptions: { allowUntrustedIssuer: true } });
  }
  trust(credentialType: string, issuer: string): Promise<void> {
    return this.call('POST', '/internal/vcr/v2/verifier/trust', { credentialType, issuer });
  }
  /** Every credential in the wallet, revoked and expired ones included (the search route; the list route skips those). */
  async wallet(subject: string, type?: string): Promise<WireCredential[]> {
    const r = await this.call<{ verifiableCredentials: Array<{ verifiableCredential: WireCredential }> }>('GET', `/internal/vcr/v2/holder/${seg(subject)}/vc/search${type ? `?type=${seg(type)}` : ''}`);
    return r.verifiableCredentials.map((v) => v.verifiableCredential);
  }
  addToWallet(subject: string, vc: WireCredential): Promise<void> {
    return this.call('POST', `/internal/vcr/v2/holder/${seg(subject)}/vc`, vc);
  }
  removeFromWallet(subject: string, credentialId: string): Promise<void> {
    return this.call('DELETE', `/internal/vcr/v2/holder/${seg(subject)}/vc/${seg(credentialId)}`);
  }

  // Discovery v1: activation also refreshes, so the own registration is findable right away
  activate(serviceId: string, subject: string, registrationParameters: Record<string, unknown>): Promise<void> {
    return this.call('POST', `/internal/discovery/v1/${seg(serviceId)}/${seg(subject)}`, { registrationParameters });
  }

  // audit v1, read as the dashboard user
  audit<T>(pathAndQuery: string, reader: Record<string, string> = AUDIT_READER): Promise<T> {
    return this.call('GET', `/internal/audit/v1${pathAndQuery}`, undefined, reader);
  }
}

export interface ScenarioView {
  name: string;
  title: string;
  expect: string;
  active: boolean;
}

export interface SourceView {
  id: string;
  name: string;
  ura: string;
  organizationType: string;
  fhirBase: string;
  available: boolean;
  latencyMs: number;
}

/** An organisation the LSP issued a URA credential to and keeps in its wallet (the targets of revoked-organisation and normal). */
export interface MemberRegistration {
  did: string;
  subject: string;
  /** internal API base URL of the node holding the organisation's wallet */
  walletUrl: string;
  organization: { ura: string; name: string; city: string };
}

export interface MemberResult {
  did: string;
  credentialId: string;
  /** kept: a valid one was there; issued: there was none; replaced: an invalid one was taken out first */
  action: 'kept' | 'issued' | 'replaced';
  removed: Array<{ id: string; reason: string }>;
}

/** The mock LSP's internal API, on top of the node's. */
export class LspApi extends NodeApi {
  scenarios(): Promise<ScenarioView[]> {
    return this.call('GET', '/internal/lsp/v1/scenarios');
  }
  applyScenario(name: string): Promise<{ scenario: string; expect: string; changes: string[] }> {
    return this.call('POST', `/internal/lsp/v1/scenarios/${seg(name)}`);
  }
  sources(): Promise<SourceView[]> {
    return this.call('GET', '/internal/lsp/v1/sources');
  }
  /** Registers an organisation and makes sure its wallet holds a valid URA credential from the LSP (idempotent). */
  registerOrganisation(r: MemberRegistration): Promise<MemberResult> {
    return this.call('POST', '/internal/lsp/v1/organisations', r);
  }
  organisations(): Promise<MemberRegistration[]> {
    return this.call('GET', '/internal/lsp/v1/organisations');
  }
  // Mitz-style consent; `actor` names who changes it (actor headers, as on the audit API), recorded in the LSP's log
  consent(bsn: string): Promise<ConsentView[]> {
    return this.call('GET', `/internal/lsp/v1/consent?bsn=${seg(bsn)}`);
  }
  setConsent(c: Omit<ConsentView, 'recordedAt'>, actor: Record<string, string>): Promise<ConsentView> {
    return this.call('PUT', '/internal/lsp/v1/consent', c, actor);
  }
  withdrawConsent(k: Omit<ConsentView, 'recordedAt' | 'choice'>, actor: Record<string, string>): Promise<void> {
    return this.call('DELETE', '/internal/lsp/v1/consent', k, actor);
  }
}

export interface ConsentView {
  bsn: string;
  holderCategory: string;
  dataCategory: string;
  consulterCategory: string;
  choice: 'ja' | 'nee';
  recordedAt: number;
}
