// The searchset rules the Nictiz MP9 Serve TestScripts assert on every response (reference mp9-fhir.md §2.5), each naming what broke.
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import { fail, warn } from './report.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

export interface SearchRequest {
  resourceType: string;
  /** the query pairs as sent */
  pairs: Array<[string, string]>;
}

export interface BundleRule {
  name: string;
  /** returns a detail when it passed and there is something worth saying; throws CheckFailure otherwise */
  check(bundle: Json, req: SearchRequest): string | void;
}

const UUID = /^urn:uuid:[A-Fa-f\d]{8}-[A-Fa-f\d]{4}-[A-Fa-f\d]{4}-[A-Fa-f\d]{4}-[A-Fa-f\d]{12}$/;
const OID = /^urn:oid:[0-2](\.(0|[1-9]\d*))*$/;
const entries = (b: Json): Json[] => (Array.isArray(b?.entry) ? b.entry : []);
const label = (r: Json) => `${r?.resourceType ?? '?'}/${r?.id ?? '(no id)'}`;
const short = (v: unknown, max = 160) => {
  const s = JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max)}…` : s;
};

/** Elements of a FHIR type anywhere in each entry's resource (typed by the R4 model, so choice types and extensions count). */
const compiled = new Map<string, (r: Json) => Json[]>();
function offenders(b: Json, expression: string): Array<{ resource: Json; element: Json }> {
  let fn = compiled.get(expression);
  if (!fn) {
    const c = fhirpath.compile(expression, r4);
    fn = (r: Json) => c(r) as Json[];
    compiled.set(expression, fn);
  }
  const out: Array<{ resource: Json; element: Json }> = [];
  for (const e of entries(b)) if (e?.resource) for (const element of fn(e.resource)) out.push({ resource: e.resource, element });
  return out;
}

/** Fails with the first few offending elements, each with the resource it sits in. */
function noOffenders(b: Json, expression: string, what: string, expected: string): string {
  const bad = offenders(b, expression);
  if (bad.length) {
    const where = [...new Set(bad.map((o) => label(o.resource)))];
    fail(`${bad.length} ${what} in ${where.slice(0, 3).join(', ')}${where.length > 3 ? ` and ${where.length - 3} more resources` : ''}`, expected, bad.slice(0, 3).map((o) => `${label(o.resource)}: ${short(o.element)}`).join(' | '));
  }
  return `${entries(b).length} entries`;
}

export const BUNDLE_RULES: BundleRule[] = [
  {
    name: 'self link',
    check(b) {
      const self = (Array.isArray(b.link) ? b.link : []).find((l: Json) => l?.relation === 'self' && typeof l.url === 'string' && l.url);
      if (!self) fail('Bundle.link has no self link with a url', "link.where(relation='self' and url.exists())", short(b.link ?? null));
    },
  },
  {
    name: 'total ≤ matches',
    check(b) {
      const matches = entries(b).filter((e) => !e.search || e.search.mode === 'match').length;
      if (b.total === undefined) return 'no total';
      if (!Number.isInteger(b.total) || b.total > matches) fail('Bundle.total counts more than the match entries (includes must not be counted)', `total ≤ ${matches}`, b.total);
      return `total ${b.total}`;
    },
  },
  {
    name: 'fullUrl absolute and ending in the id',
    check(b) {
      for (const e of entries(b)) {
        const fu = e.fullUrl;
        const r = e.resource;
        if (!r?.id && !(typeof fu === 'string' && (UUID.test(fu) || OID.test(fu)))) fail(`entry ${label(r)} has no resource.id and no urn:uuid/urn:oid fullUrl`, 'resource.id', short(e));
        if (fu === undefined) continue;
        if (typeof fu !== 'string' || !(/^https?:\/\//.test(fu) || UUID.test(fu) || OID.test(fu))) fail(`fullUrl of ${label(r)} is not an absolute http(s) URL, urn:uuid or urn:oid`, 'http(s)://…, urn:uuid:…, urn:oid:…', fu);
        if (r?.id && !fu.endsWith(r.id)) fail(`fullUrl of ${label(r)} does not end in its id`, `…${r.id}`, fu);
      }
    },
  },
  {
    name: 'search.mode match/include',
    check(b, req) {
      for (const e of entries(b)) {
        const mode = e.search?.mode;
        const type = e.resource?.resourceType;
        // the mock LSP reports per source why data is missing as outcome entries; those are allowed, nothing else
        if (mode === 'outcome' && type === 'OperationOutcome') continue;
        if (mode !== 'match' && mode !== 'include') fail(`entry ${label(e.resource)} has search.mode '${mode ?? '(none)'}'`, 'match or include', mode ?? null);
        if (mode === 'match' && type !== req.resourceType) fail(`match entry ${label(e.resource)} is not a ${req.resourceType}`, req.resourceType, type);
      }
      const n = (m: string) => entries(b).filter((e) => e.search?.mode === m).length;
      return `${n('match')} match, ${n('include')} include`;
    },
  },
  {
    name: 'includes de-duplicated',
    check(b) {
      const seen = new Set<string>();
      for (const e of entries(b)) {
        const key = e.resource?.id ? label(e.resource) : e.fullUrl;
        if (key && seen.has(key)) fail(`${key} appears more than once`, 'each resource once', key);
        if (key) seen.add(key);
      }
    },
  },
  {
    name: 'meta.profile on every resource',
    check(b) {
      const missing = entries(b)
        .map((e) => e.resource)
        .filter((r) => r && r.resourceType !== 'OperationOutcome' && r.resourceType !== 'Binary' && !(Array.isArray(r.meta?.profile) && r.meta.profile.length));
      if (missing.length) fail(`${missing.length} resources without meta.profile`, 'meta.profile on every resource except OperationOutcome/Binary', missing.slice(0, 5).map(label).join(', '));
    },
  },
  {
    name: 'every Coding has system and code',
    check: (b) => noOffenders(b, 'descendants().where($this.is(Coding) and (system.empty() or code.empty()))', 'Codings without system or code', 'system and code'),
  },
  {
    name: 'every CodeableConcept has a display or text',
    check: (b) => noOffenders(b, 'descendants().where($this.is(CodeableConcept) and coding.display.empty() and text.empty() and extension.empty())', 'CodeableConcepts without coding.display or text', 'coding.display or text (or an extension)'),
  },
  {
    name: 'every Reference has a display',
    check: (b) =>
      noOffenders(
        b,
        "descendants().where($this.is(Reference) and display.empty() and extension.where(url = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason' or url = 'http://hl7.org/fhir/StructureDefinition/iso21090-nullFlavor').empty())",
        'References without display',
        'display (or a data-absent-reason/nullFlavor extension)',
      ),
  },
  {
    name: 'every Identifier has system and value',
    check: (b) => noOffenders(b, 'descendants().where($this.is(Identifier) and ((system.empty() and type.empty()) or value.empty()))', 'Identifiers without system (or type) and value', 'system (or type) and value'),
  },
  {
    name: 'no zib value-set OID as a coding system',
    check: (b) => noOffenders(b, "descendants().where($this.is(Coding) and system.startsWith('urn:oid:2.16.840.1.113883.2.4.3.11.60.40.2'))", 'Codings with a zib value-set OID as system', 'a code system, not a value set OID'),
  },
  {
    // Nictiz asserts this with warningOnly: a parameter missing from the self link was ignored by the server
    name: 'self link shows every search parameter (warning)',
    check(b, req) {
      const self = (Array.isArray(b.link) ? b.link : []).find((l: Json) => l?.relation === 'self')?.url;
      if (typeof self !== 'string') return warn('no self link to compare with');
      let names: Set<string>;
      try {
        names = new Set([...new URL(self, 'http://x/').searchParams.keys()]);
      } catch {
        return warn('self link is not a URL', 'a URL', self);
      }
      const missing = [...new Set(req.pairs.map(([k]) => k))].filter((k) => !names.has(k));
      if (missing.length) warn(`the server did not apply ${missing.join(', ')}`, 'every requested parameter in the self link', self);
    },
  },
];
