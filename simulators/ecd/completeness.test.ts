// Completeness states and row warnings of the administration list, one test per state and per rule, on the model, the CLI text and the JSON.
import { describe, expect, it } from 'vitest';
import { buildAdministrationList, renderAdministrationListText, type AdministrationList } from './toedienlijst.js';
import { DEMO_SOURCES as SRC, dose, medication, mtd, mve, outcome, request, searchset, ta } from './mp9-builders.js';

const TODAY = new Date('2026-11-25T09:30:00Z');
const day = (offset: number) => new Date(Date.UTC(2026, 10, 25 + offset)).toISOString().slice(0, 10);
const meds = [medication('acenocoumarol', 'ACENOCOUMAROL TABLET 1MG'), medication('metoprolol', 'METOPROLOL TABLET 50MG'), medication('omeprazol', 'OMEPRAZOL CAPSULE 20MG')];
const daily = [dose(1, { frequency: 1, period: 1, periodUnit: 'd', timeOfDay: ['08:00:00'] })];

const ok = {
  pharmacy: outcome(SRC.centraal, 'Apotheek Centraal', 'information', 'informational', 'answered (1 item)'),
  gp: outcome(SRC.gp, 'Huisartsenpraktijk Pulver', 'information', 'informational', 'answered (1 item)'),
  vvt: outcome('urn:nuts-lsp-lab:source:vvt', 'Thuiszorg Om en Bij', 'information', 'informational', 'answered (0 items)'),
};
const gpTimeout = outcome(SRC.gp, 'Huisartsenpraktijk Pulver', 'error', 'timeout', 'timeout after 2 s');
const pharmacyDown = outcome(SRC.centraal, 'Apotheek Centraal', 'error', 'transient', 'source system down');
const pharmacyNoConsent = outcome(SRC.centraal, 'Apotheek Centraal', 'warning', 'suppressed', 'no consent (Mitz)');
const vvtDown = outcome('urn:nuts-lsp-lab:source:vvt', 'Thuiszorg Om en Bij', 'error', 'transient', 'source system down');
const notRegistered: fhir4.BundleEntry = {
  search: { mode: 'outcome' },
  resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'not-found', details: { text: 'client not registered at the LSP' } }] } as fhir4.OperationOutcome,
};

type Searches = { MA?: fhir4.Resource[]; TA?: fhir4.Resource[]; WDS?: fhir4.Resource[]; MTD?: fhir4.Resource[] };
/** Four searches as the ECD files them by block, each with the outcome entries the LSP put on it. */
function answer(matches: Searches, outcomes: { MA?: fhir4.BundleEntry[]; TA?: fhir4.BundleEntry[]; WDS?: fhir4.BundleEntry[]; MTD?: fhir4.BundleEntry[] } = {}): AdministrationList {
  const bundles = {
    MA: searchset(matches.MA ?? [], meds, outcomes.MA ?? [ok.gp]),
    TA: searchset(matches.TA ?? [], meds, outcomes.TA ?? [ok.pharmacy]),
    WDS: searchset(matches.WDS ?? [], meds, outcomes.WDS ?? [ok.gp]),
    MTD: searchset(matches.MTD ?? [], meds, outcomes.MTD ?? [ok.vvt]),
  };
  return buildAdministrationList({ bundles, today: TODAY });
}
/** What the CLI prints with --json, read back. */
const json = (l: AdministrationList) => JSON.parse(JSON.stringify({ ok: true, list: l })).list as AdministrationList;
const NOTHING = /nothing to give/i;

const metoMa = request('ma-meto', '33633005', { mbh: 'MBH-meto', med: 'metoprolol', start: day(-30), dosage: daily });
const metoTa = ta('ta-meto', { mbh: 'MBH-meto', med: 'metoprolol', start: day(-30), dosage: daily, authorizedBy: 'ma-meto' });
const acenoTa = ta('ta-aceno', { mbh: 'MBH-aceno', med: 'acenocoumarol', start: day(-10), authorizedBy: 'ma-aceno', dosage: [{ ...dose(1, { frequency: 1, period: 1, periodUnit: 'd', when: ['EVE'] }), text: 'volgens schema trombosedienst' }] });
const acenoMa = request('ma-aceno', '33633005', { mbh: 'MBH-aceno', med: 'acenocoumarol', start: day(-10), dosage: [{ text: 'volgens schema trombosedienst' }] });
const acenoWds = request('wds-aceno', '395067002', { mbh: 'MBH-aceno', med: 'acenocoumarol', start: day(-3), end: day(10), dosage: [dose(2, { frequency: 1, period: 1, periodUnit: 'd', when: ['EVE'] })] });

describe('completeness is proven, never assumed', () => {
  it('complete: every search carries the statement of every source, and nothing failed', () => {
    const l = answer({ MA: [metoMa], TA: [metoTa] });
    expect(l).toMatchObject({ state: 'complete', complete: true, nothingToGive: false });
    expect(l.headline).toBe('Complete: all 3 sources the LSP knows for this client answered fully.');
    expect(l.rows.flatMap((r) => r.warnings)).toEqual([]);
    expect(renderAdministrationListText(l)).not.toMatch(NOTHING);
  });

  it('nothing to give: only for a complete answer without an active agreement today', () => {
    const empty = answer({});
    expect(empty).toMatchObject({ state: 'complete', nothingToGive: true, rows: [] });
    expect(renderAdministrationListText(empty)).toContain('(nothing to give today: every source answered and no administration agreement is active today)');
    // a recently stopped medication is listed, and there is still nothing to give
    const stopped = answer({ TA: [ta('t1', { mbh: 'S', med: 'omeprazol', start: day(-30), dosage: daily }), ta('t2', { mbh: 'S', med: 'omeprazol', start: day(-30), end: day(-2), stop: '410546004', dosage: [] })] });
    expect(stopped.rows.map((r) => r.change?.kind)).toEqual(['stopped']);
    expect(stopped.nothingToGive).toBe(true);
    expect(json(stopped).nothingToGive).toBe(true);
  });

  it('not registered at the LSP is its own state, never "nothing to give"', () => {
    const l = answer({}, { MA: [notRegistered], TA: [notRegistered], WDS: [notRegistered], MTD: [notRegistered] });
    expect(l).toMatchObject({ state: 'not-registered', complete: false, nothingToGive: false, rows: [] });
    expect(l.headline).toBe('Not registered at the LSP: no source system has registered data for this client. This does not mean the client takes no medication.');
    expect(l.sources.map((s) => [s.status, s.line])).toEqual([['not-registered', 'LSP (Landelijk Schakelpunt): client not registered at the LSP — this does not mean the client takes no medication']]);
    const text = renderAdministrationListText(l);
    expect(text).toContain('(not registered at the LSP — this does not mean the client takes no medication)');
    expect(text).not.toMatch(NOTHING);
    expect(json(l)).toMatchObject({ state: 'not-registered', nothingToGive: false });
  });

  it.each([
    ['no-consent', pharmacyNoConsent, 'Apotheek Centraal: not shown — no consent (Mitz)'],
    ['unreachable', pharmacyDown, 'Apotheek Centraal: unreachable (source system down)'],
    ['timeout', outcome(SRC.centraal, 'Apotheek Centraal', 'error', 'timeout', 'timeout after 2 s'), 'Apotheek Centraal: did not answer in time (timeout after 2 s)'],
  ] as const)('%s is its own state; an empty list then says why, not "nothing to give"', (state, failure, line) => {
    const l = answer({}, { TA: [failure] });
    expect(l).toMatchObject({ state, complete: false, nothingToGive: false });
    expect(l.headline).toContain(line);
    expect(l.headline).toContain('This does not mean the client takes no other medication.');
    const text = renderAdministrationListText(l);
    expect(text).toContain('(no medication can be shown — this does not mean the client takes none; see the sources below)');
    expect(text).not.toMatch(NOTHING);
  });

  it('an answer that does not say which sources were asked is unproven, not complete', () => {
    const silent = buildAdministrationList({ bundles: { MA: searchset([]), TA: searchset([]), WDS: searchset([]), MTD: searchset([]) }, today: TODAY });
    expect(silent).toMatchObject({ state: 'unproven', complete: false, nothingToGive: false });
    expect(renderAdministrationListText(silent)).not.toMatch(NOTHING);
    // a search that was never made cannot be complete either
    const partial = buildAdministrationList({ bundles: { TA: searchset([], meds, [ok.pharmacy]) }, today: TODAY });
    expect(partial).toMatchObject({ state: 'unproven', nothingToGive: false });
    expect(partial.headline).toContain('no search for MA, WDS, MTD was made');
  });

  it('a failure code counts whatever its severity: an "information" not-found is not a complete answer', () => {
    const soft = outcome(SRC.centraal, 'Apotheek Centraal', 'information', 'not-found', 'client not registered at the LSP');
    const l = answer({}, { MA: [soft], TA: [soft], WDS: [soft], MTD: [soft] });
    expect(l).toMatchObject({ state: 'not-registered', nothingToGive: false });
  });

  it('data from a source the answer never spoke about is not counted as complete', () => {
    const l = answer({ TA: [metoTa] }, { TA: [] });
    expect(l.state).toBe('unproven');
    expect(l.sources.find((s) => s.key === SRC.centraal)).toMatchObject({ status: 'error', items: 1, reason: 'the answer does not say whether this source answered fully' });
  });
});

describe('row warnings: a dose that depends on a source that did not answer', () => {
  const codes = (l: AdministrationList, med: string) => l.rows.find((r) => r.medication.name.startsWith(med))!.warnings.map((w) => w.code);

  it('variable dosing regimen without its WDS (slow GP): acenocoumarol from the TA says "dose unknown", naming the GP', () => {
    const l = answer({ TA: [acenoTa, metoTa] }, { MA: [gpTimeout], WDS: [gpTimeout] });
    const row = l.rows.find((r) => r.medication.name.startsWith('ACENO'))!;
    expect(row.dose).toBe('1 stuk'); // the pharmacy's number is there …
    expect(row.warnings[0]).toMatchObject({ code: 'wds-missing', severity: 'dose-unknown', missing: ['WDS'], from: [{ name: 'Huisartsenpraktijk Pulver', status: 'timeout', reason: 'timeout after 2 s' }] });
    expect(row.warnings[0]!.text).toContain('variable dosing regimen (WDS), not received from Huisartsenpraktijk Pulver (timeout after 2 s)');
    expect(codes(l, 'ACENO')).toEqual(['wds-missing', 'ma-missing']);
    // … but never without the warning: in the CLI table the row says DOSE UNKNOWN and the warning follows it
    const text = renderAdministrationListText(l);
    expect(text).toMatch(/^18:00\* +ACENOCOUMAROL TABLET 1MG +1 stuk +oraal +⚠ DOSE UNKNOWN$/m);
    expect(text).toContain("⚠ Dose unknown: today's dose is set by a variable dosing regimen (WDS), not received from Huisartsenpraktijk Pulver (timeout after 2 s).");
    expect(json(l).rows.find((r) => r.medication.name.startsWith('ACENO'))!.warnings.map((w) => w.code)).toEqual(['wds-missing', 'ma-missing']);
  });

  it('variable dosing with every source answered but no current WDS: dose unknown, from nobody', () => {
    const l = answer({ MA: [acenoMa], TA: [acenoTa] });
    expect(l.rows[0]!.warnings).toMatchObject([{ code: 'wds-none', severity: 'dose-unknown', from: [] }]);
    // with its WDS there is nothing to warn about: the row is built from the WDS
    const withWds = answer({ MA: [acenoMa], TA: [acenoTa], WDS: [acenoWds] });
    expect(withWds.rows[0]).toMatchObject({ warnings: [], dose: '2 stuk', provenance: { basis: 'WDS' } });
  });

  it('a TA without the MA it belongs to (MA source timed out): dose unconfirmed; with its MA received there is no such warning', () => {
    const l = answer({ TA: [metoTa] }, { MA: [gpTimeout] });
    expect(l.rows[0]!.warnings).toMatchObject([{ code: 'ma-missing', severity: 'dose-unknown', missing: ['MA'], from: [{ name: 'Huisartsenpraktijk Pulver' }] }]);
    expect(l.rows[0]!.warnings[0]!.text).toContain('the medication agreement (MA) this administration agreement (TA) follows was not received from Huisartsenpraktijk Pulver (timeout after 2 s)');
    // the MA came from another prescriber who did answer: the TA has its MA, but a stop from the missing GP may exist
    const hospitalMa = request('ma-meto', '33633005', { mbh: 'MBH-meto', med: 'metoprolol', start: day(-30), dosage: daily, source: 'urn:hospital' });
    const withMa = answer({ MA: [hospitalMa], TA: [metoTa] }, { MA: [gpTimeout, outcome('urn:hospital', 'Ziekenhuis Oost', 'information', 'informational')] });
    expect(codes(withMa, 'METO')).toEqual(['stop-may-exist']);
    expect(withMa.rows[0]!.warnings[0]).toMatchObject({ severity: 'check', missing: ['MA'] });
  });

  it('an MVE without the MA it belongs to: the dispensed medication is listed, dose unknown; with every source complete it is history', () => {
    const dispensed = mve('mve-meto', { mbh: 'MBH-x', med: 'metoprolol', at: `${day(-10)}T15:00:00+01:00` });
    const l = buildAdministrationList({
      bundles: { MA: searchset([], meds, [gpTimeout]), TA: searchset([dispensed], meds, [ok.pharmacy]), WDS: searchset([], meds, [gpTimeout]), MTD: searchset([], meds, [ok.vvt]) },
      today: TODAY,
    });
    expect(l.rows).toHaveLength(1);
    expect(l.rows[0]).toMatchObject({ provenance: { basis: 'MVE' }, schedule: 'unknown: the agreement for this dispense was not received', notes: [`dispensed on ${day(-10)}`] });
    expect(l.rows[0]!.warnings.map((w) => w.code)).toEqual(['ma-missing', 'stop-may-exist']);
    expect(renderAdministrationListText(l)).toMatch(/^\? +METOPROLOL TABLET 50MG +⚠ DOSE UNKNOWN$/m);
    const complete = buildAdministrationList({ bundles: { MA: searchset([], meds, [ok.gp]), TA: searchset([dispensed], meds, [ok.pharmacy]), WDS: searchset([], meds, [ok.gp]), MTD: searchset([], meds, [ok.vvt]) }, today: TODAY });
    expect(complete.rows).toEqual([]);
  });

  it('an MA whose latest WDS is missing (WDS held elsewhere, did not answer): check the dose', () => {
    const l = answer({ MA: [metoMa], TA: [metoTa] }, { WDS: [outcome('urn:trombosedienst', 'Trombosedienst Midden', 'error', 'transient', 'source system down')] });
    expect(l.rows[0]!.warnings).toMatchObject([{ code: 'latest-wds-missing', severity: 'check', missing: ['WDS'], from: [{ name: 'Trombosedienst Midden' }] }]);
    expect(renderAdministrationListText(l)).toMatch(/^08:00 +METOPROLOL TABLET 50MG +1 stuk +oraal +⚠ CHECK FIRST$/m);
  });

  it('a stop that may exist at a missing source (pharmacy down): an MA-based row says so and no longer claims "no TA yet"', () => {
    const l = answer({ MA: [metoMa] }, { TA: [pharmacyDown] });
    const row = l.rows[0]!;
    expect(row.warnings).toMatchObject([{ code: 'stop-may-exist', severity: 'check', missing: ['TA'], from: [{ name: 'Apotheek Centraal', status: 'unreachable' }] }]);
    expect(row.warnings[0]!.text).toBe('Check before giving: a stop or change may exist in the TA not received from Apotheek Centraal (source system down).');
    expect(row.notes).toEqual([]);
    // with the pharmacy answering, the MA-only row is honest about the missing TA in a note instead
    expect(answer({ MA: [metoMa] }).rows[0]!.notes).toEqual(['from the medication agreement (MA): no administration agreement (TA) from the pharmacy yet']);
  });

  it('recorded administrations missing (VVT source down): a dose may already have been given', () => {
    const l = answer({ MA: [metoMa], TA: [metoTa], MTD: [mtd('m1', { mbh: 'MBH-meto', med: 'metoprolol', at: '2026-11-25T08:05:00+01:00', value: 1 })] }, { MTD: [vvtDown] });
    expect(l.rows[0]!.warnings).toMatchObject([{ code: 'mtd-missing', severity: 'check', missing: ['MTD'] }]);
  });

  it('stopped rows carry no warnings: they already say do not give', () => {
    const l = answer({ TA: [ta('t1', { mbh: 'S', med: 'omeprazol', start: day(-30), dosage: daily }), ta('t2', { mbh: 'S', med: 'omeprazol', start: day(-30), end: day(-2), stop: '410546004', dosage: [] })] }, { MA: [gpTimeout] });
    expect(l.rows[0]).toMatchObject({ change: { kind: 'stopped' }, warnings: [] });
    expect(l.nothingToGive).toBe(false); // incomplete: the GP may have started something
  });
});
