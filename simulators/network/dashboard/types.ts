// Shapes the dashboard server and its browser modules share: what the injected functions return and what /events carries.
import type { AdministrationList } from '../../ecd/toedienlijst.js';

export type { AdministrationList };

/** The lanes of the flow display, in order. */
export const FLOW_ACTORS = ['ecd', 'dezi', 'node', 'lsp-as', 'lsp-fhir', 'sources', 'audit'] as const;
export type FlowActor = (typeof FLOW_ACTORS)[number];
export const ACTOR_LABELS: Record<FlowActor, string> = {
  ecd: 'ECD',
  dezi: 'Dezi',
  node: 'Own node',
  'lsp-as': 'LSP authorization server',
  'lsp-fhir': 'LSP FHIR',
  sources: 'Sources',
  audit: 'Audit',
};

export type StepStatus = 'running' | 'ok' | 'warning' | 'failed' | 'skipped';

/** One event of a running flow; the same `id` is sent again when its status changes (running → ok/failed). */
export interface FlowStepEvent {
  runId: string;
  /** stable within a run, e.g. 'discovery', 'token', 'fhir:MA', 'sources', 'audit' */
  id: string;
  actor: FlowActor;
  title: string;
  status: StepStatus;
  durationMs?: number;
  detail?: string;
  /** ISO time the event was made */
  at: string;
}

export interface FlowInput {
  careWorkerId: string;
  bsn: string;
}

export interface FlowResult {
  runId: string;
  ok: boolean;
  /** present when data came back (also when some sources were missing) */
  list?: AdministrationList;
  /** present when the flow stopped: which step and why */
  failure?: { step: string; code: string; reason: string };
  durationMs: number;
}

export type RunFlow = (input: FlowInput & { runId: string }, emit: (step: Omit<FlowStepEvent, 'runId' | 'at'>) => void) => Promise<Omit<FlowResult, 'runId' | 'durationMs'>>;

export interface CredentialInfo {
  type: string;
  issuer?: string;
  status: 'valid' | 'revoked' | 'expired' | 'suspended' | 'unknown';
  expires?: string;
  detail?: string;
  /** whose verdict `status` is: the LSP's, since it decides on token requests (issue 15) */
  seenBy?: string;
}

/** A source system behind the LSP, as the network panel shows it. */
export interface SourceSystemInfo {
  name: string;
  ura: string;
  /** zorgaanbiedertype and what it is, e.g. "J8 pharmacy" */
  kind: string;
  /** the MP9 building blocks it holds, e.g. "TA, MVE" */
  holds: string;
  available: boolean;
  latencyMs: number;
}

export interface OrganisationInfo {
  name: string;
  subject: string;
  did: string;
  ura?: string;
  city?: string;
  credentials: CredentialInfo[];
}

export interface NodeInfo {
  name: string;
  role: string;
  publicUrl: string;
  internalUrl?: string;
  healthy: boolean;
  organisations: OrganisationInfo[];
}

export interface CareWorkerOption {
  id: string;
  name: string;
  roleCode: string;
  roleName: string;
  big: boolean;
  organisation: string;
  /** the care worker logs in with Dezi (the flow starts with the Dezi step and the token carries the verklaring) */
  dezi?: boolean;
}

export interface ClientOption {
  bsn: string;
  name: string;
  birthDate?: string;
}

export interface NetworkView {
  nodes: NodeInfo[];
  /** the LSP's source systems; absent when the LSP does not say */
  sources?: SourceSystemInfo[];
  careWorkers: CareWorkerOption[];
  clients: ClientOption[];
}

export interface ScenarioInfo {
  name: string;
  title: string;
  description?: string;
  active: boolean;
}

export interface AuditRecordView {
  at: string;
  node: string;
  action: string;
  who?: string;
  role?: string;
  organisation?: string;
  patient?: string;
  outcome: string;
  traceId?: string;
}

export interface AuditNodeView {
  node: string;
  records: number;
  chain: { ok: boolean; reason?: string; checkpoints?: number };
  recent: AuditRecordView[];
}

export interface AuditView {
  nodes: AuditNodeView[];
}

/** One access to a client's data as the patient overview shows it: who (role, organisation) did what, when, from which system. */
export interface PatientAccessView {
  at: string;
  /** whose log holds it */
  node: string;
  who: string;
  did: string;
  system: string;
  outcome: string;
  /** the raw query, shown on demand */
  query?: string;
}

/** One page of the patient overview, newest first. */
export interface PatientOverviewView {
  bsn: string;
  total: number;
  offset: number;
  limit: number;
  entries: PatientAccessView[];
}

export interface DashboardOptions {
  /** the network panel: nodes, organisations, DIDs, credentials, plus the people the flow panel offers */
  network: () => Promise<NetworkView>;
  runFlow: RunFlow;
  scenarios: {
    list: () => Promise<ScenarioInfo[]>;
    apply: (name: string) => Promise<{ ok: boolean; message: string }>;
  };
  audit: {
    view: () => Promise<AuditView>;
    /** "who looked at my data": the accesses to one client's data, newest first, one page */
    patient: (bsn: string, page: { offset: number; limit: number }) => Promise<PatientOverviewView>;
  };
  /** shown in the header */
  title?: string;
}
