// The JSON Schema subset PE field filters use (type, const, enum, pattern, lengths, bounds, contains, not); returns why a value fails.
import { invalidInput } from '../core/errors.js';

export interface Filter {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  contains?: Filter;
  not?: Filter;
  format?: string;
  [k: string]: unknown;
}

const SUPPORTED = new Set(['type', 'const', 'enum', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'contains', 'not', 'format', '$schema', 'description', 'title']);

const regexCache = new Map<string, RegExp>();
export function compilePattern(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    try {
      re = new RegExp(pattern, 'u');
    } catch (e) {
      throw invalidInput(`invalid filter pattern '${pattern}': ${(e as Error).message}`);
    }
    regexCache.set(pattern, re);
  }
  return re;
}

/** Throws for a filter this matcher cannot evaluate, so a policy never silently matches too much. */
export function checkFilterSupported(f: Filter, where: string): void {
  for (const k of Object.keys(f)) if (!SUPPORTED.has(k)) throw invalidInput(`${where}: filter keyword '${k}' is not supported`);
  if (f.pattern !== undefined) compilePattern(f.pattern);
  if (f.contains) checkFilterSupported(f.contains, where);
  if (f.not) checkFilterSupported(f.not, where);
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const show = (v: unknown) => {
  const s = JSON.stringify(v);
  return s && s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/** undefined when `value` passes the filter itself, else the reason. */
function checkScalar(value: unknown, f: Filter): string | undefined {
  if (f.type !== undefined) {
    const t = typeOf(value);
    const ok = f.type === t || (f.type === 'number' && t === 'integer');
    if (!ok) return `expected type ${f.type}, got ${t}`;
  }
  if (f.const !== undefined && JSON.stringify(value) !== JSON.stringify(f.const)) return `expected ${show(f.const)}, got ${show(value)}`;
  if (f.enum !== undefined && !f.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) return `${show(value)} is not one of ${show(f.enum)}`;
  if (typeof value === 'string') {
    if (f.pattern !== undefined && !compilePattern(f.pattern).test(value)) return `${show(value)} does not match pattern ${f.pattern}`;
    if (f.minLength !== undefined && value.length < f.minLength) return `${show(value)} is shorter than ${f.minLength}`;
    if (f.maxLength !== undefined && value.length > f.maxLength) return `${show(value)} is longer than ${f.maxLength}`;
  }
  if (typeof value === 'number') {
    if (f.minimum !== undefined && value < f.minimum) return `${value} < minimum ${f.minimum}`;
    if (f.maximum !== undefined && value > f.maximum) return `${value} > maximum ${f.maximum}`;
    if (f.exclusiveMinimum !== undefined && value <= f.exclusiveMinimum) return `${value} <= exclusiveMinimum ${f.exclusiveMinimum}`;
    if (f.exclusiveMaximum !== undefined && value >= f.exclusiveMaximum) return `${value} >= exclusiveMaximum ${f.exclusiveMaximum}`;
  }
  if (f.contains !== undefined) {
    if (!Array.isArray(value)) return 'expected an array for contains';
    if (!value.some((v) => checkScalar(v, f.contains!) === undefined)) return `no element of ${show(value)} matches ${show(f.contains)}`;
  }
  if (f.not !== undefined && checkScalar(value, f.not) === undefined) return `${show(value)} matches a 'not' filter`;
  return undefined;
}

/**
 * Checks a value against a filter. Like nuts-node, an array value passes a non-array filter when any element does
 * (so `$.type` with `const: "NutsOrganizationCredential"` matches `["VerifiableCredential","NutsOrganizationCredential"]`).
 */
export function checkFilter(value: unknown, f: Filter): string | undefined {
  const direct = checkScalar(value, f);
  if (direct === undefined) return undefined;
  if (Array.isArray(value) && f.type !== 'array' && f.contains === undefined) {
    if (value.some((v) => checkScalar(v, f) === undefined)) return undefined;
    return `no element of ${show(value)} passes (${checkScalar(value[0], f) ?? direct})`;
  }
  return direct;
}
