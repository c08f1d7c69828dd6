// The dashboard's "run the flow" over the real ECD client: client steps → flow events, then the administration list and its sources.
import { EcdClient, type CareWorker, type ClientStep, type EcdClientOptions } from '../ecd/client.js';
import { buildAdministrationList } from '../ecd/toedienlijst.js';
import type { FlowActor, RunFlow, StepStatus } from './dashboard/types.js';

const BLOCK_TITLES: Record<string, string> = {
  MA: 'medication agreements (MA)',
  TA: 'administration agreements (TA)',
  WDS: 'variable dosing regimens (WDS)',
  MTD: 'administrations (MTD)',
};

export function stepTitle(step: ClientStep): string {
  if (step.name === 'dezi-login') return 'Log in with Dezi: PKCE code flow, verklaring of the chosen role';
  if (step.name === 'discovery') return 'Discovery: find who serves MP9 (the LSP)';
  if (step.name === 'token') return 'Access token: own node asks the LSP authorization server';
  if (step.name === 'dpop') return 'DPoP proof from own node';
  return `FHIR search: ${BLOCK_TITLES[step.name.slice(5)] ?? step.name}`;
}

export interface EcdFlowOptions {
  /** how the ECD reaches its node (nodeUrl, subject, serviceId, scope, tokenType …) */
  ecd: Omit<EcdClientOptions, 'onStep'>;
  /** the care worker behind a dashboard choice */
  careWorker: (id: string) => CareWorker | undefined | Promise<CareWorker | undefined>;
  today?: () => Date;
  tz?: string;
  /**
   * Checks the audit trail after the searches (e.g. the LSP's and the own node's records for this trace id);
   * without it the audit step is shown as skipped.
   */
  audit?: (ctx: { traceId: string; bsn: string; careWorker: CareWorker }) => Promise<{ status: StepStatus; detail: string }>;
}

/** A RunFlow for createDashboard that does what the ECD does. */
export function createEcdRunFlow(o: EcdFlowOptions): RunFlow {
  return async ({ careWorkerId, bsn }, emit) => {
    const worker = await o.careWorker(careWorkerId);
    if (!worker) {
      emit({ id: 'ecd', actor: 'ecd', title: 'Choose care worker', status: 'failed', detail: `unknown care worker '${careWorkerId}'` });
      return { ok: false, failure: { step: 'ecd', code: 'unknown_care_worker', reason: `unknown care worker '${careWorkerId}'` } };
    }
    emit({ id: 'ecd', actor: 'ecd', title: `${worker.name} (${worker.roleName}) opens the administration list`, status: 'ok', detail: `client BSN ${bsn}` });
    const client = new EcdClient({
      ...o.ecd,
      onStep: (s) => emit({ id: s.name, actor: s.actor as FlowActor, title: stepTitle(s), status: s.status, durationMs: s.durationMs, detail: s.detail }),
    });
    const r = await client.fetchMedicationData({ careWorker: worker, bsn });
    if (!r.ok) {
      emit({ id: 'sources', actor: 'sources', title: 'Sources', status: 'skipped', detail: 'not reached' });
      return { ok: false, failure: { step: r.step, code: r.code, reason: r.reason } };
    }
    const list = buildAdministrationList({ bundles: r.bundles, today: o.today?.() ?? new Date(), tz: o.tz });
    const missing = list.sources.filter((s) => s.status !== 'complete');
    emit({
      id: 'sources',
      actor: 'sources',
      title: `Sources: ${list.sources.length - missing.length} of ${list.sources.length} complete`,
      // the list's own verdict decides: an answer that does not prove completeness is a warning even with no failed source
      status: missing.length || !list.complete ? 'warning' : 'ok',
      detail: [list.complete ? undefined : list.headline, ...list.sources.map((s) => s.line)].filter(Boolean).join('\n') || 'no source information in the answer',
    });
    if (o.audit) {
      const started = performance.now();
      emit({ id: 'audit', actor: 'audit', title: 'Audit trail (NEN 7513)', status: 'running' });
      const a = await o.audit({ traceId: r.trace.traceId, bsn, careWorker: worker }).catch((e: Error) => ({ status: 'failed' as const, detail: e.message }));
      emit({ id: 'audit', actor: 'audit', title: 'Audit trail (NEN 7513)', status: a.status, detail: a.detail, durationMs: Math.round(performance.now() - started) });
    } else {
      emit({ id: 'audit', actor: 'audit', title: 'Audit trail (NEN 7513)', status: 'skipped', detail: 'no audit check wired' });
    }
    return { ok: true, list };
  };
}
