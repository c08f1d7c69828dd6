// A generic XML element tree (for StructureDefinitions and JUnit reports read as trees); FHIR XML ⇄ JSON lives in fhirxml.ts.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { xmlToResource } from './fhirxml.js';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** raw inner XML (only kept for XHTML `div`) */
  inner?: string;
}

const ENTITY: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
export const decodeEntities = (s: string) =>
  s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) => (e[0] === '#' ? String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)) : ENTITY[e]!));

/** Parses an XML document into elements (namespaces dropped from names; comments, PIs and whitespace text ignored). */
export function parseXml(xml: string): XmlElement {
  const tag = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[[\s\S]*?\]\]>|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
  const stack: Array<XmlElement & { start: number }> = [];
  let root: XmlElement | undefined;
  let m: RegExpExecArray | null;
  while ((m = tag.exec(xml))) {
    const [whole, close, rawName, attrText, selfClose] = m;
    if (!rawName) continue;
    const name = rawName.includes(':') ? rawName.split(':').pop()! : rawName;
    if (close) {
      const el = stack.pop();
      if (!el || el.name !== name) throw new SyntaxError(`unbalanced </${rawName}> at ${m.index}`);
      if (name === 'div') el.inner = xml.slice(el.start, m.index);
      if (!stack.length) root = el;
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText!.matchAll(/([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attrs[a[1]!] = decodeEntities(a[2] ?? a[3] ?? '');
    const el = { name, attrs, children: [] as XmlElement[], start: m.index + whole.length };
    stack.at(-1)?.children.push(el);
    if (selfClose) {
      if (!stack.length) root = el;
    } else stack.push(el);
  }
  if (stack.length || !root) throw new SyntaxError('unterminated XML document');
  return root;
}

/** FHIR XML text → JSON resource (the model-driven converter in fhirxml.ts). */
export function fhirXmlToJson(xml: string): any {
  return xmlToResource(xml);
}
