// RFC 8785 JSON Canonicalization Scheme (JCS): the invariant byte form the audit hash chain is computed over.
import { createHash } from 'node:crypto';

/**
 * Serialises a JSON value per RFC 8785: object members sorted by their UTF-16 code units, no whitespace, strings and
 * numbers exactly as ES2015 `JSON.stringify` writes them (which is what the RFC prescribes). Members whose value is
 * `undefined` are left out, as JSON.stringify does; non-finite numbers and non-JSON values are a TypeError.
 *
 * Every record append hashes its record, so the common case is fast: a copy with members inserted in sorted order,
 * written by the native JSON.stringify. A JS object keeps insertion order except for array-index keys ("0", "17"),
 * which it always lists first in numeric order; a value holding such a key is written member by member instead.
 */
export function canonicalize(value: unknown): string {
  // a value already in canonical member order (as the recorder builds its records) needs no copy at all
  if (inCanonicalOrder(value)) return JSON.stringify(value);
  const sorted = sortedCopy(value);
  return sorted === INDEX_KEY ? canonicalizeByMember(value) : JSON.stringify(sorted);
}

/**
 * True when JSON.stringify writes `value` exactly as RFC 8785 does: plain objects whose members are in code-unit order
 * (no array-index keys), finite numbers, nothing JSON.stringify would turn into something else or drop silently.
 */
function inCanonicalOrder(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (const v of value) if (v !== undefined && !inCanonicalOrder(v)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      const obj = value as Record<string, unknown>;
      let prev: string | undefined;
      for (const k in obj) {
        if (prev !== undefined && !(prev < k)) return false;
        const c = k.charCodeAt(0);
        if (c >= 48 && c <= 57 && ARRAY_INDEX.test(k)) return false;
        if (!inCanonicalOrder(obj[k])) return false;
        prev = k;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * A copy of `value` with every object's members in canonical order and undefined members left out, which canonicalize
 * then writes without copying again; undefined when no JS object can hold that order (array-index keys).
 */
export function canonicalOrderCopy<T>(value: T): T | undefined {
  const sorted = sortedCopy(value);
  return sorted === INDEX_KEY ? undefined : (sorted as T);
}

/** marks a value sortedCopy cannot order (it holds an array-index key) */
const INDEX_KEY = Symbol('index key');
const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

function sortedCopy(value: unknown): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot canonicalize non-finite number ${value}`);
      return value;
    case 'object': {
      if (Array.isArray(value)) {
        const out = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) {
          const v = value[i] === undefined ? null : sortedCopy(value[i]);
          if (v === INDEX_KEY) return INDEX_KEY;
          out[i] = v;
        }
        return out;
      }
      const obj = plainObject(value);
      if (obj !== value) return sortedCopy(obj);
      const keys = Object.keys(obj).sort();
      const out: Record<string, unknown> = {};
      for (const k of keys) {
        if (obj[k] === undefined) continue;
        const c = k.charCodeAt(0);
        if (c >= 48 && c <= 57 && ARRAY_INDEX.test(k) && Number(k) < 2 ** 32 - 1) return INDEX_KEY;
        const v = sortedCopy(obj[k]);
        if (v === INDEX_KEY) return INDEX_KEY;
        // a member named "__proto__" must stay a member, not become the copy's prototype
        if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
        else out[k] = v;
      }
      return out;
    }
    default:
      throw new TypeError(`cannot canonicalize a value of type ${typeof value}`);
  }
}

/** The object itself when plain, what its toJSON gives otherwise; anything else is not JSON. */
function plainObject(value: object): Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return value as Record<string, unknown>;
  const json = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof json === 'function') return json.call(value) as Record<string, unknown>;
  throw new TypeError(`cannot canonicalize a ${proto?.constructor?.name ?? 'non-plain'} object`);
}

/** The same serialisation written member by member: the path for array-index keys, and the reference in tests. */
export function canonicalizeByMember(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(sortedCopy(value));
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalizeByMember(v))).join(',')}]`;
  const obj = plainObject(value);
  if (obj !== value) return canonicalizeByMember(obj);
  // default sort compares UTF-16 code units, exactly the order RFC 8785 §3.2.3 requires
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalizeByMember(obj[k])}`).join(',')}}`;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
