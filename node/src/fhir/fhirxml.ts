// FHIR R4 XML ⇄ JSON, driven by the R4 element model (order, types, cardinality): primitives as `value` attributes with
// `_name` siblings for their id/extensions, Element.id and Extension.url as attributes, XHTML `div` kept verbatim.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { readFileSync } from 'node:fs';
import { packagePath } from '../core/paths.js';
import { FhirFormatError } from './errors.js';

export const FHIR_NS = 'http://hl7.org/fhir';
const XHTML_NS = 'http://www.w3.org/1999/xhtml';

/** One element of the R4 model: name, type (or `#Path` content reference), multiple, required, choice group, binding, target types, children. */
export interface ModelElement {
  n: string;
  t: string;
  m?: 1;
  r?: 1;
  c?: string;
  b?: string;
  tp?: string[];
  p?: ModelElement[];
}
export interface ModelType {
  k: 'resource' | 'primitive-type' | 'complex-type';
  e: ModelElement[];
}

let model: Record<string, ModelType> | undefined;
/** The R4 element model (node/src/fhir/model/r4-types.json, see generate.mjs there). */
export function r4Model(): Record<string, ModelType> {
  // from the package root: the JSON is not compiled into dist/
  model ??= JSON.parse(readFileSync(packagePath('node', 'src', 'fhir', 'model', 'r4-types.json'), 'utf8'));
  return model!;
}

/** The child elements of an element: its own (backbone), those of a content reference, or those of its type. */
export function childrenOf(el: ModelElement): ModelElement[] {
  if (el.p) return el.p;
  if (el.t.startsWith('#')) {
    const [root, ...rest] = el.t.slice(1).split('.');
    let list = r4Model()[root!]?.e ?? [];
    for (const seg of rest) list = childrenOf(list.find((x) => x.n === seg)!);
    return list;
  }
  return r4Model()[el.t]?.e ?? [];
}

/** Extension (the only type whose `url` is an XML attribute). */
const isExtensionDefs = (defs: ModelElement[]) => defs === r4Model().Extension!.e;

export const isPrimitiveType = (t: string) => r4Model()[t]?.k === 'primitive-type';
const INTEGER_TYPES = new Set(['integer', 'positiveInt', 'unsignedInt']);

// ---------------------------------------------------------------- XML parsing

interface XNode {
  name: string; // local name
  prefix?: string;
  attrs: Record<string, string>;
  children: XNode[];
  /** the element's source text (kept for XHTML) */
  raw?: string;
  ns?: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function decode(s: string, where: string): string {
  return s.replace(/&([^;&\s]*);?/g, (whole, e: string) => {
    if (!whole.endsWith(';')) throw new FhirFormatError(`unescaped '&' in ${where}`, where);
    if (e[0] === '#') {
      const cp = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      if (!Number.isFinite(cp) || cp > 0x10ffff) throw new FhirFormatError(`bad character reference &${e}; in ${where}`, where);
      return String.fromCodePoint(cp);
    }
    const v = ENTITIES[e];
    if (v === undefined) throw new FhirFormatError(`unknown entity &${e}; in ${where} (only the XML predefined entities are allowed)`, where);
    return v;
  });
}

/** A strict, small XML parser: no DTDs (so no entity expansion attacks), namespaces resolved, text only inside XHTML. */
export function parseXmlDocument(xml: string): XNode {
  if (xml.charCodeAt(0) === 0xfeff) xml = xml.slice(1);
  const re = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[[\s\S]*?\]\]>|<!DOCTYPE|<(\/?)([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>|<|[^<]+/g;
  const stack: Array<{ node: XNode; start: number; nsMap: Record<string, string> }> = [];
  let root: XNode | undefined;
  let m: RegExpExecArray | null;
  while ((m = re.exec(xml))) {
    const tok = m[0];
    if (tok.startsWith('<!--') || tok.startsWith('<?')) continue;
    if (tok === '<!DOCTYPE') throw new FhirFormatError('DOCTYPE declarations are not allowed in FHIR XML', '');
    const top = stack.at(-1);
    if (!tok.startsWith('<') || tok.startsWith('<![CDATA[')) {
      // text: only whitespace outside XHTML narrative
      if (!/^\s*$/.test(tok) && !(top && top.nsMap[''] === XHTML_NS)) throw new FhirFormatError(`unexpected text '${tok.trim().slice(0, 40)}' in element ${top?.node.name ?? '(document)'}`, top?.node.name ?? '');
      continue;
    }
    if (m[2] === undefined) throw new FhirFormatError(`malformed XML near offset ${m.index}`, '');
    const [, close, qname, attrText, selfClose] = m;
    const [prefix, local] = qname!.includes(':') ? qname!.split(':') : [undefined, qname!];
    if (close) {
      const open = stack.pop();
      if (!open || (open.node.prefix ? `${open.node.prefix}:${open.node.name}` : open.node.name) !== qname) throw new FhirFormatError(`unbalanced </${qname}> at offset ${m.index}`, '');
      open.node.raw = xml.slice(open.start, m.index + tok.length);
      if (!stack.length) root = open.node;
      continue;
    }
    if (root) throw new FhirFormatError('content after the document element', '');
    const attrs: Record<string, string> = {};
    const nsMap = { ...(top?.nsMap ?? {}) };
    for (const a of attrText!.matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
      // attribute-value normalisation (XML 1.0 §3.3.3): literal whitespace characters become spaces, references do not
      const v = decode((a[2] ?? a[3] ?? '').replace(/[\t\n\r]/g, ' '), `attribute ${a[1]} of ${qname}`);
      if (a[1] === 'xmlns') nsMap[''] = v;
      else if (a[1]!.startsWith('xmlns:')) nsMap[a[1]!.slice(6)] = v;
      else {
        if (a[1]! in attrs) throw new FhirFormatError(`duplicate attribute ${a[1]} on ${qname}`, qname!);
        attrs[a[1]!] = v;
      }
    }
    const node: XNode = { name: local!, ...(prefix ? { prefix } : {}), attrs, children: [], ns: nsMap[prefix ?? ''] ?? '' };
    if (top) top.node.children.push(node);
    if (selfClose) {
      node.raw = tok;
      if (!top) root = node;
    } else stack.push({ node, start: m.index, nsMap });
  }
  if (stack.length || !root) throw new FhirFormatError('unterminated XML document', '');
  return root;
}

// ---------------------------------------------------------------- XML → JSON

/** FHIR XML text → FHIR JSON resource; throws FhirFormatError naming the path of the first problem. */
export function xmlToResource(xml: string, opts: ReadOptions = {}): any {
  const root = parseXmlDocument(xml);
  return resourceFromXml(root, root.name, opts);
}

export interface ReadOptions {
  /**
   * what hand-written test scripts (Touchstone) need and the server never accepts: elements out of definition order,
   * a `value` attribute on a complex element (kept as `value`, e.g. TestScript.profile written STU3-style), and
   * elements the R4 definition lacks (kept untyped)
   */
  lenient?: boolean;
}

function resourceFromXml(el: XNode, at: string, opts: ReadOptions): any {
  if (el.ns !== FHIR_NS) throw new FhirFormatError(`element ${el.name} is not in the FHIR namespace ${FHIR_NS}`, at);
  const type = r4Model()[el.name];
  if (type?.k !== 'resource' || el.name === 'Resource' || el.name === 'DomainResource') throw new FhirFormatError(`${el.name} is not a FHIR R4 resource type`, at);
  for (const a of Object.keys(el.attrs)) throw new FhirFormatError(`unexpected attribute ${a} on ${el.name}`, at);
  return { resourceType: el.name, ...childrenFromXml(el, type.e, el.name, false, opts) };
}

function childrenFromXml(el: XNode, defs: ModelElement[], at: string, attrId: boolean, opts: ReadOptions): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [a, v] of Object.entries(el.attrs)) {
    if (a === 'id' && attrId) out.id = v;
    else if (a === 'url' && isExtensionDefs(defs)) out.url = v;
    else if (a === 'value' && opts.lenient) out.value = v;
    else throw new FhirFormatError(`unexpected attribute ${a} on ${at}`, at);
  }
  let lastIndex = -1;
  for (const child of el.children) {
    const p = `${at}.${child.name}`;
    if (child.ns !== FHIR_NS && !(child.name === 'div' && child.ns === XHTML_NS)) throw new FhirFormatError(`element ${child.name} is not in the FHIR namespace`, p);
    const idx = defs.findIndex((d) => d.n === child.name && !(attrId && d.n === 'id') && !(d.n === 'url' && isExtensionDefs(defs)));
    if (idx < 0 && opts.lenient) {
      // elements of later FHIR versions that test tools use (TestScript assert.stopTestOnFail): kept untyped
      out[child.name] = 'value' in child.attrs ? child.attrs.value : childrenFromXml(child, [], p, true, opts);
      continue;
    }
    if (idx < 0) throw new FhirFormatError(`unknown element ${child.name} in ${at}`, p);
    if (idx < lastIndex && !opts.lenient) throw new FhirFormatError(`element ${child.name} is out of order in ${at}`, p);
    lastIndex = idx;
    const def = defs[idx]!;
    if (!def.m && (child.name in out || `_${child.name}` in out)) throw new FhirFormatError(`element ${child.name} may occur only once in ${at}`, p);
    if (def.t === 'xhtml') {
      if (child.ns !== XHTML_NS) throw new FhirFormatError('the narrative div must be in the XHTML namespace', p);
      out[child.name] = xhtmlText(child);
      continue;
    }
    if (isPrimitiveType(def.t)) {
      primitiveFromXml(out, child, def, p);
      continue;
    }
    let value: any;
    if (def.t === 'Resource') {
      if (child.children.length !== 1 || Object.keys(child.attrs).length) throw new FhirFormatError(`${child.name} must hold exactly one resource`, p);
      value = resourceFromXml(child.children[0]!, `${p}.${child.children[0]!.name}`, opts);
    } else value = childrenFromXml(child, childrenOf(def), p, true, opts);
    if (def.m) (out[child.name] ??= []).push(value);
    else out[child.name] = value;
  }
  return out;
}

function primitiveFromXml(out: Record<string, any>, el: XNode, def: ModelElement, at: string): void {
  const meta: Record<string, any> = {};
  for (const a of Object.keys(el.attrs)) if (a !== 'value' && a !== 'id') throw new FhirFormatError(`unexpected attribute ${a} on ${at}`, at);
  if ('id' in el.attrs) meta.id = el.attrs.id;
  for (const c of el.children) {
    if (c.name !== 'extension' || c.ns !== FHIR_NS) throw new FhirFormatError(`a primitive element holds only extensions, not ${c.name}`, `${at}.${c.name}`);
    (meta.extension ??= []).push(childrenFromXml(c, r4Model().Extension!.e, `${at}.extension`, true, {}));
  }
  const hasValue = 'value' in el.attrs;
  if (!hasValue && !Object.keys(meta).length) throw new FhirFormatError(`element ${el.name} has neither a value nor extensions`, at);
  const value = hasValue ? primitiveValue(def.t, el.attrs.value!, at) : null;
  const name = el.name;
  if (def.m) {
    const values: any[] = (out[name] ??= []);
    values.push(value);
    if (Object.keys(meta).length) {
      const metas: any[] = (out[`_${name}`] ??= []);
      while (metas.length < values.length - 1) metas.push(null);
      metas.push(meta);
    } else if (out[`_${name}`]) out[`_${name}`].push(null);
  } else {
    if (hasValue) out[name] = value;
    if (Object.keys(meta).length) out[`_${name}`] = meta;
  }
}

const DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
function primitiveValue(type: string, v: string, at: string): unknown {
  if (type === 'boolean') {
    if (v !== 'true' && v !== 'false') throw new FhirFormatError(`'${v}' is not a boolean`, at);
    return v === 'true';
  }
  if (INTEGER_TYPES.has(type)) {
    if (!/^-?(0|[1-9][0-9]*)$/.test(v)) throw new FhirFormatError(`'${v}' is not an integer`, at);
    return Number(v);
  }
  if (type === 'decimal') {
    if (!DECIMAL.test(v)) throw new FhirFormatError(`'${v}' is not a decimal`, at);
    return Number(v);
  }
  return v;
}

/** The narrative as FHIR JSON carries it: the div's XHTML source, with the XHTML namespace declared on the div. */
function xhtmlText(div: XNode): string {
  const raw = div.raw!;
  if (div.prefix) throw new FhirFormatError('the narrative div must use the default XHTML namespace', 'div');
  return /^<div[^>]*\sxmlns\s*=/.test(raw) ? raw : raw.replace(/^<div/, `<div xmlns="${XHTML_NS}"`);
}

// ---------------------------------------------------------------- JSON → XML

const escAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\n/g, '&#xA;').replace(/\r/g, '&#xD;').replace(/\t/g, '&#x9;');

/** FHIR JSON resource → FHIR XML text (elements in definition order); throws FhirFormatError for JSON with no XML form. */
export function resourceToXml(resource: any): string {
  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  writeResource(lines, resource, 0, true, resource?.resourceType ?? 'Resource');
  return lines.join('\n') + '\n';
}

function writeResource(lines: string[], r: any, depth: number, ns: boolean, at: string): void {
  if (!r || typeof r !== 'object' || Array.isArray(r)) throw new FhirFormatError('a resource must be a JSON object', at);
  const type = r4Model()[r.resourceType];
  if (type?.k !== 'resource') throw new FhirFormatError(`'${r.resourceType}' is not a FHIR R4 resource type`, at);
  const pad = '  '.repeat(depth);
  lines.push(`${pad}<${r.resourceType}${ns ? ` xmlns="${FHIR_NS}"` : ''}>`);
  writeChildren(lines, r, type.e, depth + 1, r.resourceType, false);
  lines.push(`${pad}</${r.resourceType}>`);
}

function writeChildren(lines: string[], obj: Record<string, any>, defs: ModelElement[], depth: number, at: string, attrs: boolean): void {
  const known = new Set(defs.flatMap((d) => [d.n, `_${d.n}`]));
  for (const k of Object.keys(obj)) if (!known.has(k) && !(k === 'resourceType' && !attrs)) throw new FhirFormatError(`unknown element '${k}' in ${at}`, `${at}.${k}`);
  const pad = '  '.repeat(depth);
  for (const def of defs) {
    if (attrs && (def.n === 'id' || (def.n === 'url' && isExtensionDefs(defs)))) continue; // written as attributes
    const p = `${at}.${def.n}`;
    const v = obj[def.n];
    const meta = obj[`_${def.n}`];
    if (v === undefined && meta === undefined) continue;
    if (def.t === 'xhtml') {
      if (typeof v !== 'string') throw new FhirFormatError('the narrative div must be a string', p);
      const text = v.trim();
      parseXmlDocument(text); // refuses a div that is not well-formed
      if (!/^<div[\s>/]/.test(text)) throw new FhirFormatError('the narrative must be a single XHTML div', p);
      lines.push(pad + (/^<div[^>]*\sxmlns\s*=/.test(text) ? text : text.replace(/^<div/, `<div xmlns="${XHTML_NS}"`)));
      continue;
    }
    if (def.m && v !== undefined && !Array.isArray(v)) throw new FhirFormatError(`${def.n} must be an array`, p);
    if (!def.m && Array.isArray(v)) throw new FhirFormatError(`${def.n} must not be an array`, p);
    const values: any[] = def.m ? (v ?? []) : v === undefined ? [] : [v];
    const metas: any[] = def.m ? (meta ?? []) : meta === undefined ? [] : [meta];
    if (isPrimitiveType(def.t)) {
      const n = Math.max(values.length, metas.length);
      for (let i = 0; i < n; i++) {
        const val = values[i];
        const m = metas[i] ?? undefined;
        if ((val === null || val === undefined) && !m) continue;
        if (val !== null && val !== undefined && typeof val === 'object') throw new FhirFormatError(`${def.n} must be a primitive value`, p);
        const idAttr = m?.id !== undefined ? ` id="${escAttr(String(m.id))}"` : '';
        const valAttr = val !== null && val !== undefined ? ` value="${escAttr(String(val))}"` : '';
        const exts: any[] = m?.extension ?? [];
        if (!exts.length) lines.push(`${pad}<${def.n}${idAttr}${valAttr}/>`);
        else {
          lines.push(`${pad}<${def.n}${idAttr}${valAttr}>`);
          for (const e of exts) writeComplex(lines, 'extension', e, r4Model().Extension!.e, depth + 1, `${p}.extension`);
          lines.push(`${pad}</${def.n}>`);
        }
      }
      continue;
    }
    for (const val of values) {
      if (def.t === 'Resource') {
        lines.push(`${pad}<${def.n}>`);
        writeResource(lines, val, depth + 1, true, p);
        lines.push(`${pad}</${def.n}>`);
      } else writeComplex(lines, def.n, val, childrenOf(def), depth, p);
    }
  }
}

function writeComplex(lines: string[], name: string, val: any, defs: ModelElement[], depth: number, at: string): void {
  if (!val || typeof val !== 'object' || Array.isArray(val)) throw new FhirFormatError(`${name} must be a JSON object`, at);
  const pad = '  '.repeat(depth);
  let attrs = val.id !== undefined ? ` id="${escAttr(String(val.id))}"` : '';
  if (isExtensionDefs(defs) && val.url !== undefined) attrs += ` url="${escAttr(String(val.url))}"`;
  const inner: string[] = [];
  writeChildren(inner, val, defs, depth + 1, at, true);
  if (!inner.length) lines.push(`${pad}<${name}${attrs}/>`);
  else lines.push(`${pad}<${name}${attrs}>`, ...inner, `${pad}</${name}>`);
}
