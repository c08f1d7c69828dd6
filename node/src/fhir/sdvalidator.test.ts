// StructureDefinition validation: every official MP9 example validates against the profiles it claims; broken copies
// fail with the issue at the right path (cardinality, slices, types, patterns, bindings, invariants, extensions).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { externalPath } from '../../../test/helpers/external.js';
import { xmlToResource } from './fhirxml.js';
import { ConformanceResources, StructureDefinitionValidator } from './sdvalidator.js';
import type { FhirResource } from './types.js';

const MP9 = externalPath('nictiz-mp9');
const ZIB = externalPath('nictiz-zib2020');
const FIXTURES = externalPath('nictiz-testscripts', 'MP9-3-0-0-beta', 'MO', 'Test', '_reference', 'fixtures');
const present = existsSync(MP9) && existsSync(ZIB);
if (!present) console.log(`skipped: the Nictiz profiles (${MP9}, ${ZIB}) are absent`);
const SD = 'http://nictiz.nl/fhir/StructureDefinition/';

describe.skipIf(!present)('StructureDefinition validation (MP9, zib, nl-core)', () => {
  const set = ConformanceResources.load([path.join(MP9, 'Profiles'), path.join(ZIB, 'resources')]);
  const v = new StructureDefinitionValidator(set);
  const example = (f: string) => xmlToResource(readFileSync(path.join(MP9, 'Examples', f), 'utf8')) as FhirResource;
  const paths = (r: FhirResource, profile: string) => v.validate(r, profile).map((i) => `${i.code} ${i.expression![0]}`);
  const ma = () => example('mp-MedAgr-mp9-MBH920mgexample-1-MA1.xml');

  it('validates every official example against every profile it (and each Bundle entry) claims', () => {
    const checked: string[] = [];
    const failures: string[] = [];
    for (const f of readdirSync(path.join(MP9, 'Examples'))) {
      const r = example(f);
      const all = [r, ...((r.entry ?? []) as Array<{ resource: FhirResource }>).map((e) => e.resource)];
      for (const x of all)
        for (const p of x.meta?.profile ?? []) {
          checked.push(`${f} ${p}`);
          for (const i of v.validate(x, p)) failures.push(`${f} ${x.resourceType} ${p}: ${i.expression?.[0]} ${i.diagnostics}`);
        }
    }
    expect(set.sds.size).toBeGreaterThan(300);
    expect(checked.length).toBeGreaterThanOrEqual(45);
    expect(failures).toEqual([]);
  });

  it('fails a missing required slice (category pattern) at the slice', () => {
    const r = ma();
    r.category = [{ coding: [{ system: 'http://snomed.info/sct', code: '16076005', display: 'old STU3 code' }] }];
    expect(paths(r, `${SD}mp-MedicationAgreement`)).toEqual(['required MedicationRequest.category:medicationAgreementCode']);
  });

  it("fails an extension whose value type its definition does not allow, and a slice's max", () => {
    const r = ma();
    const i = r.extension!.findIndex((e: { url: string }) => e.url === `${SD}ext-PharmaceuticalTreatment.Identifier`);
    r.extension![i] = { url: `${SD}ext-PharmaceuticalTreatment.Identifier`, valueString: 'MBH_1' };
    const period = r.extension!.find((e: { url: string }) => e.url === `${SD}ext-TimeInterval.Period`);
    r.extension!.push(structuredClone(period));
    expect(paths(r, `${SD}mp-MedicationAgreement`)).toEqual(expect.arrayContaining([`structure MedicationRequest.extension[${i}].valueString`, 'structure MedicationRequest.extension:periodOfUse']));
  });

  it('fails a code outside a required binding whose ValueSet is at hand', () => {
    const r = ma();
    r.modifierExtension = [{ url: `${SD}ext-StopType`, valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '123456789', display: 'not a stop type' }] } }];
    expect(paths(r, `${SD}mp-MedicationAgreement`)).toEqual(['code-invalid MedicationRequest.modifierExtension[0].valueCodeableConcept']);
    r.modifierExtension[0].valueCodeableConcept.coding[0].code = '410546004';
    expect(paths(r, `${SD}mp-MedicationAgreement`)).toEqual([]);
  });

  it('checks an extension the profile does not slice against its own definition', () => {
    const med = example('mp-PhPrd-mp9-216840111388324410-17469.xml');
    med.extension = [...(med.extension ?? []), { url: `${SD}ext-RegistrationDateTime`, valueString: 'yesterday' }];
    const at = `Medication.extension[${med.extension.length - 1}].valueString`;
    expect(paths(med, `${SD}mp-PharmaceuticalProduct`)).toEqual([`structure ${at}`]);
  });

  it('fails a transaction Bundle whose entry lacks the actionable tag, at the tag slice of that entry', () => {
    const b = example('mv-example-93-1-v30.xml');
    const i = (b.entry as Array<{ resource: FhirResource }>).findIndex((e) => e.resource.meta?.profile?.includes(`${SD}mp-MedicationAgreement`));
    delete b.entry[i].resource.meta.tag;
    expect(paths(b, `${SD}mp-MedicationPrescription-Bundle`)).toEqual([`required Bundle.entry[${i}].resource.meta.tag`, `required Bundle.entry[${i}].resource.meta.tag:actionable`]);
  });

  it.skipIf(!existsSync(FIXTURES))('evaluates FHIRPath invariants (mp-2033-ma-1 on a proposal reply)', () => {
    const bundle = xmlToResource(readFileSync(path.join(FIXTURES, 'mp-am-tst-23-1-vma-geaccepteerd-v30.xml'), 'utf8').replace(/\$\{DATE, T, D, [+-]?\d+\}/g, '2026-03-01'));
    const reply = (bundle.entry as Array<{ resource: FhirResource }>).map((e) => e.resource).find((r) => r.resourceType === 'Communication')!;
    const profile = `${SD}mp-ReplyProposalMedicationAgreement`;
    expect(paths(reply, profile)).toEqual([]);
    // "accepted" decisions only may point at a new MedicationAgreement; this reply is not one
    reply.extension = [...(reply.extension ?? []), { url: `${SD}ext-Communication.RelationToNewMedicationAgreement`, valueReference: { reference: 'MedicationRequest/x', display: 'new MA' } }];
    expect(v.validate(reply, profile)).toEqual([expect.objectContaining({ code: 'invariant', expression: ['Communication'], diagnostics: expect.stringContaining('mp-2033-ma-1') })]);
  });
});
