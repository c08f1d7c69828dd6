// RFC 8785 JSON Canonicalization Scheme (JCS): the invariant byte form the audit hash chain is computed over.
import { createHash } from 'node:crypto';

/**
 * Serialises a JSON value per RFC 8785: object members sorted by their UTF-16 code units, no whitespace, strings and
 * numbers exactly as ES2015 `JSON.stringify` writes them (which is what the RFC prescribes). Members whose value is
 * `undefined` are left out, as JSON.stringify does; non-finite numbers and non-JSON values are a TypeError.
 */
export function canonicalize(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot canonicalize non-finite number ${value}`);
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalize(v))).join(',')}]`;
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        const json = (value as { toJSON?: () => unknown }).toJSON;
        if (typeof json === 'function') return canonicalize(json.call(value));
        throw new TypeError(`cannot canonicalize a ${proto?.constructor?.name ?? 'non-plain'} object`);
      }
      const obj = value as Record<string, unknown>;
      // default sort compares UTF-16 code units, exactly the order RFC 8785 §3.2.3 requires
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalize(obj[k])}`).join(',')}}`;
    }
    default:
      throw new TypeError(`cannot canonicalize a value of type ${typeof value}`);
  }
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
