// Holds our MP9 rule set against the official StructureDefinitions, and validates + loads the CC0 upstream examples (XML → JSON).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { externalMissing, externalPath } from '../../../test/helpers/external.js';
import { openDatabase } from '../store/index.js';
import { EmbeddedBackend } from './backend.js';
import { ProfileValidator, loadRuleSet } from './profiles.js';
import { fhirMigrations, SqlFhirRepository } from './store.js';
import { parseSearch } from './search.js';
import { fhirXmlToJson, parseXml, type XmlElement } from './xml.js';

const MP9 = externalPath('nictiz-mp9');
const missing = externalMissing('nictiz-mp9');
const rules = loadRuleSet();
const validator = new ProfileValidator(rules);
const attr = (el: XmlElement | undefined, name: string) => el?.children.find((c) => c.name === name)?.attrs.value;
const kids = (el: XmlElement | undefined, name: string) => el?.children.filter((c) => c.name === name) ?? [];

/** What a StructureDefinition's differential says about the top-level elements we keep rules for. */
function readProfile(file: string) {
  const sd = parseXml(readFileSync(file, 'utf8'));
  const type = attr(sd, 'type')!;
  const diff = kids(kids(sd, 'differential')[0], 'element');
  const required = new Set<string>();
  const ext = { extension: new Set<string>(), modifierExtension: new Set<string>() };
  const fixedCategory = new Set<string>();
  for (const el of diff) {
    const p = attr(el, 'path')!.split('.');
    if (p.length !== 2) continue;
    const min = Number(attr(el, 'min') ?? '0');
    if (min >= 1) required.add(p[1]!);
    if (p[1] === 'extension' || p[1] === 'modifierExtension') for (const t of kids(el, 'type')) for (const prof of kids(t, 'profile')) ext[p[1]].add(prof.attrs.value!);
    const pattern = kids(el, 'patternCodeableConcept')[0];
    if (p[1] === 'category' && pattern) for (const c of kids(pattern, 'coding')) fixedCategory.add(`${attr(c, 'system')}|${attr(c, 'code')}`);
  }
  return { url: attr(sd, 'url'), type, version: attr(sd, 'version'), required, ext, fixedCategory };
}

describe.skipIf(missing)('MP9 rule set vs the official StructureDefinitions', () => {
  for (const rule of rules.profiles) {
    it(`${rule.id}: same canonical URL, fixed category, required elements and extension URLs`, () => {
      const sd = readProfile(path.join(MP9, 'Profiles', `${rule.id}.xml`));
      expect(sd.url).toBe(rule.url);
      expect(sd.type).toBe(rule.resourceType);
      expect(sd.version).toBe(rules.package.version);
      expect([...sd.fixedCategory]).toEqual(rule.category ? [`${rule.category.system}|${rule.category.code}`] : []);
      for (const el of sd.required) expect(rule.required, `${rule.id} requires ${el}`).toContain(el);
      expect(new Set(rule.extensions)).toEqual(sd.ext.extension);
      expect(new Set(rule.modifierExtensions)).toEqual(sd.ext.modifierExtension);
    });
  }

  it('every MP9 profile of a building block has a rule', () => {
    const blockProfiles = readdirSync(path.join(MP9, 'Profiles')).filter((f) => /^mp-.*\.xml$/.test(f) && !f.includes('Bundle') && !f.includes('ReplyProposal') && !f.includes('InstructionsForUse'));
    expect(blockProfiles.map((f) => f.replace('.xml', '')).sort()).toEqual(rules.profiles.filter((p) => !p.id.includes('ReplyProposal')).map((p) => p.id).sort());
  });

  it.skipIf(externalMissing('nictiz-zib2020'))('extension value types agree with the extension StructureDefinitions', () => {
    for (const [url, vr] of Object.entries(rules.extensionValues)) {
      const id = url.split('/').pop()!;
      const candidates = [path.join(MP9, 'Profiles', `${id}.xml`), externalPath('nictiz-zib2020', 'resources', 'zib', `${id}.xml`)];
      const file = candidates.find((f) => {
        try {
          readFileSync(f);
          return true;
        } catch {
          return false;
        }
      });
      expect(file, `StructureDefinition for ${id}`).toBeDefined();
      const sd = parseXml(readFileSync(file!, 'utf8'));
      const value = kids(kids(sd, 'differential')[0], 'element').find((e) => attr(e, 'path') === 'Extension.value[x]');
      const types = kids(value, 'type').map((t) => attr(t, 'code'));
      expect(types.map((t) => `value${t![0]!.toUpperCase()}${t!.slice(1)}`), id).toContain(vr.value);
    }
  });
});

describe.skipIf(missing)('CC0 upstream examples', () => {
  const files = missing ? [] : readdirSync(path.join(MP9, 'Examples')).filter((f) => f.endsWith('.xml'));
  const examples = files.map((f) => ({ file: f, json: fhirXmlToJson(readFileSync(path.join(MP9, 'Examples', f), 'utf8')) }));

  it('convert from XML with FHIR JSON shapes (arrays, numbers, booleans, primitive extensions)', () => {
    const ma = examples.find((e) => e.file === 'mp-MedAgr-mp9-MBH920mgexample-1-MA1.xml')!.json;
    expect(ma.category[0].coding[0].code).toBe('33633005');
    expect(ma.dosageInstruction[0].timing.repeat).toEqual({ frequency: 2, period: 1, periodUnit: 'd' });
    expect(ma.dosageInstruction[0].doseAndRate[0].doseQuantity.value).toBe(1);
    expect(ma.identifier[0].value).toBe('MBH_920_mg_example-1-MA1');
    const pat = examples.find((e) => e.file === 'nl-core-Patient-mp9-XXX-Kester.xml')!.json;
    expect(pat.identifier[0]._value.extension[0].valueCode).toBe('masked');
    expect(pat.name[0].given).toEqual(['B.']);
    const mgb = examples.find((e) => e.file.includes('MedUse2'))!.json;
    expect(mgb.extension.find((x: { url: string }) => x.url.endsWith('AsAgreedIndicator')).valueBoolean).toBe(true);
    expect(mgb.category.coding[0].code).toBe('422979000');
  });

  it('validate against our rules and load: single resources by PUT, the example Bundles as transactions', async () => {
    const db = await openDatabase({ sqlite: ':memory:' });
    await db.migrate(fhirMigrations);
    const repo = new SqlFhirRepository({ db });
    const backend = new EmbeddedBackend(repo, validator, () => 'http://example.test/fhir');
    let singles = 0;
    let bundled = 0;
    for (const { file, json } of examples) {
      if (json.resourceType === 'Bundle') {
        for (const e of json.entry) expect(validator.validate(e.resource), `${file} ${e.fullUrl}`).toEqual([]);
        const res = await backend.bundle(json);
        expect(res.entry.every((e: { response: { status: string } }) => e.response.status.startsWith('201')), file).toBe(true);
        bundled += res.entry.length;
      } else {
        expect(validator.validate(json), file).toEqual([]);
        await repo.put(json);
        singles++;
      }
    }
    expect(singles).toBe(16);
    expect(bundled).toBe(30);
    const claimed = examples.flatMap((e) => (e.json.resourceType === 'Bundle' ? e.json.entry.map((x: { resource: unknown }) => x.resource) : [e.json])).filter((r) => validator.profile(r.meta?.profile?.[0] ?? ''));
    expect(claimed.length).toBeGreaterThan(20);
    // the loaded examples answer the MA base query for patient Kester, with the referenced Medication included
    const q = parseSearch('MedicationRequest', [['patient', 'nl-core-Patient-mp9-XXX-Kester'], ['category', 'http://snomed.info/sct|33633005'], ['_include', 'MedicationRequest:medication']]);
    const bundle = await backend.search(q);
    expect(bundle.entry.map((e: { resource: { resourceType: string; id: string } }) => `${e.resource.resourceType}/${e.resource.id}`)).toEqual(['MedicationRequest/mp-MedAgr-mp9-MBH920mgexample-1-MA1', 'Medication/mp-PhPrd-mp9-216840111388324410-17469']);
    await db.close();
  });

  it('refuses broken variants of an example with the element named in issue.expression', () => {
    const base = () => structuredClone(examples.find((e) => e.file === 'mp-MedAgr-mp9-MBH920mgexample-1-MA1.xml')!.json);
    const cases: Array<[string, (r: any) => void, string]> = [ // eslint-disable-line @typescript-eslint/no-explicit-any
      ['STU3 category code', (r) => (r.category[0].coding[0].code = '16076005'), 'MedicationRequest.category'],
      ['no subject', (r) => delete r.subject, 'MedicationRequest.subject'],
      ['no medication', (r) => delete r.medicationReference, 'MedicationRequest.medication[x]'],
      ['bad status', (r) => (r.status = 'finished'), 'MedicationRequest.status'],
      ['treatment id without system', (r) => delete r.extension.find((x: { url: string }) => x.url.endsWith('PharmaceuticalTreatment.Identifier')).valueIdentifier.system, "MedicationRequest.extension('http://nictiz.nl/fhir/StructureDefinition/ext-PharmaceuticalTreatment.Identifier').value"],
      ['period of use as string', (r) => {
        const e = r.extension.find((x: { url: string }) => x.url.endsWith('TimeInterval.Period'));
        delete e.valuePeriod;
        e.valueString = 'vanaf 11 nov';
      }, "MedicationRequest.extension('http://nictiz.nl/fhir/StructureDefinition/ext-TimeInterval.Period').value"],
      ['unknown modifier extension', (r) => (r.modifierExtension = [{ url: 'http://example.org/x', valueBoolean: true }]), "MedicationRequest.modifierExtension('http://example.org/x')"],
    ];
    for (const [name, breakIt, expr] of cases) {
      const r = base();
      breakIt(r);
      const issues = validator.validate(r);
      expect(issues.flatMap((i) => i.expression), name).toContain(expr);
    }
    expect(validator.validate({ ...base(), resourceType: 'MedicationDispense' })[0]!.expression).toEqual(['MedicationDispense.meta.profile']);
  });
});
