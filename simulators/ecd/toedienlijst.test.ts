// Administration list (toedienlijst) assembly from own-authored MP9 fixtures and from the Nictiz examples (XML converted in the test).
import { describe, expect, it } from 'vitest';
import { buildAdministrationList, renderAdministrationListText, type AdministrationList } from './toedienlijst.js';
import { readNictizExample } from '../../test/helpers/fhir-xml.js';
import { externalMissing } from '../../test/helpers/external.js';
import { DEMO_SOURCES as SRC, dose, medication, mtd, oral, outcome, qty, request, searchset, ta } from './mp9-builders.js';

// Wednesday 25 November 2026, 10:30 in Amsterdam (CET, UTC+1).
const TODAY = new Date('2026-11-25T09:30:00Z');
const day = (offset: number) => new Date(Date.UTC(2026, 10, 25 + offset)).toISOString().slice(0, 10);

const meds = [
  medication('metoprolol', 'METOPROLOL TABLET 50MG'),
  medication('paracetamol', 'PARACETAMOL TABLET 500MG'),
  medication('alendronine', 'ALENDRONINEZUUR TABLET 70MG'),
  medication('methotrexaat', 'METHOTREXAAT TABLET 2,5MG'),
  medication('oxazepam', 'OXAZEPAM TABLET 10MG'),
  medication('omeprazol', 'OMEPRAZOL CAPSULE 20MG'),
  medication('furosemide', 'FUROSEMIDE TABLET 40MG'),
  medication('acenocoumarol', 'ACENOCOUMAROL TABLET 1MG'),
];
// Outcome entries as the LSP adds them to every answer: one source fine, one withheld, one timed out.
const outcomes = [
  outcome(SRC.centraal, 'Apotheek Centraal', 'information', 'informational', 'answered'),
  outcome(SRC.linde, 'Apotheek De Linde', 'warning', 'suppressed', 'no consent (Mitz)'),
  outcome(SRC.gp, 'Huisartsenpraktijk Pulver', 'error', 'timeout'),
];

function fixtureBundles(): fhir4.Bundle[] {
  const TA = searchset(
    [
      ta('ta-meto', { mbh: 'MBH-meto', med: 'metoprolol', start: day(-30), dosage: [dose(1, { frequency: 2, period: 1, periodUnit: 'd', timeOfDay: ['08:00:00', '20:00:00'] })] }),
      ta('ta-para', { mbh: 'MBH-para', med: 'paracetamol', start: day(-1), dosage: [dose(2, { frequency: 3, period: 1, periodUnit: 'd' }, { patientInstruction: 'met een glas water' })] }),
      ta('ta-alen', { mbh: 'MBH-alen', med: 'alendronine', start: day(-40), dosage: [dose(1, { frequency: 1, period: 1, periodUnit: 'wk', dayOfWeek: ['wed'], when: ['ACM'] }, { additionalInstruction: [{ text: 'rechtop blijven zitten tot 30 minuten na inname' }] })] }),
      ta('ta-mtx', { mbh: 'MBH-mtx', med: 'methotrexaat', start: day(-40), dosage: [dose(4, { frequency: 1, period: 1, periodUnit: 'wk', dayOfWeek: ['fri'] })] }),
      ta('ta-oxa', {
        mbh: 'MBH-oxa',
        med: 'oxazepam',
        start: day(-10),
        dosage: [{ asNeededCodeableConcept: { text: 'Bij slapeloosheid' }, route: oral, doseAndRate: [{ doseRange: { low: qty(1), high: qty(2) } }], maxDosePerPeriod: { numerator: qty(2), denominator: { value: 1, unit: 'dag', system: 'http://unitsofmeasure.org', code: 'd' } } }],
      }),
      ta('ta-ome', { mbh: 'MBH-ome', med: 'omeprazol', start: day(-60), dosage: [dose(1, { frequency: 1, period: 1, periodUnit: 'd', when: ['MORN'] })] }),
      ta('ta-ome-stop', { mbh: 'MBH-ome', med: 'omeprazol', start: day(-60), end: day(-1), stop: '113371000146109', dosage: [] }),
      ta('ta-furo-1', { mbh: 'MBH-furo', med: 'furosemide', start: day(-20), end: day(-1), dosage: [dose(1, { frequency: 1, period: 1, periodUnit: 'd', timeOfDay: ['08:00:00'] })] }),
      ta('ta-furo-2', { mbh: 'MBH-furo', med: 'furosemide', start: day(0), dosage: [dose(2, { frequency: 1, period: 1, periodUnit: 'd', timeOfDay: ['08:00:00'] })] }),
      ta('ta-aceno', { mbh: 'MBH-aceno', med: 'acenocoumarol', start: day(-10), dosage: [{ text: 'volgens schema trombosedienst', route: oral }] }),
      // A TA that ended long ago: history, not on today's list.
      ta('ta-old', { mbh: 'MBH-old', med: 'paracetamol', start: day(-100), end: day(-72), dosage: [dose(1, { frequency: 1, period: 1, periodUnit: 'd' })] }),
    ],
    meds,
    outcomes,
  );
  const WDS = searchset(
    [
      request('wds-aceno', '395067002', {
        mbh: 'MBH-aceno',
        med: 'acenocoumarol',
        source: SRC.centraal,
        start: day(-2),
        end: day(12),
        cycleDays: 5,
        dosage: [
          { sequence: 1, ...dose(1, { boundsDuration: { value: 2, unit: 'dag', system: 'http://unitsofmeasure.org', code: 'd' }, frequency: 1, period: 1, periodUnit: 'd', when: ['EVE'] }) },
          { sequence: 2, ...dose(2, { boundsDuration: { value: 3, unit: 'dag', system: 'http://unitsofmeasure.org', code: 'd' }, frequency: 1, period: 1, periodUnit: 'd', when: ['EVE'] }) },
        ],
      }),
    ],
    [meds[7]!],
    outcomes,
  );
  const MA = searchset([request('ma-meto', '33633005', { mbh: 'MBH-meto', med: 'metoprolol', start: day(-30), dosage: [dose(1, { frequency: 2, period: 1, periodUnit: 'd' })] })], [meds[0]!], outcomes);
  const MTD = searchset(
    [
      mtd('mtd-meto-am', { mbh: 'MBH-meto', med: 'metoprolol', at: '2026-11-25T08:05:00+01:00', value: 1 }),
      mtd('mtd-meto-yesterday', { mbh: 'MBH-meto', med: 'metoprolol', at: '2026-11-24T20:02:00+01:00', value: 1 }),
      // 23:30 UTC on the 24th is 00:30 on the 25th in Amsterdam: today's record.
      mtd('mtd-oxa-night', { mbh: 'MBH-oxa', med: 'oxazepam', at: '2026-11-24T23:30:00Z', value: 1 }),
      mtd('mtd-para-am', { mbh: 'MBH-para', med: 'paracetamol', at: '2026-11-25T08:40:00+01:00', value: 0, status: 'not-done' }),
    ],
    meds,
    outcomes,
  );
  return [MA, TA, WDS, MTD];
}

const row = (list: AdministrationList, medStart: string) => {
  const r = list.rows.find((x) => x.medication.name.startsWith(medStart));
  if (!r) throw new Error(`no row for ${medStart}: ${list.rows.map((x) => x.medication.name).join(', ')}`);
  return r;
};

describe('buildAdministrationList', () => {
  const list = buildAdministrationList({ bundles: fixtureBundles(), today: TODAY, tz: 'Europe/Amsterdam' });

  it('lists today in the given time zone, one row per treatment, history left out', () => {
    expect(list.date).toBe('2026-11-25');
    expect(list.rows.map((r) => r.medication.name)).toEqual([
      'ALENDRONINEZUUR TABLET 70MG', // due today, sorted by first time: 07:30
      'FUROSEMIDE TABLET 40MG',
      'METOPROLOL TABLET 50MG',
      'PARACETAMOL TABLET 500MG',
      'ACENOCOUMAROL TABLET 1MG',
      'METHOTREXAAT TABLET 2,5MG', // not due today
      'OXAZEPAM TABLET 10MG',
      'OMEPRAZOL CAPSULE 20MG',
    ]);
  });

  it('twice daily at fixed times, with this morning\'s administration (MTD) marked', () => {
    const r = row(list, 'METOPROLOL');
    expect(r.times.map((t) => [t.time, t.exact, t.dose])).toEqual([['08:00', true, '1 stuk'], ['20:00', true, '1 stuk']]);
    expect(r.times[0]!.given).toEqual({ time: '08:05', status: 'given', dose: '1 stuk', by: 'Jantien Toedien', note: undefined });
    expect(r.times[1]!.given).toBeUndefined(); // yesterday's 20:02 is not today's
    expect(r.schedule).toBe('2× a day at fixed times');
    expect(r.route).toBe('oraal');
    expect(r.provenance).toEqual({ source: SRC.centraal, name: 'Apotheek Centraal', organization: 'Apotheek Centraal B.V.', basis: 'TA', resourceId: 'ta-meto' });
    expect(r.change).toBeUndefined();
  });

  it('3× a day from frequency gets suggested round times; new since yesterday; a not-given record', () => {
    const r = row(list, 'PARACETAMOL');
    expect(r.times.map((t) => [t.time, t.exact, t.label])).toEqual([['08:00', false, 'suggested'], ['14:00', false, 'suggested'], ['20:00', false, 'suggested']]);
    expect(r.dose).toBe('2 stuk');
    expect(r.instructions).toEqual(['met een glas water']);
    expect(r.change).toEqual({ kind: 'new', detail: `new since yesterday (from ${day(-1)})` });
    expect(r.times[0]!.given).toMatchObject({ time: '08:40', status: 'not-given' });
  });

  it('weekly: due on its weekday only', () => {
    const alen = row(list, 'ALENDRONINE');
    expect(alen.dueToday).toBe(true);
    expect(alen.schedule).toBe('once a week (Wednesday) (before breakfast)');
    expect(alen.times.map((t) => [t.time, t.label])).toEqual([['07:30', 'before breakfast']]);
    expect(alen.instructions).toEqual(['rechtop blijven zitten tot 30 minuten na inname']);
    const mtx = row(list, 'METHOTREXAAT');
    expect(mtx.dueToday).toBe(false);
    expect(mtx.times).toEqual([]);
    expect(mtx.schedule).toBe('once a week (Friday)');
  });

  it('as needed with a maximum per day; a night dose recorded today stays visible', () => {
    const r = row(list, 'OXAZEPAM');
    expect(r.asNeeded).toEqual({ reason: 'Bij slapeloosheid', maxPerPeriod: '2 stuk per day' });
    expect(r.times).toEqual([]);
    expect(r.dose).toBe('1–2 stuk');
    expect(r.schedule).toBe('as needed (bij slapeloosheid), max 2 stuk per day');
    expect(r.otherAdministrations).toEqual([{ time: '00:30', status: 'given', dose: '1 stuk', by: 'Jantien Toedien', note: undefined }]);
  });

  it('a stopped medication is marked and has no times', () => {
    const r = row(list, 'OMEPRAZOL');
    expect(r.change).toEqual({ kind: 'stopped', detail: `permanently stopped (definitief gestopt) since ${day(0)}` });
    expect(r.times).toEqual([]);
    expect(r.provenance.resourceId).toBe('ta-ome-stop');
  });

  it('a changed dose names the old and the new dose', () => {
    const r = row(list, 'FUROSEMIDE');
    expect(r.change).toEqual({ kind: 'changed', detail: `dose changed from ${day(0)}: was 1 stuk, now 2 stuk` });
    expect(r.times.map((t) => [t.time, t.dose])).toEqual([['08:00', '2 stuk']]);
    expect(r.provenance.resourceId).toBe('ta-furo-2');
  });

  it('a variable dosing regimen (WDS) gives today\'s dose from its cyclic phases', () => {
    const r = row(list, 'ACENOCOUMAROL');
    // started two days ago: phase 1 (2 days × 1 stuk) is over, phase 2 (3 days × 2 stuk) applies
    expect(r.times.map((t) => [t.time, t.dose, t.label])).toEqual([['18:00', '2 stuk', 'evening']]);
    expect(r.provenance.basis).toBe('WDS');
    expect(r.notes[0]).toMatch(/^variable dosing regimen \(WDS/);
    // next cycle: day 5 after start is phase 1 again
    const later = buildAdministrationList({ bundles: fixtureBundles(), today: new Date('2026-11-28T09:30:00Z') });
    expect(row(later, 'ACENOCOUMAROL').times.map((t) => t.dose)).toEqual(['1 stuk']);
  });

  it('gives one completeness line per source from the outcome entries', () => {
    expect(list.sources.map((s) => s.line)).toEqual([
      'Apotheek De Linde: not shown — no consent (Mitz)',
      'Huisartsenpraktijk Pulver: did not answer in time (timeout)',
      'Apotheek Centraal: complete (16 items received)',
    ]);
    expect(list.sources.map((s) => [s.status, s.codes])).toEqual([['withheld', ['suppressed']], ['timeout', ['timeout']], ['complete', ['informational']]]);
    expect(list.complete).toBe(false);
  });

  it('renders a text table with the Dutch name once next to the English one', () => {
    const text = renderAdministrationListText(list);
    expect(text.split('\n')[0]).toBe('Toedienlijst (administration list) — Wednesday 25 November 2026 (Europe/Amsterdam)');
    expect(text.match(/Toedienlijst/g)).toHaveLength(1);
    expect(text).toMatch(/^08:00 +METOPROLOL TABLET 50MG +1 stuk +oraal +given 08:05, 1 stuk, by Jantien Toedien$/m);
    expect(text).toMatch(/^08:00 +FUROSEMIDE TABLET 40MG \[CHANGED\] +2 stuk +oraal +⚠ DOSE UNKNOWN$/m);
    expect(text).toMatch(/^— +OMEPRAZOL CAPSULE 20MG \[STOPPED\] .*DO NOT GIVE$/m);
    expect(text).toContain('  ✗ Apotheek De Linde: not shown — no consent (Mitz)');
    expect(text).toContain('  ✗ Huisartsenpraktijk Pulver: did not answer in time (timeout)');
    expect(text).toContain('  ✓ Apotheek Centraal: complete (16 items received)');
    expect(text).toContain('Completeness (per source) — INCOMPLETE:');
  });
});

describe('buildAdministrationList: more schedules and states', () => {
  const one = (resources: fhir4.Resource[], today = TODAY) => buildAdministrationList({ bundles: [searchset(resources, meds)], today });

  it('every 8 hours gives three suggested times from 08:00 round the clock', () => {
    const r = one([ta('t', { mbh: 'H', med: 'paracetamol', start: day(-3), dosage: [dose(1, { frequency: 1, period: 8, periodUnit: 'h' })] })]).rows[0]!;
    expect(r.times.map((t) => t.time)).toEqual(['00:00', '08:00', '16:00']);
    expect(r.schedule).toBe('every 8 hours');
  });

  it('every other day is due on even days since the start only', () => {
    const ta2 = ta('t', { mbh: 'E', med: 'furosemide', start: day(-2), dosage: [dose(1, { frequency: 1, period: 2, periodUnit: 'd', timeOfDay: ['09:00:00'] })] });
    expect(one([ta2]).rows[0]!.dueToday).toBe(true);
    expect(one([ta2], new Date('2026-11-26T09:30:00Z')).rows[0]!).toMatchObject({ dueToday: false, times: [], schedule: '1× every 2 days at fixed times' });
  });

  it('a medication agreement without administration agreement is used, and says so', () => {
    const r = one([request('ma', '33633005', { mbh: 'M', med: 'metoprolol', start: day(-5), dosage: [dose(1, { frequency: 1, period: 1, periodUnit: 'd', when: ['EVE'] })] })]).rows[0]!;
    expect(r.provenance).toMatchObject({ basis: 'MA', organization: 'Huisartsenpraktijk Pulver & Partners', name: 'Huisartsenpraktijk Pulver & Partners' });
    expect(r.notes).toEqual(['from the medication agreement (MA): no administration agreement (TA) from the pharmacy yet']);
    expect(r.times.map((t) => t.time)).toEqual(['18:00']);
  });

  it('a temporary stop pauses the row; a stop dated in the future marks the last day; a future start is not listed', () => {
    const paused = one([
      ta('t1', { mbh: 'P', med: 'omeprazol', start: day(-30), dosage: [dose(1, { frequency: 1, period: 1, periodUnit: 'd' })] }),
      ta('t2', { mbh: 'P', med: 'omeprazol', start: day(-30), end: day(-2), stop: '113381000146106', dosage: [] }),
    ]).rows[0]!;
    expect(paused.change).toEqual({ kind: 'paused', detail: `temporarily stopped (tijdelijk gestopt) since ${day(-1)}` });
    const stopping = one([
      ta('t1', { mbh: 'S', med: 'omeprazol', start: day(-30), dosage: [dose(1, { frequency: 1, period: 1, periodUnit: 'd' })] }),
      ta('t2', { mbh: 'S', med: 'omeprazol', start: day(-30), end: day(2), stop: '410546004', dosage: [] }),
    ]).rows[0]!;
    expect(stopping.change).toEqual({ kind: 'stops', detail: `discontinued (stopgezet): last day ${day(2)}` });
    expect(stopping.times).toHaveLength(1);
    expect(one([ta('t', { mbh: 'F', med: 'omeprazol', start: day(1), dosage: [dose(1, { frequency: 1, period: 1, periodUnit: 'd' })] })]).rows).toEqual([]);
  });

  it('reads clock times in summer time too (MTD at 06:05 UTC is 08:05 in Amsterdam in July)', () => {
    const july = new Date('2026-07-01T10:00:00Z');
    const list = buildAdministrationList({
      bundles: [searchset([ta('t', { mbh: 'J', med: 'metoprolol', start: '2026-06-01', dosage: [dose(1, { frequency: 1, period: 1, periodUnit: 'd', timeOfDay: ['08:00:00'] })] }), mtd('m', { mbh: 'J', med: 'metoprolol', at: '2026-07-01T06:05:00Z', value: 1 })], meds)],
      today: july,
    });
    expect(list.rows[0]!.times[0]).toMatchObject({ time: '08:00', given: { time: '08:05', status: 'given' } });
  });
});

const noNictiz = externalMissing('nictiz-mp9');

describe.skipIf(noNictiz)('buildAdministrationList with the Nictiz MP9 examples (converted from XML)', () => {
  const taXml = noNictiz ? (undefined as never) : readNictizExample<fhir4.MedicationDispense>('mp-AdmAgr-mp9-MBH920mgexample-1-TA1.xml');
  const medXml = noNictiz ? (undefined as never) : readNictizExample<fhir4.Medication>('mp-PhPrd-mp9-216840111388324410-17469.xml');
  const bundle = (resources: fhir4.Resource[]) => searchset(resources, [medXml]);

  it('reads the TA: once a day, 1 stuk oraal, period of use from start + 3 weeks, the pharmacy as provenance', () => {
    expect(taXml.dosageInstruction?.[0]?.timing?.repeat).toEqual({ frequency: 1, period: 1, periodUnit: 'd' });
    const list = buildAdministrationList({ bundles: [bundle([taXml])], today: new Date('2022-11-20T09:00:00Z') });
    expect(list.rows).toHaveLength(1);
    const r = list.rows[0]!;
    expect(r.medication).toEqual({ name: 'IBUPROFEN TABLET 600MG', code: 'urn:oid:2.16.840.1.113883.2.4.4.10|17469', strength: undefined });
    expect(r.times.map((t) => [t.time, t.exact, t.dose])).toEqual([['08:00', false, '1 stuk']]);
    expect(r.route).toBe('oraal');
    expect(r.validity).toEqual({ start: '2022-11-11', end: '2022-12-01' });
    expect(r.provenance).toMatchObject({ organization: 'Apotheek de Gulle Gaper', basis: 'TA', resourceId: 'mp-AdmAgr-mp9-MBH920mgexample-1-TA1' });
    expect(r.instructions).toEqual(['Vanaf 11 nov 2022, gedurende 3 weken, 1 maal per dag 1 stuk, oraal', 'voorbeeld toelichting in vrije tekst']);
    expect(list.patient).toEqual({ name: 'B. van XXX_Kester', bsn: undefined });
  });

  it('leaves the TA out after its three weeks', () => {
    expect(buildAdministrationList({ bundles: [bundle([taXml])], today: new Date('2022-12-02T09:00:00Z') }).rows).toEqual([]);
    expect(buildAdministrationList({ bundles: [bundle([taXml])], today: new Date('2022-12-01T09:00:00Z') }).rows[0]!.change).toEqual({ kind: 'stops', detail: 'period of use ends today' });
  });

  it('reads the phased WDS (7 days, then 3 days, 1 stuk at 20:00) and the stopped WDS', () => {
    const wds2 = readNictizExample<fhir4.MedicationRequest>('mp-VarDosReg-mp9-MBH920mgexample-2-WDS-1.xml');
    const r = buildAdministrationList({ bundles: [bundle([wds2])], today: new Date('2022-11-13T09:00:00Z') }).rows[0]!;
    expect(r.times.map((t) => [t.time, t.exact, t.dose])).toEqual([['20:00', true, '1 stuk']]);
    expect(r.provenance.basis).toBe('WDS');
    const wds1 = readNictizExample<fhir4.MedicationRequest>('mp-VarDosReg-mp9-MBH920mgexample-1-WDS1.xml');
    const stopped = buildAdministrationList({ bundles: [bundle([wds1])], today: new Date('2022-11-26T09:00:00Z') }).rows[0]!;
    expect(stopped.change).toEqual({ kind: 'stopped', detail: 'permanently stopped (definitief gestopt met medicatie) since 2022-11-25' });
  });
});
