// Small FHIR-XML → FHIR-JSON converter (R4) for the upstream examples and StructureDefinitions; no DOM in Node 20, no dependency.
/* eslint-disable @typescript-eslint/no-explicit-any */

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

// Element paths (from the resource root) whose JSON form is an array; plus names that are arrays inside any datatype.
const RESOURCE_ARRAYS: Record<string, string[]> = {
  '*': ['extension', 'modifierExtension', 'contained', 'identifier'],
  MedicationRequest: ['category', 'basedOn', 'reasonCode', 'reasonReference', 'note', 'dosageInstruction', 'insurance', 'supportingInformation', 'detectedIssue', 'eventHistory', 'instantiatesCanonical', 'instantiatesUri'],
  MedicationDispense: ['partOf', 'performer', 'authorizingPrescription', 'receiver', 'note', 'dosageInstruction', 'detectedIssue', 'eventHistory', 'supportingInformation'],
  MedicationStatement: ['basedOn', 'partOf', 'statusReason', 'derivedFrom', 'reasonCode', 'reasonReference', 'note', 'dosage'],
  MedicationAdministration: ['instantiates', 'partOf', 'statusReason', 'supportingInformation', 'performer', 'reasonCode', 'reasonReference', 'device', 'note', 'eventHistory'],
  Medication: ['ingredient'],
  Patient: ['name', 'telecom', 'address', 'contact', 'communication', 'generalPractitioner', 'link', 'contact.relationship', 'contact.telecom'],
  Practitioner: ['name', 'telecom', 'address', 'qualification', 'communication'],
  PractitionerRole: ['code', 'specialty', 'location', 'healthcareService', 'telecom', 'availableTime', 'notAvailable', 'endpoint'],
  Organization: ['type', 'alias', 'telecom', 'address', 'contact', 'endpoint', 'contact.telecom'],
  Location: ['type', 'telecom', 'alias', 'endpoint', 'hoursOfOperation'],
  Condition: ['category', 'bodySite', 'evidence', 'note', 'stage'],
  RelatedPerson: ['name', 'telecom', 'address', 'relationship', 'communication'],
  Bundle: ['link', 'entry', 'entry.link'],
};
const DATATYPE_ARRAYS = new Set(['extension', 'modifierExtension', 'coding', 'given', 'prefix', 'suffix', 'line', 'doseAndRate', 'timeOfDay', 'dayOfWeek', 'when', 'event', 'profile', 'tag', 'security', 'additionalInstruction', 'telecom']);

const BOOLEAN = new Set(['valueBoolean', 'active', 'reportedBoolean', 'asNeededBoolean', 'userSelected', 'deceasedBoolean', 'multipleBirthBoolean', 'doNotPerform', 'wasSubstituted', 'allowedBoolean', 'abstract', 'experimental', 'mustSupport', 'isModifier', 'isSummary', 'ordered', 'preferred']);
const NUMBER = new Set(['valueDecimal', 'valueInteger', 'valuePositiveInt', 'valueUnsignedInt', 'count', 'countMax', 'duration', 'durationMax', 'frequency', 'frequencyMax', 'period', 'periodMax', 'offset', 'numberOfRepeatsAllowed', 'sequence', 'rank', 'total', 'multipleBirthInteger']);

/** Covers the resource types MP9 exchanges (plus Bundle); StructureDefinitions are read as XML trees, not converted. */
function isArray(resourceType: string, relPath: string, name: string, depth: number): boolean {
  if (depth === 1) return RESOURCE_ARRAYS['*']!.includes(name) ? !(resourceType === 'Bundle' && name === 'identifier') : (RESOURCE_ARRAYS[resourceType] ?? []).includes(name);
  if ((RESOURCE_ARRAYS[resourceType] ?? []).includes(relPath)) return true;
  return DATATYPE_ARRAYS.has(name);
}

function primitive(name: string, value: string, parent: XmlElement): unknown {
  if (BOOLEAN.has(name) && (value === 'true' || value === 'false')) return value === 'true';
  if (NUMBER.has(name) && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  // Quantity.value: a number inside a Quantity-like element (one with unit/code/comparator), never Identifier.value
  if (name === 'value' && parent.children.some((c) => c.name === 'unit' || c.name === 'code' || c.name === 'comparator') && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value)) return Number(value);
  return value;
}

const isResourceName = (n: string) => /^[A-Z]/.test(n);

/** Converts a FHIR XML element (a resource) into FHIR JSON. */
export function resourceToJson(el: XmlElement): any {
  return { resourceType: el.name, ...convertChildren(el, el.name, '', 1) };
}

function convertChildren(el: XmlElement, resourceType: string, path: string, depth: number): Record<string, unknown> {
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(el.attrs)) if (k === 'url' || (k === 'id' && depth > 1)) out[k] = v;
  for (const child of el.children) {
    const name = child.name;
    const relPath = path ? `${path}.${name}` : name;
    const array = isArray(resourceType, relPath, name, depth);
    const put = (key: string, value: unknown) => {
      if (array) (out[key] ??= []).push(value);
      else out[key] = value;
    };
    if (name === 'div') {
      out.div = `<div xmlns="http://www.w3.org/1999/xhtml"${child.inner !== undefined ? `>${child.inner}</div>` : '/>'}`;
      continue;
    }
    // contained resources and Bundle.entry.resource wrap a resource element
    if ((name === 'resource' || name === 'contained' || name === 'outcome') && child.children.length === 1 && isResourceName(child.children[0]!.name)) {
      put(name, resourceToJson(child.children[0]!));
      continue;
    }
    const hasValue = 'value' in child.attrs;
    if (hasValue || (child.children.every((c) => c.name === 'extension') && !('url' in child.attrs) && name !== 'extension' && name !== 'modifierExtension' && child.children.length > 0 && isPrimitiveHost(name))) {
      // primitive: value in `name`, id/extension in `_name`
      const value = hasValue ? primitive(name, child.attrs.value!, el) : null;
      const meta: Record<string, unknown> = {};
      if (child.attrs.id) meta.id = child.attrs.id;
      const exts = child.children.filter((c) => c.name === 'extension').map((c) => convertChildren(c, resourceType, `${relPath}.extension`, depth + 1));
      if (exts.length) meta.extension = exts;
      if (array) {
        (out[name] ??= []).push(value);
        if (Object.keys(meta).length) {
          const list = (out[`_${name}`] ??= []);
          while (list.length < out[name].length - 1) list.push(null);
          list.push(meta);
        }
      } else {
        if (hasValue) out[name] = value;
        if (Object.keys(meta).length) out[`_${name}`] = meta;
      }
      continue;
    }
    put(name, convertChildren(child, resourceType, relPath, depth + 1));
  }
  return out;
}

/** Elements that are FHIR primitives even when they carry only extensions (data-absent-reason on Identifier.value etc.). */
function isPrimitiveHost(name: string): boolean {
  return ['value', 'family', 'given', 'prefix', 'suffix', 'gender', 'birthDate', 'status', 'code', 'system', 'display', 'text', 'line', 'city', 'postalCode', 'country'].includes(name);
}

/** FHIR XML text → JSON resource. */
export function fhirXmlToJson(xml: string): any {
  return resourceToJson(parseXml(xml));
}
