// The LSP broker: a search for one patient fans out to every source that registered data, checks consent per source,
// and merges the answers into one searchset with provenance and an outcome entry per source that did not answer fully.
import { randomUUID } from 'node:crypto';
import { currentContext, NodeError, outgoingTraceHeaders } from '../../node/src/core/index.js';
import { appliedPairs, blocksOfSearch, FhirError, isPatientCriterion, type ConsentHook, type FhirBackend, type FhirCaller, type ParsedSearch, SOURCE_NAME_EXTENSION, type FhirResource } from '../../node/src/fhir/index.js';
import { formatAortaId } from './aorta.js';
import { blockInfo } from './building-blocks.js';
import { assertValidBsn, BSN_SYSTEM } from './bsn.js';
import type { ReferenceIndex, Registration } from './reference-index.js';
import type { SourceSystem } from './sources.js';

/** Types the LSP holds itself (reference index, consents); everything else is brokered. */
const LOCAL_TYPES = new Set(['List', 'Consent']);
export const DEFAULT_SOURCE_TIMEOUT_MS = 2000;
/** Mitz data category all MP9 building blocks fall under here */
export const MEDICATION_DATA_CATEGORY = 'GGC013';

export type OutcomeReason = 'suppressed' | 'not-found' | 'timeout' | 'transient';
/**
 * Issue code of the statements that make completeness provable: one per source that answered fully, and one from the
 * LSP itself when it knows the client but no source registered the searched data. A caller can then tell "every source
 * answered" apart from "nobody said anything" (simulators/ecd/README.md, completeness rules).
 */
export const ANSWERED = 'informational' as const;

/** A source system that did not answer (unreachable, timed out, an error status): noted in the searchset, never the whole search's failure. */
export class SourceFailure extends NodeError {
  readonly reason: OutcomeReason;
  /** what the care worker sees in the outcome entry */
  readonly short: string;

  constructor(f: { message: string; reason: OutcomeReason; short: string; cause?: unknown }) {
    super(f.reason === 'timeout' ? 'unavailable' : 'bad_gateway', f.message, { cause: f.cause });
    this.name = 'SourceFailure';
    this.reason = f.reason;
    this.short = f.short;
  }
}

export interface SourceAnswer {
  source: string;
  name: string;
  status: 'ok' | OutcomeReason;
  matches: number;
  ms: number;
  detail?: string;
}

export interface BrokerOptions {
  local: FhirBackend;
  sources: () => SourceSystem[];
  index: ReferenceIndex;
  /** the node's consent hook (Mitz), asked per source with the source as the data's holder */
  consent: ConsentHook;
  baseUrl: () => string;
  /** the per-start secret the simulated sources accept (and accept from nobody else) */
  sourceSecret: string;
  timeoutMs?: () => number;
  /** the node's outgoing HTTP for the source systems (byte limit, no redirects); default the global fetch */
  fetch?: () => typeof fetch;
  /** called with what each source did, for the dashboard's live view */
  onFanOut?: (answers: SourceAnswer[], q: ParsedSearch) => void;
}

export class BrokerBackend implements FhirBackend {
  readonly kind = 'broker' as const;

  constructor(private readonly opts: BrokerOptions) {}

  async read(resourceType: string, id: string, caller: FhirCaller) {
    if (LOCAL_TYPES.has(resourceType)) return this.opts.local.read(resourceType, id, caller);
    // the LSP holds no medication data: a read names no source, so the caller searches by patient instead
    throw new FhirError({ status: 404, issueCode: 'not-supported', message: `the LSP holds no ${resourceType} resources; search by patient (patient.identifier=${'http://fhir.nl/fhir/NamingSystem/bsn'}|<BSN>) to reach the sources` });
  }

  // async, so a refusal is a rejected promise like any other backend answer (a synchronous throw escaped best-effort callers)
  async create(resource: FhirResource, caller: FhirCaller) {
    this.localOnly(resource.resourceType);
    return this.opts.local.create(resource, caller);
  }

  async update(resource: FhirResource & { id: string }, caller: FhirCaller) {
    this.localOnly(resource.resourceType);
    return this.opts.local.update(resource, caller);
  }

  async delete(resourceType: string, id: string, caller: FhirCaller) {
    this.localOnly(resourceType);
    return this.opts.local.delete(resourceType, id, caller);
  }

  async bundle(bundle: FhirResource, caller: FhirCaller) {
    for (const e of (Array.isArray(bundle.entry) ? bundle.entry : []) as Array<{ resource?: FhirResource; request?: { url?: string } }>) {
      const type = e?.resource?.resourceType ?? (typeof e?.request?.url === 'string' ? e.request.url.split(/[/?]/)[0] : undefined);
      if (type) this.localOnly(type);
    }
    return this.opts.local.bundle(bundle, caller);
  }

  private localOnly(type: string): void {
    if (!LOCAL_TYPES.has(type)) throw new FhirError({ status: 400, issueCode: 'not-supported', message: `the LSP stores no ${type}: medication data stays in the source systems; register availability with an AortaDataReference List` });
  }

  /**
   * Everything about whom and for whom comes from `caller`: the BSN is the one patient the pipeline authorised, the
   * consulting organisation the caller's; the query itself only narrows what each source returns.
   */
  async search(q: ParsedSearch, caller: FhirCaller): Promise<FhirResource> {
    if (LOCAL_TYPES.has(q.resourceType)) return this.opts.local.search(q, caller);
    const searched = blocksOfSearch(q);
    const blocks = searched.flatMap((b) => (b === 'context' ? [] : [blockInfo(b)]));
    const bsn = caller.patient?.bsn;
    if (!bsn) throw new FhirError({ status: 400, issueCode: 'required', message: 'the LSP needs the patient’s BSN: search with patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|<BSN>', expression: ['patient.identifier'] });
    assertBsn(bsn);
    const all = await this.opts.index.forBsn(bsn);
    const registrations = all.filter((r) => blocks.some((b) => b.block === r.block));
    const entries: FhirResource[] = [];
    const includes = new Map<string, FhirResource>();
    const outcomes: FhirResource[] = [];
    const answers: SourceAnswer[] = [];

    // a patient nobody registered is a notice; a category no source holds for a registered patient is simply no data
    if (!all.length) outcomes.push(outcome('not-found', 'warning', 'client not registered at the LSP', 'no source system has registered any data for this patient at the LSP'));
    else if (!registrations.length) outcomes.push(outcome(ANSWERED, 'information', 'no source holds this data', `the client is registered at the LSP, but no source system registered ${blocks.map((b) => b.block).join('/')} data for them`));
    const bySource = new Map<string, Registration[]>();
    for (const r of registrations) bySource.set(r.appId, [...(bySource.get(r.appId) ?? []), r]);
    const sources = this.opts.sources();
    await Promise.all(
      [...bySource.keys()].map(async (appId) => {
        const source = sources.find((s) => s.config.appId === appId);
        const name = source?.config.name ?? `application ${appId}`;
        const started = Date.now();
        const note = (status: OutcomeReason, short: string, detail: string, severity: 'error' | 'warning' | 'information' = 'warning') => {
          outcomes.push(outcome(status, severity, short, detail, { name, fhirBase: source?.fhirBase, ura: source?.config.ura }));
          answers.push({ source: appId, name, status, matches: 0, ms: Date.now() - started, detail });
        };
        if (!source) return note('transient', 'unreachable (unknown route)', `${name} is registered in the reference index but not known to the LSP's routing`, 'error');
        const answer = await this.opts.consent.check({ interaction: 'search', caller, blocks: searched, holder: { name, ura: source.config.ura, organizationType: source.config.organizationType } });
        if (!answer.permit) return note('suppressed', answer.summary ?? 'no consent', `${name}: ${answer.reason}`);
        try {
          const bundle = await this.fetchSource(source, q, bsn);
          let matches = 0;
          for (const e of (bundle.entry ?? []) as Array<{ resource?: FhirResource; search?: { mode?: string } }>) {
            if (!e.resource) continue;
            const r = withSource(e.resource, source.fhirBase, name);
            if (e.search?.mode === 'match') {
              entries.push(r);
              matches++;
            } else if (e.search?.mode === 'include') includes.set(`${r.resourceType}/${r.id}`, r);
            else if (e.search?.mode === 'outcome') outcomes.push(r);
          }
          outcomes.push(outcome(ANSWERED, 'information', `answered (${matches} ${matches === 1 ? 'item' : 'items'})`, `${name} answered fully: ${matches} matching ${matches === 1 ? 'resource' : 'resources'}`, { name, fhirBase: source.fhirBase, ura: source.config.ura }));
          answers.push({ source: appId, name, status: 'ok', matches, ms: Date.now() - started });
        } catch (e) {
          const err = e instanceof SourceFailure ? e : undefined;
          note(err?.reason ?? 'transient', err?.short ?? 'unreachable', `${name}: ${(e as Error).message}`, 'error');
        }
      }),
    );
    this.opts.onFanOut?.(answers, q);
    return this.searchset(q, entries, [...includes.values()], outcomes);
  }

  private async fetchSource(source: SourceSystem, q: ParsedSearch, bsn: string): Promise<FhirResource> {
    const ctx = currentContext();
    const url = `${source.fhirBase}/${q.resourceType}?${sourceQuery(q, bsn)}`;
    const timeout = this.opts.timeoutMs?.() ?? DEFAULT_SOURCE_TIMEOUT_MS;
    let res: Response;
    try {
      res = await (this.opts.fetch?.() ?? fetch)(url, {
        headers: { accept: 'application/fhir+json', authorization: `Bearer ${this.opts.sourceSecret}`, ...outgoingTraceHeaders(), 'AORTA-ID': formatAortaId({ initialRequestID: ctx?.requestId ?? randomUUID(), requestID: randomUUID() }) },
        signal: AbortSignal.timeout(timeout),
      });
    } catch (e) {
      const timedOut = (e as Error).name === 'TimeoutError' || (e as { kind?: string }).kind === 'timeout';
      throw new SourceFailure({
        message: timedOut ? `no answer within ${timeout} ms (timed out)` : `source system unreachable (${String((e as Error & { cause?: { code?: string } }).cause?.code ?? (e as Error).message)})`,
        reason: timedOut ? 'timeout' : 'transient',
        short: timedOut ? `timeout after ${timeout / 1000} s` : 'source system down',
        cause: e,
      });
    }
    if (!res.ok) throw new SourceFailure({ message: `source system answered HTTP ${res.status}`, reason: 'transient', short: `source error (HTTP ${res.status})` });
    return (await res.json()) as FhirResource;
  }

  private searchset(q: ParsedSearch, matches: FhirResource[], includes: FhirResource[], outcomes: FhirResource[]): FhirResource {
    const base = this.opts.baseUrl();
    const qs = q.pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
    const entry = (r: FhirResource, mode: string) => ({ fullUrl: r.meta?.source ? `${r.meta.source}/${r.resourceType}/${r.id}` : `urn:uuid:${randomUUID()}`, resource: r, search: { mode } });
    return {
      resourceType: 'Bundle',
      id: randomUUID(),
      type: 'searchset',
      total: matches.length,
      link: [{ relation: 'self', url: `${base}/${q.resourceType}?${qs}` }],
      entry: [
        ...matches.map((r) => entry(r, 'match')),
        ...includes.map((r) => entry(r, 'include')),
        ...outcomes.map((r) => ({ ...(r.id ? { fullUrl: `urn:uuid:${r.id}` } : {}), resource: r, search: { mode: 'outcome' } })),
      ],
    };
  }
}

/**
 * The query a source gets: the authorised patient by BSN, plus only the filters and includes the LSP itself parsed and
 * applied. Raw parameters are never forwarded, so a source cannot read a parameter the LSP dropped or read differently.
 */
export function sourceQuery(q: ParsedSearch, bsn: string): string {
  const pairs: Array<[string, string]> = [['patient.identifier', `${BSN_SYSTEM}|${bsn}`], ...appliedPairs(q, (c) => isPatientCriterion(q.resourceType, c))];
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

function assertBsn(bsn: string): void {
  try {
    assertValidBsn(bsn);
  } catch (e) {
    throw new FhirError({ status: 400, issueCode: 'value', message: (e as Error).message, expression: ['patient.identifier'] });
  }
}

/** Provenance on a brokered resource: meta.source is the source's FHIR base, the extension its display name. */
/** Tags a resource of a source's answer with where it came from; the answer was parsed for this search alone, so it is tagged in place. */
function withSource(r: FhirResource, fhirBase: string, name: string): FhirResource {
  const ext = ((r.meta?.extension as unknown[] | undefined) ?? []).filter((x) => (x as { url?: string }).url !== SOURCE_NAME_EXTENSION);
  r.meta = { ...r.meta, source: fhirBase, extension: [...ext, { url: SOURCE_NAME_EXTENSION, valueString: name }] };
  return r;
}

/**
 * An OperationOutcome entry telling the care worker which source is missing from the answer and why: `details.text`
 * is the short reason shown in the administration list, `diagnostics` the full one. Without a source it is the LSP's own.
 */
export function outcome(code: OutcomeReason | typeof ANSWERED, severity: 'error' | 'warning' | 'information', short: string, text: string, source?: { name: string; fhirBase?: string; ura?: string }): FhirResource {
  const named = source ? [{ url: SOURCE_NAME_EXTENSION, valueString: source.name }] : [];
  return {
    resourceType: 'OperationOutcome',
    id: randomUUID(),
    ...(source?.fhirBase ? { meta: { source: source.fhirBase } } : {}),
    ...(named.length ? { extension: named } : {}),
    issue: [
      {
        severity,
        code,
        details: { coding: [{ system: 'urn:nuts-lsp-lab:lsp-outcome', code }], text: short },
        diagnostics: text,
        ...(source?.ura ? { expression: [`source.ura=${source.ura}`] } : {}),
      },
    ],
  };
}
