// UZI server-certificate identifiers: the SAN otherName string, permanentIdentifier (URA) and reading SANs back from a certificate.
import './reflect.js';
import type { X509Certificate } from '@peculiar/x509';
import { TAG, ctx, ctxPrim, encode, oid, readAll, readOid, readOne, readString, utf8 } from './der.js';

/** OID of the UZI otherName in subjectAltName (RFC023, lsp-mitz-uzi §4.1). */
export const UZI_OTHERNAME_OID = '2.5.5.5';
/** RFC 4043 permanentIdentifier; UZI server certificates carry the URA in it since Nov 2023. */
export const PERMANENT_IDENTIFIER_OID = '1.3.6.1.5.5.7.8.3';
/** assigner of the URA (UZI-register abonneenummer) */
export const URA_ASSIGNER_OID = '2.16.528.1.1007.3.3';
/** OID of the UZI test/acceptance CA, the prefix of test otherNames */
export const UZI_TEST_CA_OID = '2.16.528.1.1007.99.2110';
export const SAN_OID = '2.5.29.17';

export interface UziOtherName {
  caOid: string;
  version: string;
  uzi: string;
  /** pastype: S = server */
  cardType: string;
  ura: string;
  role: string;
  agb: string;
}

const OTHERNAME_RE = /^([0-9]+(?:\.[0-9]+)+)-(\d+)-(\d+)-([A-Z])-(\d+)-(\d{2}\.\d{3})-(\d+)$/;

/** `<OID CA>-<versie>-<UZI-nr>-<pastype>-<URA>-<rol>-<AGB>`; a server certificate has pastype S and rol 00.000. */
export function formatUziOtherName(p: { uzi: string; ura: string; agb: string; caOid?: string; version?: string; cardType?: string; role?: string }): string {
  return [p.caOid ?? UZI_TEST_CA_OID, p.version ?? '1', p.uzi, p.cardType ?? 'S', p.ura, p.role ?? '00.000', p.agb].join('-');
}

export function parseUziOtherName(value: string): UziOtherName | undefined {
  const m = OTHERNAME_RE.exec(value);
  if (!m) return undefined;
  return { caOid: m[1]!, version: m[2]!, uzi: m[3]!, cardType: m[4]!, ura: m[5]!, role: m[6]!, agb: m[7]! };
}

/** The SAN names of a certificate that did:x509 `san` policies and X509Credential subjects talk about. */
export interface SanValues {
  otherName: string[];
  permanentIdentifier: Array<{ value?: string; assigner?: string }>;
  email: string[];
  dns: string[];
  uri: string[];
  ip: string[];
}

/** DER value of a subjectAltName extension with the UZI otherName and, when `ura` is given, a permanentIdentifier. */
export function uziSubjectAltName(otherName: string, ura?: string): Uint8Array<ArrayBuffer> {
  const names = [encode(ctx(0), oid(UZI_OTHERNAME_OID), encode(ctx(0), utf8(otherName)))];
  if (ura) names.push(encode(ctx(0), oid(PERMANENT_IDENTIFIER_OID), encode(ctx(0), encode(TAG.SEQUENCE, utf8(ura), oid(URA_ASSIGNER_OID)))));
  return encode(TAG.SEQUENCE, ...names);
}

/** Reads the SAN of a certificate; a certificate without SAN yields empty lists. Throws TypeError on malformed DER. */
export function readSan(cert: X509Certificate): SanValues {
  const out: SanValues = { otherName: [], permanentIdentifier: [], email: [], dns: [], uri: [], ip: [] };
  const ext = cert.getExtension(SAN_OID);
  if (!ext) return out;
  const seq = readOne(new Uint8Array(ext.value), TAG.SEQUENCE);
  const text = (v: Uint8Array) => new TextDecoder().decode(v);
  for (const gn of readAll(seq.value)) {
    if (gn.tag === ctx(0)) {
      const [typeId, wrapped] = readAll(gn.value);
      if (!typeId || typeId.tag !== TAG.OID || !wrapped || wrapped.tag !== ctx(0)) throw new TypeError('malformed otherName');
      const type = readOid(typeId.value);
      const inner = readOne(wrapped.value);
      if (type === UZI_OTHERNAME_OID) out.otherName.push(readString(inner));
      else if (type === PERMANENT_IDENTIFIER_OID && inner.tag === TAG.SEQUENCE) {
        const pi: { value?: string; assigner?: string } = {};
        for (const f of readAll(inner.value)) {
          if (f.tag === TAG.OID) pi.assigner = readOid(f.value);
          else pi.value = readString(f);
        }
        out.permanentIdentifier.push(pi);
      }
    } else if (gn.tag === ctxPrim(1)) out.email.push(text(gn.value));
    else if (gn.tag === ctxPrim(2)) out.dns.push(text(gn.value));
    else if (gn.tag === ctxPrim(6)) out.uri.push(text(gn.value));
    else if (gn.tag === ctxPrim(7)) out.ip.push(gn.value.length === 4 ? [...gn.value].join('.') : [...gn.value].map((b) => b.toString(16).padStart(2, '0')).join(''));
  }
  return out;
}

/** URA of a UZI server certificate: from permanentIdentifier when present, else from the otherName. */
export function uraOf(san: SanValues): string | undefined {
  const pi = san.permanentIdentifier.find((p) => p.assigner === URA_ASSIGNER_OID && p.value);
  if (pi) return pi.value;
  for (const o of san.otherName) {
    const parsed = parseUziOtherName(o);
    if (parsed) return parsed.ura;
  }
  return undefined;
}
