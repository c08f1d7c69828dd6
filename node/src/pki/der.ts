// Minimal DER: the few ASN.1 structures @peculiar/x509 cannot build or read for us (SAN otherName, permanentIdentifier).

export interface Tlv {
  /** full identifier octet: class bits, constructed bit and tag number (< 31) */
  tag: number;
  value: Uint8Array;
}

export const TAG = { OID: 0x06, UTF8: 0x0c, IA5: 0x16, PRINTABLE: 0x13, SEQUENCE: 0x30 } as const;
/** context-specific constructed [n] */
export const ctx = (n: number) => 0xa0 | n;
/** context-specific primitive [n] */
export const ctxPrim = (n: number) => 0x80 | n;

function lengthBytes(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}

export function encode(tag: number, ...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const body = concat(parts);
  return concat([Uint8Array.from([tag, ...lengthBytes(body.length)]), body]);
}

export function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const utf8 = (s: string) => encode(TAG.UTF8, new TextEncoder().encode(s));

export function oid(dotted: string): Uint8Array<ArrayBuffer> {
  const arcs = dotted.split('.').map((a) => BigInt(a));
  if (arcs.length < 2) throw new TypeError(`invalid OID ${dotted}`);
  const bytes: number[] = [];
  const push = (v: bigint) => {
    const chunk: number[] = [Number(v & 0x7fn)];
    for (v >>= 7n; v > 0n; v >>= 7n) chunk.unshift(Number(v & 0x7fn) | 0x80);
    bytes.push(...chunk);
  };
  push(arcs[0]! * 40n + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  return encode(TAG.OID, Uint8Array.from(bytes));
}

export function readOid(value: Uint8Array): string {
  const arcs: bigint[] = [];
  let v = 0n;
  for (const b of value) {
    v = (v << 7n) | BigInt(b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(v);
      v = 0n;
    }
  }
  const first = arcs.shift() ?? 0n;
  const a0 = first < 80n ? first / 40n : 2n;
  return [a0, first - a0 * 40n, ...arcs].join('.');
}

/** Reads consecutive TLVs; throws TypeError on truncated or long-form-tag input. */
export function readAll(bytes: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  let i = 0;
  while (i < bytes.length) {
    const tag = bytes[i++]!;
    if ((tag & 0x1f) === 0x1f) throw new TypeError('multi-byte ASN.1 tags are not supported');
    let len = bytes[i++];
    if (len === undefined) throw new TypeError('truncated DER');
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4) throw new TypeError('unsupported DER length');
      len = 0;
      for (let k = 0; k < n; k++) len = len * 256 + (bytes[i++] ?? NaN);
    }
    if (Number.isNaN(len) || i + len > bytes.length) throw new TypeError('truncated DER');
    out.push({ tag, value: bytes.subarray(i, i + len) });
    i += len;
  }
  return out;
}

export function readOne(bytes: Uint8Array, expectTag?: number): Tlv {
  const [t, ...rest] = readAll(bytes);
  if (!t || rest.length) throw new TypeError('expected exactly one DER element');
  if (expectTag !== undefined && t.tag !== expectTag) throw new TypeError(`expected DER tag 0x${expectTag.toString(16)}, got 0x${t.tag.toString(16)}`);
  return t;
}

/** A DER string of any of the string types a certificate may use. */
export function readString(t: Tlv): string {
  if (![TAG.UTF8, TAG.IA5, TAG.PRINTABLE, 0x1e].includes(t.tag as 0x0c)) throw new TypeError(`not a string (tag 0x${t.tag.toString(16)})`);
  if (t.tag === 0x1e) {
    let s = '';
    for (let i = 0; i + 1 < t.value.length; i += 2) s += String.fromCharCode((t.value[i]! << 8) | t.value[i + 1]!);
    return s;
  }
  return new TextDecoder().decode(t.value);
}
