// Test helper: FHIR R4 XML → JSON for the resources the Nictiz examples use (a small converter, not a general one).
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

/** Elements that are arrays in FHIR JSON even when they occur once (0..* in the R4 resources we convert). */
const ARRAYS = new Set([
  'extension', 'modifierExtension', 'identifier', 'coding', 'dosageInstruction', 'doseAndRate', 'timeOfDay', 'when', 'dayOfWeek',
  'note', 'additionalInstruction', 'given', 'prefix', 'suffix', 'name', 'entry', 'ingredient', 'issue', 'profile', 'telecom', 'address',
  'line', 'contained', 'basedOn', 'reasonCode', 'reasonReference', 'link', 'specialty', 'qualification', 'supportingInformation',
  'statusReason', 'partOf', 'derivedFrom', 'tag', 'security', 'location', 'expression', 'reportedBy', 'receiver',
]);
/** Per resource type, elements that are 0..* there but 0..1 elsewhere. */
const ARRAYS_IN: Record<string, string[]> = {
  MedicationRequest: ['category'],
  MedicationStatement: ['category'],
  MedicationDispense: ['performer'],
  MedicationAdministration: ['performer'],
  PractitionerRole: ['code'],
  Patient: ['communication'],
};
const NUMBERS = new Set(['frequency', 'frequencyMax', 'period', 'periodMax', 'sequence', 'count', 'countMax', 'duration', 'durationMax', 'offset', 'valueInteger', 'valueDecimal', 'valuePositiveInt', 'valueUnsignedInt', 'numberOfRepeatsAllowed', 'total', 'rank']);
const BOOLEANS = new Set(['valueBoolean', 'userSelected', 'active', 'asNeededBoolean', 'reportedBoolean', 'deceasedBoolean', 'multipleBirthBoolean']);
const STRING_VALUE_PARENTS = new Set(['identifier', 'valueIdentifier', 'telecom']);

interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}

function parseXml(xml: string): XmlNode {
  const root: XmlNode = { name: '#root', attrs: {}, children: [] };
  const stack: XmlNode[] = [root];
  const re = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*"[^"]*")*)\s*(\/?)>/g;
  let m: RegExpExecArray | null;
  let skipDepth = 0; // inside xhtml narrative
  while ((m = re.exec(xml))) {
    if (!m[2]) continue; // comment or processing instruction
    const [, closing, name, attrText, selfClosing] = m;
    if (skipDepth) {
      if (closing && name === 'div') skipDepth--;
      else if (!closing && !selfClosing && name === 'div') skipDepth++;
      continue;
    }
    if (!closing && name === 'div') {
      if (!selfClosing) skipDepth = 1;
      continue;
    }
    if (closing) {
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText!.matchAll(/([\w:.-]+)\s*=\s*"([^"]*)"/g)) attrs[a[1]!] = decode(a[2]!);
    const node: XmlNode = { name: name!, attrs, children: [] };
    stack[stack.length - 1]!.children.push(node);
    if (!selfClosing) stack.push(node);
  }
  return root.children[0]!;
}

function decode(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-f]+);/gi, (_, e: string) =>
    e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : e === 'apos' ? "'" : e === 'amp' ? '&' : String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)),
  );
}

const isResourceName = (n: string) => /^[A-Z]/.test(n);

function toJson(node: XmlNode, resourceType: string, parent: string): unknown {
  if (isResourceName(node.name)) return resource(node);
  const kids = node.children;
  if (kids.length === 1 && isResourceName(kids[0]!.name) && (node.name === 'resource' || node.name === 'contained')) return resource(kids[0]!);
  if ('value' in node.attrs && node.children.length === 0) return primitive(node.name, node.attrs.value!, parent);
  const obj: Record<string, unknown> = {};
  if (node.attrs.url) obj.url = node.attrs.url;
  if (node.attrs.id) obj.id = node.attrs.id;
  if ('value' in node.attrs) obj.value = primitive('value', node.attrs.value!, parent);
  addChildren(obj, kids, resourceType, node.name);
  return obj;
}

function resource(node: XmlNode): Record<string, unknown> {
  const obj: Record<string, unknown> = { resourceType: node.name };
  // The narrative (`text`) is dropped: tests read data elements, not XHTML.
  addChildren(obj, node.children.filter((c) => c.name !== 'text'), node.name, node.name);
  return obj;
}

function addChildren(obj: Record<string, unknown>, kids: XmlNode[], resourceType: string, parent: string): void {
  const counts = new Map<string, number>();
  for (const k of kids) counts.set(k.name, (counts.get(k.name) ?? 0) + 1);
  for (const k of kids) {
    const v = toJson(k, resourceType, parent);
    const array = ARRAYS.has(k.name) || (parent === resourceType && ARRAYS_IN[resourceType]?.includes(k.name)) || counts.get(k.name)! > 1;
    if (array) ((obj[k.name] ??= []) as unknown[]).push(v);
    else obj[k.name] = v;
  }
}

function primitive(name: string, value: string, parent: string): unknown {
  if (BOOLEANS.has(name)) return value === 'true';
  if (NUMBERS.has(name) || (name === 'value' && !STRING_VALUE_PARENTS.has(parent))) {
    const n = Number(value);
    return Number.isFinite(n) ? n : value;
  }
  return value;
}

/** Converts one FHIR XML document (a resource or a Bundle) to its JSON form. */
export function fhirXmlToJson<T = fhir4.Resource>(xml: string): T {
  return resource(parseXml(xml)) as T;
}

/** Root of the upstream material: ../shared/external next to the repository, or /work/shared/external. */
export function externalDir(): string {
  const repoRoot = path.resolve(import.meta.dirname, '..', '..');
  const near = path.resolve(repoRoot, '..', 'shared', 'external');
  return existsSync(near) ? near : '/work/shared/external';
}

export function readNictizExample<T = fhir4.Resource>(file: string): T {
  return fhirXmlToJson<T>(readFileSync(path.join(externalDir(), 'nictiz-mp9', 'Examples', file), 'utf8'));
}
