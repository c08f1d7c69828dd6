// Completeness of an administration list, proven from the LSP's outcome entries, and the row warnings for medication whose dose depends on a source that did not answer.
import { SOURCE_NAME_EXTENSION } from '../../node/src/fhir/index.js';

/** Building blocks as the list reads them; MVE is recognised (a dispense) but never the basis of a dose. */
export type Block = 'MA' | 'TA' | 'WDS' | 'MTD' | 'MVE';
export const CATEGORY: Record<string, Block> = { '33633005': 'MA', '16076005': 'MA', '395067002': 'WDS', '422037009': 'TA', '18629005': 'MTD', '373784005': 'MVE' };
export const BLOCK_NAMES: Record<Block, string> = {
  MA: 'medication agreement (MA)',
  TA: 'administration agreement (TA)',
  WDS: 'variable dosing regimen (WDS, wisselend doseerschema)',
  MTD: 'recorded administrations (MTD)',
  MVE: 'dispense (MVE)',
};

/**
 * Per source: `complete` only on the LSP's statement that it answered fully; `not-registered` is the LSP saying no
 * source registered anything for the client; `withheld` is no consent; the rest are sources that did not answer.
 */
export type SourceStatus = 'complete' | 'withheld' | 'timeout' | 'unreachable' | 'not-registered' | 'error';
export interface SourceCompleteness {
  key: string;
  name: string;
  status: SourceStatus;
  /** resources (building blocks) shown from this source */
  items: number;
  reason?: string;
  /** the issue codes the LSP reported, e.g. ['suppressed'] */
  codes: string[];
  /** one line for people: "Apotheek De Linde: not shown — no consent (Mitz)" */
  line: string;
}

/**
 * The list as a whole. `complete` only when every search carried the LSP's statement about its sources and every
 * source the LSP knows for the client answered fully; `unproven` when an answer did not say which sources were asked.
 */
export type ListState = 'complete' | 'not-registered' | 'no-consent' | 'unreachable' | 'timeout' | 'source-error' | 'unproven';

/** A source that did not answer one search, as a row warning names it. */
export interface MissingSource {
  name: string;
  status: SourceStatus;
  reason?: string;
}

/** What one search (one building block) brought: proven complete, or which sources are missing from it. */
export interface SearchCoverage {
  block: Block | 'unknown';
  /** the answer carried at least one statement about its sources and none of them failed */
  proven: boolean;
  missing: MissingSource[];
}

export type WarningCode = 'wds-missing' | 'wds-none' | 'ma-missing' | 'latest-wds-missing' | 'stop-may-exist' | 'mtd-missing';
export interface RowWarning {
  code: WarningCode;
  /** `dose-unknown`: the dose shown may be wrong, do not give it from this list; `check`: check before giving */
  severity: 'dose-unknown' | 'check';
  /** the building blocks that are missing */
  missing: Block[];
  /** the sources it is missing from (empty: no source holds it) */
  from: MissingSource[];
  text: string;
}

export interface ParsedSearch {
  /** the key the caller filed the bundle under, or what the bundle's self link or matches say */
  block: Block | 'unknown';
  outcomes: fhir4.OperationOutcome[];
}

/** The block a bundle answers: its key (EcdClient files them by block), its self link's category, or its first match. */
export function blockOfBundle(bundle: fhir4.Bundle, key?: string): Block | 'unknown' {
  if (key && (['MA', 'TA', 'WDS', 'MTD', 'MVE'] as string[]).includes(key)) return key as Block;
  const self = bundle.link?.find((l) => l.relation === 'self')?.url;
  const category = self ? /category=[^&]*?(\d{6,})/.exec(decodeURIComponent(self))?.[1] : undefined;
  if (category && CATEGORY[category]) return CATEGORY[category]!;
  for (const e of bundle.entry ?? []) {
    if (e.search?.mode !== 'match' || !e.resource) continue;
    const b = blockOfResource(e.resource);
    if (b) return b;
  }
  return 'unknown';
}

export function blockOfResource(res: fhir4.Resource): Block | undefined {
  const cats = (res as { category?: fhir4.CodeableConcept | fhir4.CodeableConcept[] }).category;
  for (const c of Array.isArray(cats) ? cats : cats ? [cats] : []) {
    for (const coding of c.coding ?? []) {
      const b = coding.system === 'http://snomed.info/sct' ? CATEGORY[coding.code ?? ''] : undefined;
      if (b) return b;
    }
  }
  return undefined;
}

/** A failure code means failure whatever its severity: an "information" not-found is still not a complete answer. */
function statusOfIssue(issue: fhir4.OperationOutcomeIssue): SourceStatus {
  switch (issue.code) {
    case 'suppressed':
    case 'forbidden':
    case 'security':
    case 'consent' as never:
      return 'withheld';
    case 'timeout':
      return 'timeout';
    case 'no-store':
    case 'transient':
    case 'throttled':
      return 'unreachable';
    case 'not-found':
      return 'not-registered';
    case 'informational':
      return 'complete';
    default:
      return issue.severity === 'information' ? 'complete' : 'error';
  }
}
const SEVERITY: Record<SourceStatus, number> = { complete: 0, error: 2, timeout: 3, unreachable: 4, withheld: 5, 'not-registered': 6 };
function defaultReason(code: string): string {
  return (
    ({ suppressed: 'withheld by the LSP', forbidden: 'not authorised', security: 'not authorised', timeout: 'timeout', 'no-store': 'source unavailable', transient: 'temporary failure', 'not-found': 'not registered at the LSP' } as Record<string, string>)[code] ??
    code
  );
}
const LSP_KEY = 'LSP';
const sourceKey = (o: fhir4.OperationOutcome) => o.meta?.source ?? LSP_KEY;
const sourceName = (o: fhir4.OperationOutcome) => o.extension?.find((e) => e.url === SOURCE_NAME_EXTENSION)?.valueString;

/** Worst status and its reason per source, over all issues of the given outcomes. */
function judge(outcomes: fhir4.OperationOutcome[]): Map<string, { name: string; status: SourceStatus; reason?: string; codes: string[] }> {
  const map = new Map<string, { name: string; status: SourceStatus; reason?: string; codes: string[] }>();
  for (const o of outcomes) {
    const key = sourceKey(o);
    let s = map.get(key);
    if (!s) map.set(key, (s = { name: sourceName(o) ?? (key === LSP_KEY ? 'LSP (Landelijk Schakelpunt)' : key), status: 'complete', codes: [] }));
    for (const issue of o.issue ?? []) {
      const status = statusOfIssue(issue);
      if (!s.codes.includes(issue.code)) s.codes.push(issue.code);
      // The worst status wins; the first reason of that status explains it.
      if (SEVERITY[status] > SEVERITY[s.status]) {
        s.status = status;
        s.reason = issue.details?.text ?? issue.diagnostics ?? defaultReason(issue.code);
      }
    }
  }
  return map;
}

export function coverageOf(search: ParsedSearch): SearchCoverage {
  const judged = judge(search.outcomes);
  const missing = [...judged.values()].filter((s) => s.status !== 'complete').map(({ name, status, reason }) => ({ name, status, ...(reason ? { reason } : {}) }));
  return { block: search.block, proven: judged.size > 0 && missing.length === 0, missing };
}

/** One completeness line per source over every search; `items` counts the building blocks each source delivered. */
export function sourcesOf(searches: ParsedSearch[], delivered: Array<{ source?: string; name?: string }>): SourceCompleteness[] {
  const judged = judge(searches.flatMap((s) => s.outcomes));
  const out = new Map<string, SourceCompleteness>();
  for (const [key, s] of judged) {
    // the LSP's own "no source holds this data" is proof for its search, not a source of the list
    if (key === LSP_KEY && s.status === 'complete') continue;
    out.set(key, { key, name: s.name, status: s.status, reason: s.reason, codes: s.codes, items: 0, line: '' });
  }
  for (const d of delivered) {
    if (!d.source) continue;
    let s = out.get(d.source);
    // data from a source the answer never spoke about: shown, but its completeness is unknown
    if (!s) out.set(d.source, (s = { key: d.source, name: d.name ?? d.source, status: 'error', reason: 'the answer does not say whether this source answered fully', codes: [], items: 0, line: '' }));
    s.items++;
  }
  for (const s of out.values()) {
    s.line =
      s.status === 'complete'
        ? `${s.name}: complete (${s.items} ${s.items === 1 ? 'item' : 'items'} received)`
        : s.status === 'withheld'
          ? `${s.name}: not shown — ${s.reason}`
          : s.status === 'timeout'
            ? `${s.name}: did not answer in time (${s.reason})`
            : s.status === 'unreachable'
              ? `${s.name}: unreachable (${s.reason})`
              : s.status === 'not-registered'
                ? `${s.name}: client not registered at the LSP — this does not mean the client takes no medication`
                : `${s.name}: incomplete — ${s.reason}`;
  }
  return [...out.values()].sort((a, b) => SEVERITY[b.status] - SEVERITY[a.status] || a.name.localeCompare(b.name));
}

/** The searches without which nobody can say what to give today: the agreements, the dosing schedule, and what was already given. */
export const REQUIRED_BLOCKS: readonly Block[] = ['MA', 'TA', 'WDS', 'MTD'];

const STATE_OF: Partial<Record<SourceStatus, ListState>> = { 'not-registered': 'not-registered', withheld: 'no-consent', unreachable: 'unreachable', timeout: 'timeout', error: 'source-error' };

/** The state of the whole list and the one line that says it; "nothing to give" is only ever said of a complete answer. */
export function listState(coverage: SearchCoverage[], sources: SourceCompleteness[], activeRows: number): { state: ListState; complete: boolean; nothingToGive: boolean; headline: string } {
  const failed = sources.filter((s) => s.status !== 'complete');
  const worst = failed[0]; // sources are sorted worst first
  const notAsked = REQUIRED_BLOCKS.filter((b) => !coverage.some((c) => c.block === b));
  const proven = coverage.length > 0 && coverage.every((c) => c.proven) && !notAsked.length;
  if (!worst && proven) {
    const answered = sources.length;
    const nothingToGive = activeRows === 0;
    const base = answered
      ? `Complete: ${answered === 1 ? 'the one source' : `all ${answered} sources`} the LSP knows for this client answered fully.`
      : 'Complete: the LSP knows this client and no source holds this data for them.';
    return { state: 'complete', complete: true, nothingToGive, headline: nothingToGive ? `${base} Nothing to give today: no active administration agreement.` : base };
  }
  const tail = 'This does not mean the client takes no other medication.';
  // sources the answer never spoke about (no issue codes) leave completeness unproven rather than failed
  if (!failed.some((s) => s.codes.length)) {
    const why = notAsked.length && coverage.every((c) => c.proven) ? `no search for ${notAsked.join(', ')} was made` : 'the answer does not say which sources the LSP asked';
    return { state: 'unproven', complete: false, nothingToGive: false, headline: `Completeness not proven: ${why}. ${tail}` };
  }
  if (failed.every((s) => s.status === 'not-registered') && failed.length === sources.length)
    return { state: 'not-registered', complete: false, nothingToGive: false, headline: 'Not registered at the LSP: no source system has registered data for this client. This does not mean the client takes no medication.' };
  const state = STATE_OF[worst.status] ?? 'source-error';
  return { state, complete: false, nothingToGive: false, headline: `INCOMPLETE — ${failed.map((s) => s.line).join('; ')}. Medication from ${failed.length === 1 ? 'this source' : 'these sources'} is not shown. ${tail}` };
}

/** The building blocks behind one row, with what the warnings need to know about each. */
export interface RowBasis {
  /** the block today's dose is read from; undefined when no agreement was received (dispense only) */
  primary?: Block;
  /** blocks of this treatment that were received */
  received: Block[];
  /** the TA's (or MVE's) own MA was received (by authorizingPrescription identifier, or any MA of the treatment) */
  ownMaReceived: boolean;
  /** the treatment is dosed by a variable dosing regimen (a WDS exists, or the instructions say "volgens schema") */
  variableDosing: boolean;
  /** the row is active today (not stopped or paused) */
  active: boolean;
}

function uniqueSources(from: MissingSource[]): MissingSource[] {
  const seen = new Map<string, MissingSource>();
  for (const s of from) if (!seen.has(s.name)) seen.set(s.name, s);
  return [...seen.values()];
}
const who = (from: MissingSource[]) => uniqueSources(from).map((s) => `${s.name} (${s.reason ?? s.status})`).join(', ');

/**
 * The row-level rules (simulators/ecd/README.md "Row warnings"): a row whose dose today depends on a building block
 * that a source did not deliver says so, naming the block and the source.
 */
export function rowWarnings(basis: RowBasis, missingOf: (block: Block) => MissingSource[], wdsSearchProven: boolean): RowWarning[] {
  if (!basis.active) return [];
  const out: RowWarning[] = [];
  const add = (w: Omit<RowWarning, 'text'>, text: string) => out.push({ ...w, text });
  const wds = missingOf('WDS');
  const ma = missingOf('MA');
  const ta = missingOf('TA');
  const mtd = missingOf('MTD');
  if (basis.primary !== 'WDS' && basis.variableDosing) {
    if (wds.length) add({ code: 'wds-missing', severity: 'dose-unknown', missing: ['WDS'], from: wds }, `Dose unknown: today's dose is set by a variable dosing regimen (WDS), not received from ${who(wds)}. Do not give the dose shown until the dosing schedule is confirmed.`);
    else if (wdsSearchProven) add({ code: 'wds-none', severity: 'dose-unknown', missing: ['WDS'], from: [] }, "Dose unknown: the instructions refer to a dosing schedule, but no source holds a current variable dosing regimen (WDS). Ask the prescriber or thrombosis service for today's dose.");
  }
  if ((basis.primary === 'TA' || basis.primary === undefined) && !basis.ownMaReceived && ma.length) {
    const what = basis.primary === 'TA' ? 'this administration agreement (TA) follows' : 'this dispense (MVE) belongs to';
    add({ code: 'ma-missing', severity: 'dose-unknown', missing: ['MA'], from: ma }, `Dose unconfirmed: the medication agreement (MA) ${what} was not received from ${who(ma)}; a newer agreement there may change the dose or stop it.`);
  }
  if ((basis.primary === 'MA' || basis.primary === 'TA') && basis.received.includes('MA') && !basis.variableDosing && wds.length)
    add({ code: 'latest-wds-missing', severity: 'check', missing: ['WDS'], from: wds }, `Check the dose: a variable dosing regimen (WDS) for this agreement, which would set today's dose, may exist at ${who(wds)}.`);
  // one line for every other agreement block a source did not deliver: any of them may hold a stop or a change
  const covered = new Set(out.flatMap((w) => w.missing));
  const rest = ([['MA', ma], ['TA', ta], ['WDS', wds]] as const).filter(([block, from]) => from.length && !covered.has(block));
  if (rest.length) {
    const from = uniqueSources(rest.flatMap(([, f]) => f));
    add({ code: 'stop-may-exist', severity: 'check', missing: rest.map(([b]) => b), from }, `Check before giving: a stop or change may exist in the ${rest.map(([b]) => b).join('/')} not received from ${who(from)}.`);
  }
  if (mtd.length) add({ code: 'mtd-missing', severity: 'check', missing: ['MTD'], from: mtd }, `Check before giving: ${BLOCK_NAMES.MTD} not received from ${who(mtd)}; a dose may already have been given today.`);
  return out.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'dose-unknown' ? -1 : 1));
}
