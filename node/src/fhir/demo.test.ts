// Demo data: five VVT clients with valid test BSNs and realistic MP9 sets, valid against our rules, split per source system.
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../store/index.js';
import { demoDataBySource, loadDemoData } from './demo.js';
import { ProfileValidator } from './profiles.js';
import { fhirMigrations, SqlFhirRepository } from './store.js';
import { parseSearch, parseQueryString, runSearch } from './search.js';
import { blockOf, BSN_SYSTEM, EXT_TREATMENT_ID, type FhirResource } from './types.js';

const elfproef = (bsn: string) => /^\d{9}$/.test(bsn) && [...bsn].reduce((s, d, i) => s + Number(d) * (i === 8 ? -1 : 9 - i), 0) % 11 === 0;
const today = new Date('2026-03-15T10:00:00Z');

describe('demo data', () => {
  const by = demoDataBySource({ today });
  const all = [...by.gp, ...by.hospital, ...by.pharmacy, ...by.vvt];

  it('has at least five clients with valid test BSNs (11-proef)', () => {
    const patients = new Map(all.filter((r) => r.resourceType === 'Patient').map((p) => [p.id, p]));
    expect(patients.size).toBeGreaterThanOrEqual(5);
    for (const p of patients.values()) expect(elfproef(p.identifier.find((i: { system: string }) => i.system === BSN_SYSTEM).value), p.id).toBe(true);
    expect(elfproef('999911005')).toBe(false);
  });

  it('validates against the MP9 rules and puts each block at its source (GP: MA/WDS/VV, pharmacy: TA/MVE, VVT: MGB/MTD)', () => {
    const validator = new ProfileValidator();
    for (const r of all) expect(validator.validate(r), `${r.resourceType}/${r.id}`).toEqual([]);
    const blocks = (rs: FhirResource[]) => [...new Set(rs.map(blockOf).filter((b) => b !== 'context'))].sort();
    expect(blocks(by.gp)).toEqual(['MA', 'VV', 'WDS']);
    expect(blocks(by.pharmacy)).toEqual(['MVE', 'TA']);
    expect(blocks(by.vvt)).toEqual(['MGB', 'MTD']);
  });

  it('each client has several treatments including a stopped one and an as-needed one', () => {
    for (const p of all.filter((r) => r.resourceType === 'Patient' && r.id!.startsWith('demo-'))) {
      const mas = by.gp.filter((r) => blockOf(r) === 'MA' && r.subject.reference === `Patient/${p.id}`);
      const treatments = new Set(mas.map((m) => m.extension.find((e: { url: string }) => e.url === EXT_TREATMENT_ID).valueIdentifier.value));
      expect(treatments.size, p.id).toBeGreaterThanOrEqual(3);
      expect(mas.some((m) => m.status === 'stopped'), `${p.id} stopped`).toBe(true);
      expect(mas.some((m) => m.dosageInstruction?.[0]?.asNeededCodeableConcept), `${p.id} as needed`).toBe(true);
    }
  });

  it('materialises dates relative to the load date and loads with loadDemoData', async () => {
    const db = await openDatabase({ sqlite: ':memory:' });
    await db.migrate(fhirMigrations);
    const repo = new SqlFhirRepository({ db });
    const { count } = await loadDemoData(repo, { today });
    expect(count).toBe(new Set(all.map((r) => `${r.resourceType}/${r.id}`)).size);
    // Jansen's MTD of the last week: only administrations before today, none of the stopped temazepam after its stop
    const q = parseSearch('MedicationAdministration', parseQueryString(`patient.identifier=${BSN_SYSTEM}|999911004&effective-time=ge2026-03-08&_include=MedicationAdministration:medication`));
    const res = await runSearch(q, { repo, baseUrl: 'http://x/fhir' });
    expect(res.total).toBeGreaterThan(0);
    expect(res.matches.every((m) => m.effectiveDateTime < '2026-03-15')).toBe(true);
    expect(res.includes.map((m) => m.code.text)).not.toContain('TEMAZEPAM CAPSULE 10MG');
    const pharmacyOnly = await loadDemoData(new SqlFhirRepository({ db }), { today, sources: ['pharmacy'] });
    expect(pharmacyOnly.count).toBe(by.pharmacy.length);
    await db.close();
  });
});
