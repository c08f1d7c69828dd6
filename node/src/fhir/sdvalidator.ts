// Validation against FHIR StructureDefinitions (the MP9, zib and nl-core profiles): the differentials of a profile and
// its bases merged per element id (a snapshot over the R4 element model), then cardinality, types, fixed/pattern
// values, required bindings where the ValueSet is at hand, FHIRPath invariants, slices by discriminator, extensions.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { childrenOf, isPrimitiveType, r4Model, xmlToResource, type ModelElement } from './fhirxml.js';
import { evaluateFhirPath } from './fhirpath.js';
import type { FhirResource, OperationOutcomeIssue } from './types.js';

const CORE = 'http://hl7.org/fhir/StructureDefinition/';

/** The merged definition of one element id (differential entries of the profile chain, most specific last). */
interface ElementRule {
  id: string;
  min?: number;
  max?: string;
  types?: Array<{ code: string; profile?: string[] }>;
  fixed?: { key: string; value: any };
  pattern?: { key: string; value: any };
  binding?: { strength: string; valueSet?: string };
  constraints: Array<{ key: string; severity: string; human?: string; expression?: string }>;
  slicing?: { discriminator: Array<{ type: string; path: string }>; rules?: string };
  sliceName?: string;
}

type Issue = OperationOutcomeIssue;
const issue = (severity: Issue['severity'], code: string, expression: string, diagnostics: string): Issue => ({ severity, code, diagnostics, expression: [expression] });

/** StructureDefinitions and ValueSets read from folders of FHIR XML/JSON files. */
export class ConformanceResources {
  readonly sds = new Map<string, any>();
  /** ValueSet url → allowed `system|code` (only enumerated value sets; others are not checked) */
  readonly valueSets = new Map<string, Set<string>>();
  private readonly merged = new Map<string, Map<string, ElementRule>>();

  static load(dirs: string[]): ConformanceResources {
    const set = new ConformanceResources();
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const p = path.join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(xml|json)$/.test(name) && !name.endsWith('lock.json') && name !== 'package.json') set.add(p);
      }
    };
    for (const d of dirs) if (existsSync(d)) walk(d);
    return set;
  }

  private add(file: string): void {
    const text = readFileSync(file, 'utf8');
    const head = text.slice(0, 400);
    if (!/<StructureDefinition[\s>]|<ValueSet[\s>]|"resourceType"\s*:\s*"(StructureDefinition|ValueSet)"/.test(head)) return;
    let r: any;
    try {
      r = text.trimStart().startsWith('<') ? xmlToResource(text, { lenient: true }) : JSON.parse(text);
    } catch {
      return; // a file that is not FHIR does not define anything
    }
    if (r.resourceType === 'StructureDefinition' && r.url) this.sds.set(r.url, r);
    if (r.resourceType === 'ValueSet' && r.url) {
      const codes = enumerated(r);
      if (codes) this.valueSets.set(r.url, codes);
    }
  }

  /** Element rules of a profile: its differential over those of its bases (until the R4 core definition). */
  rules(url: string): Map<string, ElementRule> | undefined {
    const key = url.split('|')[0]!;
    const cached = this.merged.get(key);
    if (cached) return cached;
    const sd = this.sds.get(key);
    if (!sd) return undefined;
    const chain: any[] = [];
    for (let cur = sd; cur; cur = cur.baseDefinition && !cur.baseDefinition.startsWith(CORE) ? this.sds.get(cur.baseDefinition) : undefined) chain.unshift(cur);
    const out = new Map<string, ElementRule>();
    for (const s of chain) {
      for (const el of s.differential?.element ?? []) {
        const id: string = el.id ?? el.path;
        const rule = out.get(id) ?? { id, constraints: [] };
        if (el.min !== undefined) rule.min = el.min;
        if (el.max !== undefined) rule.max = el.max;
        if (el.type) rule.types = el.type.map((t: any) => ({ code: t.code, ...(t.profile ? { profile: t.profile } : {}) }));
        if (el.sliceName) rule.sliceName = el.sliceName;
        if (el.slicing) rule.slicing = { discriminator: el.slicing.discriminator ?? [], rules: el.slicing.rules };
        if (el.binding) rule.binding = { strength: el.binding.strength, valueSet: el.binding.valueSet };
        for (const c of el.constraint ?? []) if (c.expression) rule.constraints.push({ key: c.key, severity: c.severity, human: c.human, expression: c.expression });
        for (const k of Object.keys(el)) {
          if (k.startsWith('fixed')) rule.fixed = { key: k, value: el[k] };
          if (k.startsWith('pattern')) rule.pattern = { key: k, value: el[k] };
        }
        out.set(id, rule);
      }
    }
    this.merged.set(key, out);
    return out;
  }

  /** The R4 type a profile constrains (MedicationRequest, Extension, Dosage, …). */
  typeOf(url: string): string | undefined {
    return this.sds.get(url.split('|')[0]!)?.type;
  }
}

/** The codes an enumerated ValueSet allows (compose.include.concept or expansion), or undefined when it uses filters. */
function enumerated(vs: any): Set<string> | undefined {
  const out = new Set<string>();
  for (const c of vs.expansion?.contains ?? []) out.add(`${c.system}|${c.code}`);
  if (out.size) return out;
  for (const inc of vs.compose?.include ?? []) {
    if (!Array.isArray(inc.concept) || inc.filter || inc.valueSet) return undefined;
    for (const c of inc.concept) out.add(`${inc.system}|${c.code}`);
  }
  return out.size ? out : undefined;
}

/** Validates resources against the StructureDefinitions of a ConformanceResources set. */
export class StructureDefinitionValidator {
  /** profile@path pairs being checked (a profile's root rule may name the profile itself) */
  private readonly active = new Set<string>();
  constructor(readonly set: ConformanceResources) {}

  /** Knows this profile (canonical URL, version suffix ignored). */
  has(url: string): boolean {
    return this.set.sds.has(url.split('|')[0]!);
  }

  /** Issues of `resource` against `profile` (e.g. http://nictiz.nl/fhir/StructureDefinition/mp-MedicationAgreement). */
  validate(resource: FhirResource, profile: string): Issue[] {
    const issues: Issue[] = [];
    const type = this.set.typeOf(profile);
    const core = profile.startsWith(CORE) ? profile.slice(CORE.length).split('|')[0] : undefined;
    // an R4 core definition adds nothing to the structural checks of validator.ts
    if (!type && core && r4Model()[core]) return core === resource.resourceType ? [] : [issue('error', 'structure', resource.resourceType, `the resource is a ${resource.resourceType}, not a ${core}`)];
    if (!type) return [issue('error', 'not-supported', resource.resourceType, `profile ${profile} is not known`)];
    if (type !== resource.resourceType) return [issue('error', 'structure', resource.resourceType, `profile ${profile} is for ${type}, not ${resource.resourceType}`)];
    this.check(resource, profile, resource.resourceType, resource, issues);
    return issues;
  }

  /** Validates a value of the profile's type (a resource, an Extension, a Dosage …) rooted at `at`. */
  private check(value: any, profile: string, at: string, root: FhirResource, issues: Issue[]): void {
    const rules = this.set.rules(profile);
    const type = this.set.typeOf(profile);
    if (!rules || !type) return;
    const defs = r4Model()[type]?.e ?? [];
    this.applyRules(value, rules.get(type), at, root, issues, type);
    this.walk(value, type, defs, rules, at, root, issues, profile);
  }

  private walk(node: any, id: string, defs: ModelElement[], rules: Map<string, ElementRule>, at: string, root: FhirResource, issues: Issue[], profile: string): void {
    if (!node || typeof node !== 'object') return;
    for (const def of defs) {
      const stem = def.c ? `${def.c}[x]` : def.n;
      const baseId = `${id}.${stem}`;
      // every rule on this element, its slices included, even when the element is absent (min checks)
      const slicesOf = [...rules.values()].filter((r) => r.id.startsWith(`${baseId}:`) && !r.id.slice(baseId.length + 1).includes('.'));
      if (def.c) {
        if (def !== defs.find((d) => d.c === def.c)) continue; // handle a choice group once
        const group = defs.filter((d) => d.c === def.c);
        const present = group.filter((d) => node[d.n] !== undefined);
        const rule = rules.get(baseId);
        if (rule?.min && !present.length) issues.push(issue('error', 'required', `${at}.${stem}`, `${at}.${stem} is required by ${short(profile)} (min ${rule.min})`));
        for (const d of present) {
          const p = `${at}.${d.n}`;
          const typeName = d.n.slice(def.c.length);
          if (rule?.types && !rule.types.some((t) => t.code.toLowerCase() === typeName.toLowerCase())) issues.push(issue('error', 'structure', p, `${d.n}: type ${typeName} is not allowed by ${short(profile)} (allowed: ${rule.types.map((t) => t.code).join(', ')})`));
          const slice = slicesOf.find((s) => s.sliceName?.toLowerCase() === d.n.toLowerCase());
          if (rule?.max === '0') issues.push(issue('error', 'structure', p, `${at}.${stem} is not allowed by ${short(profile)} (max 0)`));
          this.item(node[d.n], d, slice ? [rule, slice] : [rule], slice ? [baseId, slice.id] : [baseId], rules, p, root, issues, profile);
        }
        continue;
      }
      const raw = node[def.n];
      const items: any[] = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
      const rule = rules.get(baseId);
      const isExt = def.n === 'extension' || def.n === 'modifierExtension';
      const slicing = rule?.slicing ?? (isExt ? { discriminator: [{ type: 'value', path: 'url' }], rules: 'open' } : undefined);
      const counts = new Map<string, number>();
      const assigned = items.map((item) => {
        const slice = slicing ? slicesOf.find((s) => this.inSlice(item, s, slicing, rules)) : undefined;
        if (slice) counts.set(slice.id, (counts.get(slice.id) ?? 0) + 1);
        return slice;
      });
      if (rule) this.cardinality(items.length, rule, `${at}.${def.n}`, profile, issues);
      for (const s of slicesOf) this.cardinality(counts.get(s.id) ?? 0, s, `${at}.${def.n}:${s.sliceName}`, profile, issues);
      items.forEach((item, i) => {
        const p = Array.isArray(raw) ? `${at}.${def.n}[${i}]` : `${at}.${def.n}`;
        const slice = assigned[i];
        if (slicing?.rules === 'closed' && !slice && slicesOf.length) issues.push(issue('error', 'structure', p, `${p} matches none of the slices of ${baseId} (slicing is closed in ${short(profile)})`));
        if (isExt && !slice) this.extension(item, p, root, issues);
        this.item(item, def, [rule, slice], slice ? [baseId, slice.id] : [baseId], rules, p, root, issues, profile);
      });
    }
  }

  /** Applies the rules of an element (and of its slice) to one value, then descends into it. */
  private item(value: any, def: ModelElement, applicable: Array<ElementRule | undefined>, ids: string[], rules: Map<string, ElementRule>, at: string, root: FhirResource, issues: Issue[], profile: string): void {
    for (const r of applicable) if (r) this.applyRules(value, r, at, root, issues, def.t);
    if (isPrimitiveType(def.t) || value === null || typeof value !== 'object') return;
    // children: rules written on the element and on its slice both apply (merged, slice last); a resource element
    // (Bundle.entry.resource) has the children of the resource's own type
    const children = def.t === 'Resource' ? (r4Model()[value.resourceType]?.e ?? []) : childrenOf(def);
    const view = new Map<string, ElementRule>(rules);
    const base = ids[0]!;
    for (const id of ids.slice(1)) for (const [k, r] of rules) if (k.startsWith(`${id}.`)) view.set(base + k.slice(id.length), { ...(view.get(base + k.slice(id.length)) ?? {}), ...r, id: base + k.slice(id.length) });
    this.walk(value, base, children, view, at, root, issues, profile);
  }

  private applyRules(value: any, r: ElementRule | undefined, at: string, root: FhirResource, issues: Issue[], typeName: string): void {
    if (!r) return;
    // a type profile (an extension's definition, a data type or resource profile) applies to the value as a whole
    for (const p of r.types?.flatMap((t) => t.profile ?? []) ?? []) if (value && typeof value === 'object' && this.has(p) && !this.active.has(`${p}@${at}`)) {
      this.active.add(`${p}@${at}`);
      this.check(value, p, at, root, issues);
      this.active.delete(`${p}@${at}`);
    }
    if (r.fixed && !deepEqual(value, r.fixed.value)) issues.push(issue('error', 'value', at, `${at} must be exactly ${JSON.stringify(r.fixed.value)} (${r.fixed.key})`));
    if (r.pattern && !matchesPattern(value, r.pattern.value)) issues.push(issue('error', 'value', at, `${at} must match ${JSON.stringify(r.pattern.value)} (${r.pattern.key})`));
    if (r.binding?.strength === 'required' && r.binding.valueSet) {
      const allowed = this.set.valueSets.get(r.binding.valueSet.split('|')[0]!);
      if (allowed) {
        const codings: Array<{ system?: string; code?: string }> = typeof value === 'string' ? [{ code: value }] : value?.coding ? value.coding : value?.code ? [value] : [];
        const ok = codings.some((c) => (c.system ? allowed.has(`${c.system}|${c.code}`) : [...allowed].some((a) => a.endsWith(`|${c.code}`))));
        if (codings.length && !ok) issues.push(issue('error', 'code-invalid', at, `${at}: ${codings.map((c) => `${c.system ?? ''}|${c.code}`).join(', ')} is not in the required value set ${r.binding.valueSet}`));
      }
    }
    for (const c of r.constraints) {
      if (c.severity !== 'error' || !c.expression) continue;
      let out: any[];
      try {
        out = evaluateFhirPath(value, c.expression, { resource: root, rootResource: root }, value?.resourceType ? undefined : typeName);
      } catch {
        continue; // an invariant this FHIRPath engine cannot evaluate is not held against the data
      }
      if (out.length && out.every((x) => x === false)) issues.push(issue('error', 'invariant', at, `${c.key}: ${c.human ?? c.expression}`));
    }
  }

  private cardinality(n: number, r: ElementRule, at: string, profile: string, issues: Issue[]): void {
    if (r.min !== undefined && n < r.min) issues.push(issue('error', 'required', at, `${at} occurs ${n} time(s); ${short(profile)} needs at least ${r.min}`));
    if (r.max !== undefined && r.max !== '*' && n > Number(r.max)) issues.push(issue('error', 'structure', at, `${at} occurs ${n} time(s); ${short(profile)} allows at most ${r.max}`));
  }

  /** Whether an item belongs to a slice, by the discriminators of the slicing. */
  private inSlice(item: any, slice: ElementRule, slicing: NonNullable<ElementRule['slicing']>, rules: Map<string, ElementRule>): boolean {
    if (!slicing.discriminator.length) return false;
    return slicing.discriminator.every((d) => {
      if (d.type === 'value' || d.type === 'pattern') {
        if (d.path === 'url') {
          const url = rules.get(`${slice.id}.url`)?.fixed?.value ?? slice.types?.[0]?.profile?.[0];
          return url !== undefined && item?.url === url;
        }
        const target = d.path === '$this' ? slice : rules.get(`${slice.id}.${d.path}`);
        const want = target?.fixed?.value ?? target?.pattern?.value;
        if (want === undefined) return false;
        const got = d.path === '$this' ? item : d.path.split('.').reduce((v, k) => (Array.isArray(v) ? v.map((x) => x?.[k]) : v?.[k]), item);
        return matchesPattern(got, want);
      }
      if (d.type === 'profile') {
        const target = rules.get(`${slice.id}.${d.path}`);
        const profiles = target?.types?.flatMap((t) => t.profile ?? []) ?? [];
        const got = d.path === '$this' ? item : item?.[d.path];
        return !!got && profiles.some((p) => this.has(p) && this.set.typeOf(p) === (got.resourceType ?? this.set.typeOf(p)) && this.quiet(got, p));
      }
      if (d.type === 'exists') return false;
      return false; // type slicing is resolved by the JSON key (choice types) before this
    });
  }

  /** Whether a value conforms to a profile (for profile discriminators). */
  private quiet(value: any, profile: string): boolean {
    const issues: Issue[] = [];
    this.check(value, profile, 'x', value, issues);
    return !issues.some((i) => i.severity === 'error');
  }

  /** An extension not sliced by the profile is checked against its own definition, when it is known. */
  private extension(ext: any, at: string, root: FhirResource, issues: Issue[]): void {
    if (typeof ext?.url === 'string' && this.has(ext.url)) this.check(ext, ext.url, at, root, issues);
  }
}

const short = (url: string) => url.split('/').pop()!;

function deepEqual(a: any, b: any): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}
function sortKeys(v: any): any {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}

/** FHIR pattern semantics: every element of the pattern is in the value (arrays: each pattern item matches some item). */
export function matchesPattern(value: any, pattern: any): boolean {
  if (Array.isArray(value) && !Array.isArray(pattern)) return value.some((v) => matchesPattern(v, pattern));
  if (pattern === null || typeof pattern !== 'object') return value === pattern || (value !== undefined && String(value) === String(pattern));
  if (Array.isArray(pattern)) return Array.isArray(value) && pattern.every((p) => value.some((v) => matchesPattern(v, p)));
  if (!value || typeof value !== 'object') return false;
  return Object.entries(pattern).every(([k, p]) => matchesPattern(value[k], p));
}

/** Where the StructureDefinitions come from: `fhir.profileDirs`, else the upstream checkouts next to the repository. */
export function defaultProfileDirs(repoRoot: string): string[] {
  const ext = path.resolve(repoRoot, '..', 'shared', 'external');
  return [path.join(ext, 'nictiz-mp9', 'Profiles'), path.join(ext, 'nictiz-zib2020', 'resources')].filter((d) => existsSync(d));
}
