// FHIR XML ⇄ JSON: every Nictiz XML fixture equals its JSON twin, JSON → XML → JSON round-trips, and the XML rules hold.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { externalPath } from '../../../test/helpers/external.js';
import { FhirFormatError } from './errors.js';
import { resourceToXml, xmlToResource } from './fhirxml.js';

const SCRIPTS = externalPath('nictiz-testscripts');
const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(path.join(dir, f)).isDirectory() ? files(path.join(dir, f)) : [path.join(dir, f)]));

describe.skipIf(!existsSync(SCRIPTS))('Nictiz fixtures (XML and JSON twins)', () => {
  if (!existsSync(SCRIPTS)) console.log(`skipped: ${SCRIPTS} is absent`);
  const all = existsSync(SCRIPTS) ? files(SCRIPTS) : [];
  // the JSON files are FHIR resources, except the Touchstone `properties.json` of each folder
  const jsons = all.filter((f) => f.endsWith('.json') && path.basename(f) !== 'properties.json');
  const pairs = jsons.filter((f) => all.includes(f.replace(/\.json$/, '.xml')));

  it('converts every XML fixture that has a JSON twin to exactly that JSON', () => {
    const differ = pairs.filter((f) => JSON.stringify(sorted(xmlToResource(readFileSync(f.replace(/\.json$/, '.xml'), 'utf8')))) !== JSON.stringify(sorted(JSON.parse(readFileSync(f, 'utf8')))));
    expect(pairs.length).toBe(226);
    expect(differ).toEqual([]);
  });

  it('round-trips every JSON fixture through XML', () => {
    const differ = jsons.filter((f) => {
      const json = JSON.parse(readFileSync(f, 'utf8'));
      return JSON.stringify(sorted(xmlToResource(resourceToXml(json)))) !== JSON.stringify(sorted(json));
    });
    expect(jsons.length).toBeGreaterThanOrEqual(226);
    expect(differ).toEqual([]);
  });
});

describe('FHIR XML rules', () => {
  const patient = {
    resourceType: 'Patient',
    id: 'p1',
    meta: { profile: ['http://nictiz.nl/fhir/StructureDefinition/nl-core-Patient'] },
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><p>Jan &amp; <b>Piet</b></p></div>' },
    contained: [{ resourceType: 'Organization', id: 'o1', name: 'Zorg "A" <B>' }],
    extension: [{ url: 'http://example.org/ext', valueDecimal: 1.5 }],
    identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911120' }],
    active: true,
    name: [{ id: 'n1', family: 'Jansen', given: ['Jan', 'Piet'], _given: [null, { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier', valueCode: 'CL' }] }] }],
    gender: 'male',
    _birthDate: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] },
    multipleBirthInteger: 2,
  };

  it('writes primitives as value attributes, Element.id and Extension.url as attributes, in definition order', () => {
    const xml = resourceToXml(patient);
    expect(xml).toContain('<Patient xmlns="http://hl7.org/fhir">');
    expect(xml).toContain('<name id="n1">');
    expect(xml).toContain('<extension url="http://example.org/ext">');
    expect(xml).toContain('<valueDecimal value="1.5"/>');
    expect(xml).toContain('<given value="Jan"/>');
    expect(xml).toMatch(/<given value="Piet">\s*<extension url="http:\/\/hl7.org\/fhir\/StructureDefinition\/iso21090-EN-qualifier">/);
    expect(xml).toMatch(/<birthDate>\s*<extension/);
    expect(xml).toContain('<name value="Zorg &quot;A&quot; &lt;B&gt;"/>');
    expect(xml).toContain('<div xmlns="http://www.w3.org/1999/xhtml"><p>Jan &amp; <b>Piet</b></p></div>');
    // order by the definition, whatever the JSON order: id, meta, text, contained, extension, identifier, active, name, gender, birthDate
    const order = ['<id ', '<meta>', '<text>', '<contained>', '<extension ', '<identifier>', '<active ', '<name id=', '<gender ', '<birthDate>', '<multipleBirthInteger '].map((t) => xml.indexOf(t));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(xmlToResource(xml)).toEqual(patient);
  });

  it('reads numbers and booleans by their type, not by their look', () => {
    const r = xmlToResource('<Patient xmlns="http://hl7.org/fhir"><identifier><value value="0123"/></identifier><active value="true"/></Patient>');
    expect(r).toEqual({ resourceType: 'Patient', identifier: [{ value: '0123' }], active: true });
  });

  it.each([
    ['<Patient/>', 'not in the FHIR namespace'],
    ['<Foo xmlns="http://hl7.org/fhir"/>', 'not a FHIR R4 resource type'],
    ['<Patient xmlns="http://hl7.org/fhir"><nickname value="x"/></Patient>', 'unknown element nickname'],
    ['<Patient xmlns="http://hl7.org/fhir"><gender value="male"/><active value="true"/></Patient>', 'out of order'],
    ['<Patient xmlns="http://hl7.org/fhir"><gender value="male"/><gender value="female"/></Patient>', 'only once'],
    ['<Patient xmlns="http://hl7.org/fhir"><active value="yes"/></Patient>', 'not a boolean'],
    ['<Patient xmlns="http://hl7.org/fhir"><active>true</active></Patient>', 'unexpected text'],
    ['<!DOCTYPE x [<!ENTITY e "x">]><Patient xmlns="http://hl7.org/fhir"/>', 'DOCTYPE'],
    ['<Patient xmlns="http://hl7.org/fhir"><gender value="&e;"/></Patient>', 'unknown entity'],
    ['<Patient xmlns="http://hl7.org/fhir"><active value="true"></Patient>', 'unbalanced'],
  ])('refuses %s', (xml, message) => {
    expect(() => xmlToResource(xml)).toThrow(FhirFormatError);
    expect(() => xmlToResource(xml)).toThrow(message);
  });

  it('refuses JSON that has no XML form, naming the path', () => {
    expect(() => resourceToXml({ resourceType: 'Patient', nickname: 'x' })).toThrow(expect.objectContaining({ path: 'Patient.nickname' }));
    expect(() => resourceToXml({ resourceType: 'Patient', name: { family: 'x' } })).toThrow('must be an array');
    expect(() => resourceToXml({ resourceType: 'Patient', text: { status: 'generated', div: '<div><p>open</div>' } })).toThrow(FhirFormatError);
  });
});

function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]));
  return v;
}
