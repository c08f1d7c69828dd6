// MP9 search engine, independent of HTTP: parses a FHIR query and runs it over a repository into a searchset Bundle.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { dateMatches, parseDateSearch as parseDateValue, type Range } from './dates.js';
import { paramDef, SEARCH_PARAMS, type SearchParamDef } from './searchparams.js';
import { withLatestStops } from './latest-stops.js';
import type { FhirRepository } from './store.js';
import { parseReference, type FhirResource } from './types.js';
import { SearchError } from './errors.js';


export interface Criterion {
  /** the parameter as written, e.g. `patient.identifier` or `subject:Patient.identifier` */
  name: string;
  code: string;
  modifier?: string;
  chain?: { targetType: string; param: string };
  /** comma-separated alternatives (OR) */
  values: string[];
}

export interface Include {
  sourceType: string;
  param: string;
  targetType?: string;
  iterate: boolean;
}

export interface ParsedSearch {
  resourceType: string;
  criteria: Criterion[];
  includes: Include[];
  count: number;
  offset: number;
  /** parameters dropped because they are unknown (FHIR lenient handling) */
  ignored: string[];
  /** the query pairs as received, for the self link */
  pairs: Array<[string, string]>;
}

export const DEFAULT_COUNT = 100;
export const MAX_COUNT = 1000;
/** Result parameters accepted and ignored: they do not change which resources match. */
const HARMLESS = new Set(['_format', '_pretty', '_total']);

/** Parses `a=b&c=d` keeping repeats and order; `+` stays `+` so time zones in dates survive unencoded. */
export function parseQueryString(qs: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const part of qs.replace(/^\?/, '').split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const dec = (s: string) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw new SearchError({ message: `malformed percent-encoding in '${s}'`, param: s });
      }
    };
    out.push(eq < 0 ? [dec(part), ''] : [dec(part.slice(0, eq)), dec(part.slice(eq + 1))]);
  }
  return out;
}

function splitValues(v: string): string[] {
  // commas escaped as \, belong to the value
  return v.split(/(?<!\\),/).map((s) => s.replace(/\\,/g, ','));
}

/** Parses the query of a search on `resourceType`. `strict` = `Prefer: handling=strict`: unknown parameters are an error. */
export function parseSearch(resourceType: string, pairs: Array<[string, string]>, opts: { strict?: boolean } = {}): ParsedSearch {
  if (!SEARCH_PARAMS[resourceType]) throw new SearchError({ message: `resource type ${resourceType} is not supported`, param: resourceType, status: 404 });
  const parsed: ParsedSearch = { resourceType, criteria: [], includes: [], count: DEFAULT_COUNT, offset: 0, ignored: [], pairs };
  const unknown = (name: string, value: string, why: string) => {
    if (opts.strict) throw new SearchError({ message: `${why} (Prefer: handling=strict)`, param: name });
    // lenient handling may drop a filter, never the patient: a dropped patient parameter would widen whose data is searched
    if (triesToNamePatient(name, value)) throw new SearchError({ message: `${why}: a parameter naming the patient must be applied, so the search is refused`, param: name });
    parsed.ignored.push(name);
  };
  for (const [name, value] of pairs) {
    if (name === '_include' || name === '_include:iterate' || name === '_include:recurse') {
      parsed.includes.push(parseInclude(name, value, name !== '_include'));
      continue;
    }
    if (name === '_count' || name === '_offset') {
      const n = Number(value);
      if (!/^\d+$/.test(value) || (name === '_count' && n > MAX_COUNT)) throw new SearchError({ message: `${name} must be an integer${name === '_count' ? ` from 0 to ${MAX_COUNT}` : ' ≥ 0'}`, param: name });
      if (name === '_count') parsed.count = n;
      else parsed.offset = n;
      continue;
    }
    if (HARMLESS.has(name)) continue;
    const c = parseCriterion(resourceType, name, value);
    if (typeof c === 'string') unknown(name, value, c);
    else parsed.criteria.push(c);
  }
  return parsed;
}

/**
 * The query as this server parsed and applies it, for a backend that forwards it (upstream FHIR server, the LSP's
 * sources): parameters dropped under lenient handling are not forwarded, so the other side cannot apply what this side
 * did not authorise. `omit` leaves criteria out (a broker that names the patient itself).
 */
export function appliedPairs(q: ParsedSearch, omit: (c: Criterion) => boolean = () => false): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const c of q.criteria) if (!omit(c)) out.push([c.name, c.values.map((v) => v.replace(/,/g, '\\,')).join(',')]);
  for (const i of q.includes) out.push([i.iterate ? '_include:iterate' : '_include', [i.sourceType, i.param, ...(i.targetType ? [i.targetType] : [])].join(':')]);
  out.push(['_count', String(q.count)]);
  if (q.offset) out.push(['_offset', String(q.offset)]);
  return out;
}

/** A parameter meant to name a patient: its name mentions patient, subject or BSN, or its value carries a BSN. */
function triesToNamePatient(name: string, value: string): boolean {
  return /patient|subject|bsn/i.test(name) || value.includes('fhir.nl/fhir/NamingSystem/bsn');
}

function parseInclude(name: string, value: string, iterate: boolean): Include {
  const [sourceType, param, targetType] = value.split(':');
  const def = sourceType && param ? paramDef(sourceType, param) : undefined;
  if (!def || def.type !== 'reference') throw new SearchError({ message: `${name}=${value}: not a supported include (expected <Type>:<reference parameter>[:<TargetType>])`, param: name });
  if (targetType && !def.targets?.includes(targetType)) throw new SearchError({ message: `${name}=${value}: ${param} cannot point to ${targetType}`, param: name });
  return { sourceType: sourceType!, param: param!, ...(targetType ? { targetType } : {}), iterate };
}

/** A criterion, or a string saying why the parameter is unknown. */
function parseCriterion(resourceType: string, name: string, value: string): Criterion | string {
  const dot = name.indexOf('.');
  const head = dot < 0 ? name : name.slice(0, dot);
  const [code, modifier] = head.split(':') as [string, string | undefined];
  const def = paramDef(resourceType, code);
  if (!def) return `unknown search parameter '${name}' for ${resourceType}`;
  const values = splitValues(value);
  if (dot >= 0) {
    if (def.type !== 'reference') return `parameter '${code}' cannot be chained`;
    const targetType = modifier ?? (def.targets?.length === 1 ? def.targets[0]! : undefined);
    if (!targetType || !def.targets?.includes(targetType)) return `chain '${name}' needs a target type (e.g. ${code}:${def.targets?.[0]}.…)`;
    const chained = name.slice(dot + 1);
    if (chained.includes('.')) return `chain '${name}' is deeper than one level`;
    if (!paramDef(targetType, chained)) return `unknown parameter '${chained}' on ${targetType} in chain '${name}'`;
    return { name, code, chain: { targetType, param: chained }, values };
  }
  if (modifier) {
    const ok = (def.type === 'reference' && def.targets?.includes(modifier)) || (def.type === 'string' && (modifier === 'exact' || modifier === 'contains')) || modifier === 'missing';
    if (!ok) throw new SearchError({ message: `modifier ':${modifier}' is not supported on '${code}'`, param: name });
  }
  for (const v of values) {
    if (def.type === 'date' && modifier !== 'missing' && !parseDateValue(v)) throw new SearchError({ message: `'${v}' is not a valid date search value for ${name} (prefix eq|ne|gt|ge|lt|le|sa|eb + FHIR date)`, param: name });
  }
  return { name, code, ...(modifier ? { modifier } : {}), values };
}

export { dateMatches };

export function tokenMatches(search: string, value: any): boolean {
  if (value === undefined || value === null) return false;
  const bar = search.indexOf('|');
  const sys = bar < 0 ? undefined : search.slice(0, bar);
  const code = bar < 0 ? search : search.slice(bar + 1);
  if (typeof value !== 'object') return sys === undefined && String(value) === code;
  const vCode = value.code ?? value.value;
  const vSys = value.system;
  if (sys === undefined) return vCode === code;
  if (sys === '') return !vSys && vCode === code;
  if (code === '') return vSys === sys;
  return vSys === sys && vCode === code;
}

function referenceKey(ref: string, base: string, targets: string[] | undefined): string[] {
  const p = parseReference(ref, base);
  if (p) return [`${p.type}/${p.id}`];
  // a bare id means "that id in any type the parameter may point to"
  return /^[A-Za-z0-9\-.]{1,64}$/.test(ref) ? (targets ?? []).map((t) => `${t}/${ref}`) : [];
}

export interface SearchContext {
  repo: FhirRepository;
  /** absolute base URL of this FHIR endpoint, without trailing slash */
  baseUrl: string;
}

export interface SearchResult {
  matches: FhirResource[];
  includes: FhirResource[];
  total: number;
}

/** Patient ids a criterion on patient/subject pins the search to, so the repository reads only that compartment. */
async function compartmentIds(resourceType: string, criteria: Criterion[], ctx: SearchContext, cache: Map<Criterion, Set<string>>): Promise<string[] | undefined> {
  let ids: string[] | undefined;
  for (const c of criteria) {
    if ((c.code !== 'patient' && c.code !== 'subject') || c.modifier === 'missing') continue;
    const keys = await cachedKeys(resourceType, c, ctx, cache);
    const these = [...keys].filter((k) => k.startsWith('Patient/')).map((k) => k.slice(8));
    ids = ids ? ids.filter((i) => these.includes(i)) : these;
  }
  return ids;
}

/** The set of `Type/id` a reference criterion accepts (resolving a chain by searching the target type). */
async function referenceKeysFor(resourceType: string, c: Criterion, ctx: SearchContext): Promise<Set<string>> {
  const def = paramDef(resourceType, c.code)!;
  if (!c.chain) return new Set(c.values.flatMap((v) => referenceKey(v, ctx.baseUrl, c.modifier ? [c.modifier] : def.targets)));
  const targets = await ctx.repo.list(c.chain.targetType);
  const inner: Criterion = { name: c.chain.param, code: c.chain.param, values: c.values };
  const hits = [];
  for (const t of targets) if (await matches(t, inner, ctx, new Map())) hits.push(t);
  return new Set(hits.map((t) => `${t.resourceType}/${t.id}`));
}

/** A reference criterion's accepted keys, resolved once per search (a chain reads its whole target type). */
async function cachedKeys(resourceType: string, c: Criterion, ctx: SearchContext, cache: Map<Criterion, Set<string>>): Promise<Set<string>> {
  let keys = cache.get(c);
  if (!keys) {
    keys = await referenceKeysFor(resourceType, c, ctx);
    cache.set(c, keys);
  }
  return keys;
}

async function matches(r: FhirResource, c: Criterion, ctx: SearchContext, cache: Map<Criterion, Set<string>>): Promise<boolean> {
  const def = paramDef(r.resourceType, c.code) as SearchParamDef;
  const values = def.values(r).filter((v) => v !== undefined && v !== null && v !== '');
  if (c.modifier === 'missing') return (c.values[0] === 'true') === (values.length === 0);
  switch (def.type) {
    case 'token':
      return c.values.some((s) => values.some((v) => tokenMatches(s, v)));
    case 'string': {
      const strs = values.map((v) => String(v).toLowerCase());
      return c.values.some((s) => strs.some((v) => (c.modifier === 'exact' ? v === s.toLowerCase() : c.modifier === 'contains' ? v.includes(s.toLowerCase()) : v.startsWith(s.toLowerCase()))));
    }
    case 'date':
      return c.values.some((s) => {
        const d = parseDateValue(s)!;
        return values.some((v: Range) => dateMatches(d.prefix, v, d));
      });
    case 'reference': {
      const keys = await cachedKeys(r.resourceType, c, ctx, cache);
      const own = values.flatMap((v: string) => referenceKey(v, ctx.baseUrl, undefined));
      if (own.some((k) => keys!.has(k))) return true;
      // medication.code also matches a medicationCodeableConcept carrying the code (no Medication resource)
      if (c.code === 'medication' && c.chain?.param === 'code') return c.values.some((s) => (paramDef(r.resourceType, 'code')!.values(r) ?? []).some((v) => tokenMatches(s, v)));
      return false;
    }
  }
}

/** Runs a parsed search: filter, page, then resolve `_include` and `_include:iterate` (de-duplicated). */
export async function runSearch(q: ParsedSearch, ctx: SearchContext): Promise<SearchResult> {
  const cache = new Map<Criterion, Set<string>>();
  const ids = await compartmentIds(q.resourceType, q.criteria, ctx, cache);
  const candidates = await ctx.repo.list(q.resourceType, ids);
  const latestStop = q.criteria.find((c) => c.code === 'is-latest-stop');
  const criteria = q.criteria.filter((c) => c !== latestStop);
  let all: FhirResource[] = [];
  const undated: FhirResource[] = []; // meet every criterion but the dates: where the latest stops are looked for
  for (const r of candidates) {
    let ok = true;
    let okUndated = true;
    for (const c of criteria) {
      if (await matches(r, c, ctx, cache)) continue;
      ok = false;
      if (paramDef(r.resourceType, c.code)?.type !== 'date') okUndated = false;
    }
    if (ok) all.push(r);
    if (okUndated) undated.push(r);
  }
  if (latestStop) {
    if (latestStop.values.some((v) => v !== 'true' && v !== 'false')) throw new SearchError({ message: `is-latest-stop must be true or false`, param: 'is-latest-stop' });
    if (latestStop.values.includes('true')) all = withLatestStops(all, undated);
  }
  const page = all.slice(q.offset, q.offset + q.count);
  return { matches: page, includes: await resolveIncludes(page, q.includes, ctx), total: all.length };
}

export async function resolveIncludes(matches: FhirResource[], includes: Include[], ctx: SearchContext): Promise<FhirResource[]> {
  const seen = new Set(matches.map((r) => `${r.resourceType}/${r.id}`));
  const out: FhirResource[] = [];
  let frontier = matches;
  let first = true;
  while (frontier.length) {
    const next: FhirResource[] = [];
    for (const inc of includes.filter((i) => first || i.iterate)) {
      const def = paramDef(inc.sourceType, inc.param)!;
      for (const r of frontier.filter((x) => x.resourceType === inc.sourceType)) {
        for (const ref of def.values(r) as string[]) {
          const p = parseReference(ref, ctx.baseUrl);
          if (!p || (inc.targetType && p.type !== inc.targetType) || seen.has(`${p.type}/${p.id}`)) continue;
          const target = await ctx.repo.read(p.type, p.id);
          if (!target) continue;
          seen.add(`${p.type}/${p.id}`);
          out.push(target);
          next.push(target);
        }
      }
    }
    // the first pass applies every include to the matches; later passes apply only :iterate ones to what was just included
    frontier = next;
    first = false;
  }
  return out;
}

/** Canonical query string of the received pairs (for self/next links). */
export function queryString(pairs: Array<[string, string]>): string {
  return pairs.map(([k, v]) => `${encodeURIComponent(k).replace(/%3A/g, ':')}=${encodeURIComponent(v).replace(/%7C/g, '|').replace(/%3A/g, ':').replace(/%2C/g, ',')}`).join('&');
}

/** Builds the searchset Bundle the Nictiz Serve scripts expect (reference §2.5). */
export function searchsetBundle(q: ParsedSearch, result: SearchResult, baseUrl: string): FhirResource {
  // the self link shows the search as applied: ignored (unknown) parameters are left out
  const applied = q.pairs.filter(([k]) => !q.ignored.includes(k));
  const link = [{ relation: 'self', url: `${baseUrl}/${q.resourceType}?${queryString(applied)}` }];
  if (q.offset + result.matches.length < result.total && q.count > 0) {
    const pairs = applied.filter(([k]) => k !== '_offset');
    link.push({ relation: 'next', url: `${baseUrl}/${q.resourceType}?${queryString([...pairs, ['_offset', String(q.offset + q.count)]])}` });
  }
  const entry = (r: FhirResource, mode: 'match' | 'include') => ({ fullUrl: `${baseUrl}/${r.resourceType}/${r.id}`, resource: r, search: { mode } });
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: result.total,
    link,
    // FHIR JSON has no empty arrays: an empty searchset has no entry element
    ...(result.matches.length + result.includes.length ? { entry: [...result.matches.map((r) => entry(r, 'match')), ...result.includes.map((r) => entry(r, 'include'))] } : {}),
  };
}
