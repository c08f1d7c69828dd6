// The one validator for writes (both surfaces) and $validate: R4 structure from the element model (elements, cardinality,
// choice types, primitive formats, contained resources), then the MP9 profile rules a resource claims or is asked for.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { childrenOf, isPrimitiveType, r4Model, type ModelElement } from './fhirxml.js';
import { ProfileValidator, type RuleSet } from './profiles.js';
import { ConformanceResources, StructureDefinitionValidator } from './sdvalidator.js';
import type { FhirResource, OperationOutcomeIssue } from './types.js';

// R4 primitive formats (regexes of the R4 specification, datatypes.html)
const FORMAT: Record<string, RegExp> = {
  id: /^[A-Za-z0-9\-.]{1,64}$/,
  code: /^[^\s]+( [^\s]+)*$/,
  date: /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?$/,
  dateTime: /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$/,
  instant: /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$/,
  time: /^([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?$/,
  oid: /^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$/,
  uuid: /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  uri: /^\S*$/,
  url: /^\S*$/,
  canonical: /^\S*$/,
  base64Binary: /^(\s*([0-9a-zA-Z+/=]){4}\s*)+$/,
};
const JSON_KIND: Record<string, 'boolean' | 'integer' | 'number'> = { boolean: 'boolean', integer: 'integer', positiveInt: 'integer', unsignedInt: 'integer', decimal: 'number' };

type Issue = OperationOutcomeIssue;
const issue = (severity: Issue['severity'], code: string, expression: string, diagnostics: string): Issue => ({ severity, code, diagnostics, expression: [expression] });

/** Structural R4 validation of a resource (JSON): every problem with its FHIRPath-style location. */
export function validateStructure(resource: unknown, at?: string): Issue[] {
  const issues: Issue[] = [];
  if (!resource || typeof resource !== 'object' || Array.isArray(resource)) return [issue('error', 'structure', at ?? 'Resource', 'a resource must be a JSON object')];
  const r = resource as FhirResource;
  const type = r4Model()[r.resourceType];
  const path = at ?? r.resourceType;
  if (type?.k !== 'resource' || r.resourceType === 'Resource' || r.resourceType === 'DomainResource') return [issue('error', 'structure', `${path}.resourceType`, `'${r.resourceType}' is not a FHIR R4 resource type`)];
  checkObject(r, type.e, path, issues, false);
  return issues;
}

function checkObject(obj: Record<string, any>, defs: ModelElement[], path: string, issues: Issue[], isElement: boolean): void {
  const byName = new Map(defs.map((d) => [d.n, d]));
  for (const key of Object.keys(obj)) {
    if (key === 'resourceType' && !isElement) continue;
    if (key === 'fhir_comments') continue;
    const name = key.startsWith('_') ? key.slice(1) : key;
    const def = byName.get(name);
    if (!def) {
      issues.push(issue('error', 'structure', `${path}.${key}`, `unknown element '${key}'`));
      continue;
    }
    if (key.startsWith('_') && !isPrimitiveType(def.t)) issues.push(issue('error', 'structure', `${path}.${key}`, `'${key}' is only allowed for primitive elements`));
  }
  const choices = new Map<string, string[]>();
  for (const def of defs) {
    const v = obj[def.n];
    const meta = obj[`_${def.n}`];
    const p = `${path}.${def.n}`;
    const present = v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
    if (def.c && (present || meta !== undefined)) choices.set(def.c, [...(choices.get(def.c) ?? []), def.n]);
    if (def.r && !present && meta === undefined && !def.c) issues.push(issue('error', 'required', p, `${p} is required (minimum cardinality 1)`));
    if (v === undefined && meta === undefined) continue;
    if (Array.isArray(v) && v.length === 0) issues.push(issue('error', 'structure', p, 'arrays must not be empty'));
    if (def.m && v !== undefined && !Array.isArray(v)) {
      issues.push(issue('error', 'structure', p, `${def.n} repeats (max *) and must be an array`));
      continue;
    }
    if (!def.m && Array.isArray(v)) {
      issues.push(issue('error', 'structure', p, `${def.n} may occur at most once (max 1)`));
      continue;
    }
    const values: any[] = v === undefined ? [] : def.m ? v : [v];
    values.forEach((val, i) => {
      const vp = def.m ? `${p}[${i}]` : p;
      if (isPrimitiveType(def.t)) checkPrimitive(def.t, val, vp, issues);
      else if (val === null || typeof val !== 'object' || Array.isArray(val)) issues.push(issue('error', 'structure', vp, `${def.n} must be a JSON object`));
      else if (def.t === 'Resource') issues.push(...validateStructure(val, vp));
      else {
        checkObject(val, childrenOf(def), vp, issues, true);
        if (def.t === 'Extension' || def.n === 'extension' || def.n === 'modifierExtension') checkExtension(val, vp, issues);
        if (Object.keys(val).length === 0) issues.push(issue('error', 'structure', vp, 'an element must have a value or children'));
      }
    });
    if (meta !== undefined) {
      const metas: any[] = def.m ? (Array.isArray(meta) ? meta : []) : [meta];
      metas.forEach((m, i) => {
        if (m !== null && (typeof m !== 'object' || Array.isArray(m))) issues.push(issue('error', 'structure', `${path}._${def.n}`, `_${def.n} must hold objects`));
        else if (m) checkObject(m, r4Model().Element!.e, def.m ? `${p}[${i}]` : p, issues, true);
      });
    }
  }
  for (const [stem, names] of choices) if (names.length > 1) issues.push(issue('error', 'structure', `${path}.${stem}[x]`, `only one of ${names.join(', ')} may be present`));
  // a required choice ([x] with min 1): one of its types must be present
  const requiredChoices = new Set(defs.filter((d) => d.r && d.c).map((d) => d.c!));
  for (const stem of requiredChoices) if (!choices.has(stem)) issues.push(issue('error', 'required', `${path}.${stem}[x]`, `${path}.${stem}[x] is required (minimum cardinality 1)`));
}

function checkExtension(ext: any, path: string, issues: Issue[]): void {
  if (typeof ext.url !== 'string' || !ext.url) issues.push(issue('error', 'required', `${path}.url`, 'an extension needs a url'));
  const hasValue = Object.keys(ext).some((k) => k.startsWith('value'));
  const hasChildren = Array.isArray(ext.extension) && ext.extension.length > 0;
  if (hasValue === hasChildren) issues.push(issue('error', 'invariant', path, 'ext-1: an extension has either extensions or a value[x], not both'));
}

function checkPrimitive(type: string, v: unknown, path: string, issues: Issue[]): void {
  if (v === null) return; // array placeholder for an id/extension-only entry
  const kind = JSON_KIND[type];
  if (kind === 'boolean' && typeof v !== 'boolean') issues.push(issue('error', 'value', path, `'${String(v)}' is not a boolean`));
  else if ((kind === 'integer' && (typeof v !== 'number' || !Number.isInteger(v))) || (kind === 'number' && (typeof v !== 'number' || !Number.isFinite(v)))) issues.push(issue('error', 'value', path, `'${String(v)}' is not a valid ${type}`));
  else if (kind === 'integer' && ((type === 'positiveInt' && (v as number) < 1) || (type === 'unsignedInt' && (v as number) < 0))) issues.push(issue('error', 'value', path, `${String(v)} is not a valid ${type}`));
  else if (!kind) {
    if (typeof v !== 'string') issues.push(issue('error', 'value', path, `a ${type} must be a JSON string`));
    else if (v.trim() === '' && type !== 'xhtml') issues.push(issue('error', 'value', path, 'a primitive value must not be empty'));
    else if (FORMAT[type] && !FORMAT[type]!.test(v)) issues.push(issue('error', 'value', path, `'${v}' is not a valid ${type}`));
  }
}

const loaded = new Map<string, StructureDefinitionValidator>();
/** One StructureDefinition set per process and folder list (reading ~400 profiles takes a second; nodes share it). */
function sdValidatorFor(dirs: string[]): StructureDefinitionValidator | undefined {
  if (!dirs.length) return undefined;
  const key = dirs.join('\u0000');
  let v = loaded.get(key);
  if (!v) {
    v = new StructureDefinitionValidator(ConformanceResources.load(dirs));
    loaded.set(key, v);
  }
  return v;
}

/**
 * Structure, then profiles: each profile the resource claims (and `profile`, $validate's parameter) is checked against
 * its StructureDefinition when one is loaded (fhir.profileDirs), else against our MP9 rule set (fhir-profiles/rules).
 */
export class ResourceValidator extends ProfileValidator {
  private sdValidator?: StructureDefinitionValidator | null;

  constructor(
    rules?: RuleSet,
    private readonly profileDirs: string[] = [],
  ) {
    super(rules);
  }

  /** The StructureDefinition validator, loaded on first use (undefined when no profile folder is configured). */
  get structureDefinitions(): StructureDefinitionValidator | undefined {
    if (this.sdValidator === undefined) this.sdValidator = sdValidatorFor(this.profileDirs) ?? null;
    return this.sdValidator ?? undefined;
  }

  override validate(r: FhirResource, profile?: string): OperationOutcomeIssue[] {
    const structure = validateStructure(r);
    if (structure.some((i) => i.expression?.[0]?.endsWith('.resourceType'))) return structure;
    const issues = [...structure, ...this.profileIssues(r, profile)];
    // the base definition and a profile may both say an element is required: say it once
    const seen = new Set<string>();
    return issues.filter((i) => {
      const key = `${i.expression?.[0]}#${i.code === 'required' ? 'required' : i.diagnostics}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  private profileIssues(r: FhirResource, profile?: string): OperationOutcomeIssue[] {
    const sd = this.structureDefinitions;
    if (sd) {
      const claimed: string[] = [...(Array.isArray(r.meta?.profile) ? r.meta.profile : []), ...(profile && !(r.meta?.profile ?? []).includes(profile) ? [profile] : [])];
      const bySd = claimed.filter((p) => typeof p === 'string' && (sd.has(p) || p.startsWith('http://hl7.org/fhir/StructureDefinition/')));
      const rest = claimed.filter((p) => !bySd.includes(p));
      const issues = bySd.flatMap((p) => sd.validate(r, p));
      // a profile no StructureDefinition describes: our rules know the MP9 ones; any other named in $validate is unknown
      if (profile && rest.includes(profile) && !this.profile(profile)) issues.push(issue('error', 'not-supported', r.resourceType, `profile ${profile} is not known to this server`));
      issues.push(...super.validate({ ...r, meta: { ...r.meta, profile: rest.filter((p) => p !== profile) } }, profile && rest.includes(profile) && this.profile(profile) ? profile : undefined));
      // a Bundle's entries are held to the profiles they claim, like resources written on their own
      if (r.resourceType === 'Bundle' && Array.isArray(r.entry))
        r.entry.forEach((e: any, i: number) => {
          if (!e?.resource || typeof e.resource !== 'object') return;
          for (const x of this.profileIssues(e.resource)) issues.push({ ...x, expression: x.expression?.map((ex) => `Bundle.entry[${i}].resource.${ex.slice(ex.indexOf('.') + 1)}`) });
        });
      return issues;
    }
    if (profile && !(r.meta?.profile ?? []).includes(profile)) {
      const base = profile.match(/^http:\/\/hl7\.org\/fhir\/StructureDefinition\/([A-Za-z]+)$/)?.[1];
      if (base) {
        if (base !== r.resourceType) return [issue('error', 'structure', r.resourceType, `the resource is a ${r.resourceType}, not a ${base}`)];
      } else if (!this.profile(profile)) return [issue('error', 'not-supported', r.resourceType, `profile ${profile} is not known to this server`)];
      else return super.validate(r, profile);
    }
    const own = super.validate(r);
    // a Bundle's entries are held to the profiles they claim, like resources written on their own
    const entries: any[] = r.resourceType === 'Bundle' && Array.isArray(r.entry) ? r.entry : [];
    const nested = entries.flatMap((e, i) =>
      e?.resource && typeof e.resource === 'object' ? super.validate(e.resource).map((x) => ({ ...x, expression: x.expression?.map((ex) => `Bundle.entry[${i}].resource.${ex.slice(ex.indexOf('.') + 1)}`) })) : [],
    );
    return [...own, ...nested];
  }
}
