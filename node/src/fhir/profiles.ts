// Validation on write against our own MP9 rule set (fhir-profiles/rules): required elements, fixed category, extensions.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { codings, NICTIZ_SD, type BuildingBlock, type FhirResource, type OperationOutcomeIssue } from './types.js';
import { packagePath } from '../core/paths.js';

export interface ProfileRule {
  id: string;
  url: string;
  resourceType: string;
  block: BuildingBlock;
  category?: { system: string; code: string };
  /** top-level elements that must be present; `x[x]` means any choice type of x */
  required: string[];
  /** allowed values of required-bound code elements */
  codes: Record<string, string[]>;
  extensions: string[];
  modifierExtensions: string[];
}

export interface ExtensionValueRule {
  value: string;
  max?: number;
  /** the value Identifier's system must be an urn:oid (Nictiz assert-checkOidSystem) */
  oidSystem?: boolean;
}

export interface RuleSet {
  package: { name: string; version: string };
  extensionValues: Record<string, ExtensionValueRule>;
  profiles: ProfileRule[];
}

export const PROFILES_DIR = packagePath('fhir-profiles');

export function loadRuleSet(file = path.join(PROFILES_DIR, 'rules', 'mp9-3.0.json')): RuleSet {
  return JSON.parse(readFileSync(file, 'utf8')) as RuleSet;
}

const has = (r: FhirResource, element: string): boolean => {
  if (element.endsWith('[x]')) {
    const stem = element.slice(0, -3);
    return Object.keys(r).some((k) => k.startsWith(stem) && /^[A-Z]/.test(k.slice(stem.length)) && r[k] !== undefined && r[k] !== null);
  }
  const v = r[element];
  return v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);
};

/** Validates a resource against every MP9 profile it claims in meta.profile; no claim = no profile checks. */
export class ProfileValidator {
  private readonly byUrl = new Map<string, ProfileRule>();

  constructor(readonly rules: RuleSet = loadRuleSet()) {
    for (const p of rules.profiles) this.byUrl.set(p.url, p);
  }

  profile(url: string): ProfileRule | undefined {
    return this.byUrl.get(url.split('|')[0]!);
  }

  /** `profile`: one more profile to hold the resource to ($validate's parameter), besides those it claims. */
  validate(r: FhirResource, profile?: string): OperationOutcomeIssue[] {
    const issues: OperationOutcomeIssue[] = [];
    const err = (expr: string, msg: string, code = 'invariant') => issues.push({ severity: 'error', code, diagnostics: msg, expression: [expr] });
    const claimed = [...(Array.isArray(r.meta?.profile) ? r.meta.profile : []), ...(profile ? [profile] : [])];
    for (const url of claimed) {
      const rule = this.profile(url);
      if (!rule) {
        if (typeof url === 'string' && url.startsWith(`${NICTIZ_SD}mp-`)) err(`${r.resourceType}.meta.profile`, `unknown MP9 profile ${url}`, 'not-supported');
        continue;
      }
      const T = rule.resourceType;
      if (r.resourceType !== T) {
        err(`${r.resourceType}.meta.profile`, `profile ${rule.id} applies to ${T}, not ${r.resourceType}`, 'structure');
        continue;
      }
      for (const el of rule.required) if (!has(r, el)) err(`${T}.${el}`, `${T}.${el} is required by ${rule.id}`, 'required');
      for (const [el, allowed] of Object.entries(rule.codes)) {
        if (r[el] !== undefined && !allowed.includes(r[el])) err(`${T}.${el}`, `${T}.${el} '${r[el]}' is not in the required value set (${allowed.join(', ')})`, 'code-invalid');
      }
      if (rule.category && has(r, 'category')) {
        const ok = codings(r.category).some((c) => c.system === rule.category!.system && c.code === rule.category!.code);
        if (!ok) err(`${T}.category`, `${T}.category must contain ${rule.category.system}|${rule.category.code} (${rule.id})`, 'value');
      }
      this.checkExtensions(r, rule, 'extension', rule.extensions, err);
      this.checkExtensions(r, rule, 'modifierExtension', rule.modifierExtensions, err);
    }
    return issues;
  }

  private checkExtensions(r: FhirResource, rule: ProfileRule, field: 'extension' | 'modifierExtension', allowed: string[], err: (e: string, m: string, c?: string) => void): void {
    const list: any[] = Array.isArray(r[field]) ? r[field] : [];
    const T = rule.resourceType;
    const counts = new Map<string, number>();
    for (const ext of list) {
      const url = ext?.url;
      const at = `${T}.${field}('${url}')`;
      if (typeof url !== 'string') {
        err(`${T}.${field}`, `${field} without url`, 'structure');
        continue;
      }
      counts.set(url, (counts.get(url) ?? 0) + 1);
      // slicing is open for extensions, but an unknown modifier extension changes meaning and must be rejected
      if (field === 'modifierExtension' && !allowed.includes(url)) err(at, `modifier extension ${url} is not allowed by ${rule.id}`, 'extension');
      const vr = this.rules.extensionValues[url];
      if (!vr || (!allowed.includes(url) && field === 'extension')) continue;
      const valueKeys = Object.keys(ext).filter((k) => k.startsWith('value') && ext[k] !== undefined && ext[k] !== null);
      if (!valueKeys.includes(vr.value)) err(`${at}.value`, `${url} needs ${vr.value}${valueKeys.length ? `, found ${valueKeys.join(', ')}` : ''}`, 'structure');
      else if (vr.value === 'valueIdentifier') {
        const id = ext.valueIdentifier;
        if (!id?.system || !id?.value) err(`${at}.value`, `${url} needs valueIdentifier.system and .value`, 'required');
        else if (vr.oidSystem && !String(id.system).startsWith('urn:oid:')) err(`${at}.value.system`, `${url} system must be an oid-based URN (urn:oid:…)`, 'value');
      }
      if (vr.max !== undefined && counts.get(url)! > vr.max) err(at, `${url} may occur at most ${vr.max} time(s)`, 'structure');
    }
  }
}
