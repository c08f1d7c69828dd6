// The patient-facing overview (NEN 7513 ch. 9): who accessed this client's data, when, on what basis.
import { eventDefinition, type AuditAction } from './events.js';
import type { AuditRecord } from './record.js';

const ACTION_TEXT: Record<AuditAction, string> = { C: 'created', R: 'read', U: 'changed', D: 'deleted', E: 'searched / requested' };

export interface OverviewEntry {
  when: string;
  event: string;
  what: string;
  action: AuditAction;
  actionText: string;
  /** the organisation acted for (URA and name) */
  organisation?: { ura: string; name?: string };
  role?: { code: string; system: string; display?: string };
  /** the responsible natural person; the employee's own name is left out (NEN 7513 §8.4.1: only on request) */
  responsible?: { id: string; name?: string };
  data?: { type: string; id?: string; query?: string };
  authorisation?: { protocol?: string; scope?: string; purposeOfUse?: string };
  consentProfile?: string;
  breakTheGlass: boolean;
  outcome: string;
  /** the other party: where an outgoing request went, or who asked */
  peer?: { url?: string; ura?: string; name?: string };
  recordId: string;
  traceId?: string;
}

/**
 * Only events on the dossier itself: reads of the log are the log's own business, and a break-the-glass alert is
 * already shown as the flag on the data event it accompanies.
 */
export function overviewEntries(records: AuditRecord[]): OverviewEntry[] {
  return records
    .filter((r) => eventDefinition(r.event).patientData && r.event !== 'security.emergency-access')
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.seq - b.seq)
    .map((r) => {
      const a = r.actor;
      const responsible = a?.responsible ?? (a && a.kind !== 'process' ? { id: a.userId } : undefined);
      return {
        when: r.startedAt,
        event: r.event,
        what: eventDefinition(r.event).description,
        action: r.action,
        actionText: ACTION_TEXT[r.action],
        organisation: a?.organisation,
        role: a?.responsible?.role ?? a?.role,
        responsible: responsible && { id: responsible.id, ...('name' in responsible && responsible.name ? { name: responsible.name } : {}) },
        data: r.object && { type: r.object.type, id: r.object.id, query: r.object.query },
        authorisation: r.authorisation && { protocol: r.authorisation.protocol, scope: r.authorisation.scope, purposeOfUse: r.authorisation.purposeOfUse },
        consentProfile: r.consent?.profile,
        breakTheGlass: r.breakTheGlass,
        outcome: r.outcome.code === '0' ? 'success' : `refused or failed: ${r.outcome.description}`,
        peer: r.peer,
        recordId: r.id,
        traceId: r.traceId,
      };
    });
}
