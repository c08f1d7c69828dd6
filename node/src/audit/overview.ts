// The patient-facing overview (NEN 7513 ch. 9): who accessed this client's data, when, on what basis — newest first, paged, in words.
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
  /** "Anna de Vries (Verzorgende IG, Thuiszorg De Zonnebloem)": the responsible person with role and organisation */
  who: string;
  /** "searched medication agreements (MA)" */
  did: string;
  /** the system the access came from (or, for an outgoing request, the own system that sent it) */
  system: string;
  /** the whole access in one sentence for people; the raw query stays in `data.query` */
  summary: string;
}

/** One page of the overview, newest first. */
export interface OverviewPage {
  total: number;
  offset: number;
  limit: number;
  entries: OverviewEntry[];
}

/** MP9 building blocks by SNOMED category, as a person reads them (reference mp9-fhir.md §1). */
const CATEGORY_WORDS: Record<string, string> = {
  '33633005': 'medication agreements (MA)',
  '16076005': 'medication agreements (MA)',
  '395067002': 'variable dosing regimens (WDS)',
  '52711000146108': 'dispense requests (VV)',
  '422037009': 'administration agreements (TA)',
  '373784005': 'dispenses (MVE)',
  '422979000': 'medication use (MGB)',
  '18629005': 'medication administrations (MTD)',
};
const VERB: Record<string, string> = {
  'fhir.search': 'searched',
  'data.request.outgoing': 'requested',
  'fhir.read': 'read',
  'fhir.create': 'created',
  'fhir.update': 'changed',
  'fhir.delete': 'deleted',
  'fhir.transaction': 'sent a batch of',
};

function whatOf(object: AuditRecord['object']): string {
  if (!object) return 'data';
  const category = object.query ? /category=[^&]*?(\d{6,})/.exec(safeDecode(object.query))?.[1] : undefined;
  if (category && CATEGORY_WORDS[category]) return CATEGORY_WORDS[category]!;
  return object.id ? `${object.type}/${object.id}` : `${object.type} resources`;
}
function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The sentence parts of one record: who did what, from which system. */
function describe(r: AuditRecord, role?: { code: string; display?: string }, responsible?: { id: string; name?: string }): { who: string; did: string; system: string } {
  const a = r.actor;
  const person = responsible?.name ?? a?.userName ?? (responsible ? `user ${responsible.id}` : 'an unknown user');
  const org = a?.organisation ? (a.organisation.name ?? `URA ${a.organisation.ura}`) : undefined;
  const who = `${person} (${[role ? (role.display ?? role.code) : 'role unknown', org ?? 'organisation unknown'].join(', ')})`;
  const outgoing = r.event === 'data.request.outgoing';
  const verb = VERB[r.event] ?? eventDefinition(r.event).description;
  const did = `${verb} ${whatOf(r.object)}${outgoing && (r.peer?.name ?? r.peer?.url) ? ` at ${r.peer!.name ?? r.peer!.url}` : ''}`;
  const system = outgoing
    ? [r.source.system, a?.clientId && `(${a.clientId})`].filter(Boolean).join(' ')
    : (r.client?.system ?? (a?.clientId ? `application ${a.clientId}` : undefined) ?? r.peer?.name ?? (r.client?.address ? `address ${r.client.address}` : 'an unknown system'));
  return { who, did, system };
}

/** Newest first, `limit` entries from `offset` (limit 1..500). */
export function overviewPage(entries: OverviewEntry[], page: { offset?: number; limit?: number } = {}): OverviewPage {
  const offset = Math.max(0, page.offset ?? 0);
  const limit = Math.min(500, Math.max(1, page.limit ?? 50));
  return { total: entries.length, offset, limit, entries: entries.slice(offset, offset + limit) };
}

/**
 * Only events on the dossier itself: reads of the log are the log's own business, and a break-the-glass alert is
 * already shown as the flag on the data event it accompanies.
 */
export function overviewEntries(records: AuditRecord[]): OverviewEntry[] {
  return records
    .filter((r) => eventDefinition(r.event).patientData && r.event !== 'security.emergency-access')
    // newest first: a person reads the latest access at the top
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.seq - a.seq)
    .map((r) => {
      const a = r.actor;
      const responsible = a?.responsible ?? (a && a.kind !== 'process' ? { id: a.userId } : undefined);
      const role = a?.responsible?.role ?? a?.role;
      const outcome = r.outcome.code === '0' ? 'success' : `refused or failed: ${r.outcome.description}`;
      const words = describe(r, role, responsible);
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
        outcome,
        peer: r.peer,
        recordId: r.id,
        traceId: r.traceId,
        ...words,
        summary: `${r.startedAt}: ${words.who} ${words.did}, from ${words.system} — ${outcome}`,
      };
    });
}
