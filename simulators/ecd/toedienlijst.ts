// Builds today's administration list (toedienlijst) from MP9 searchset Bundles: TA/WDS/MA schedules, MTD records, sources' completeness.

const NICTIZ = 'http://nictiz.nl/fhir/StructureDefinition/';
const EXT = {
  periodOfUse: `${NICTIZ}ext-TimeInterval.Period`,
  duration: `${NICTIZ}ext-TimeInterval.Duration`,
  treatment: `${NICTIZ}ext-PharmaceuticalTreatment.Identifier`,
  stopType: `${NICTIZ}ext-StopType`,
  cycle: `${NICTIZ}ext-InstructionsForUse.RepeatPeriodCyclicalSchedule`,
  rendered: `${NICTIZ}ext-RenderedDosageInstruction`,
  registered: `${NICTIZ}ext-RegistrationDateTime`,
  agreedAt: `${NICTIZ}ext-AdministrationAgreement.AdministrationAgreementDateTime`,
} as const;
// Display name of a source system on an outcome entry (lab convention; `meta.source` identifies the source).
import { SOURCE_NAME_EXTENSION } from '../../node/src/fhir/index.js';
import { blockOfBundle, blockOfResource, coverageOf, listState, rowWarnings, sourcesOf, type Block, type ListState, type MissingSource, type ParsedSearch, type RowWarning, type SearchCoverage, type SourceCompleteness } from './completeness.js';
export { SOURCE_NAME_EXTENSION };
export type { ListState, MissingSource, RowWarning, SearchCoverage, SourceCompleteness, SourceStatus } from './completeness.js';

/** ext-StopType codes (MP9 value set …77.11.50). */
const STOP_TYPES: Record<string, { kind: 'paused' | 'stopped' | 'cancelled'; en: string }> = {
  '113381000146106': { kind: 'paused', en: 'temporarily stopped' },
  '385655000': { kind: 'paused', en: 'suspended' },
  '113371000146109': { kind: 'stopped', en: 'permanently stopped' },
  '410546004': { kind: 'stopped', en: 'discontinued' },
  '89925002': { kind: 'cancelled', en: 'cancelled' },
};

/** Clock times used for `timing.repeat.when` (approximate by nature). */
const WHEN_TIMES: Record<string, [string, string]> = {
  MORN: ['08:00', 'morning'], 'MORN.early': ['07:00', 'early morning'], 'MORN.late': ['10:00', 'late morning'],
  NOON: ['12:00', 'noon'], AFT: ['14:00', 'afternoon'], 'AFT.early': ['13:00', 'early afternoon'], 'AFT.late': ['16:00', 'late afternoon'],
  EVE: ['18:00', 'evening'], 'EVE.early': ['17:00', 'early evening'], 'EVE.late': ['20:00', 'late evening'],
  NIGHT: ['22:00', 'night'], HS: ['22:00', 'before sleep'], WAKE: ['07:00', 'on waking'],
  C: ['08:00', 'with a meal'], CM: ['08:00', 'with breakfast'], CD: ['12:30', 'with lunch'], CV: ['18:00', 'with dinner'],
  AC: ['07:30', 'before a meal'], ACM: ['07:30', 'before breakfast'], ACD: ['12:00', 'before lunch'], ACV: ['17:30', 'before dinner'],
  PC: ['08:30', 'after a meal'], PCM: ['08:30', 'after breakfast'], PCD: ['13:00', 'after lunch'], PCV: ['18:30', 'after dinner'],
};
/** Times suggested for "n times a day" without clock times: a VVT round, not a prescription. */
const ROUND_TIMES: Record<number, string[]> = { 1: ['08:00'], 2: ['08:00', '20:00'], 3: ['08:00', '14:00', '20:00'], 4: ['08:00', '12:00', '17:00', '21:00'] };
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const WEEKDAY_EN: Record<string, string> = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };

export interface ScheduledTime {
  /** HH:MM local time */
  time: string;
  /** true when the agreement names the clock time (timeOfDay); false for `when` and suggested round times */
  exact: boolean;
  label?: string;
  dose: string;
  given?: AdministrationRecord;
}

export interface AdministrationRecord {
  time: string;
  status: 'given' | 'not-given' | 'other';
  dose?: string;
  by?: string;
  note?: string;
}

export interface Provenance {
  /** `meta.source` of the building block, when the source system stamped it */
  source?: string;
  /** human name of the source system */
  name: string;
  /** the organisation that made the agreement (pharmacy for TA, prescriber for MA) */
  organization?: string;
  /** building block and id the row was built from (MVE only for a dispense whose agreement is missing) */
  basis: 'TA' | 'WDS' | 'MA' | 'MVE';
  resourceId?: string;
}

export type Change =
  | { kind: 'new'; detail: string }
  | { kind: 'changed'; detail: string }
  | { kind: 'stops'; detail: string }
  | { kind: 'stopped'; detail: string }
  | { kind: 'paused'; detail: string };

export interface AdministrationRow {
  /** pharmaceutical treatment (MBH) id, or the building block's id */
  key: string;
  medication: { name: string; code?: string; strength?: string };
  /** human summary of the schedule: "2× a day at fixed times", "as needed" … */
  schedule: string;
  /** due today at all (weekly and every-n-days schedules are not due every day) */
  dueToday: boolean;
  times: ScheduledTime[];
  dose?: string;
  route?: string;
  instructions: string[];
  asNeeded?: { reason?: string; maxPerPeriod?: string };
  validity: { start?: string; end?: string };
  change?: Change;
  /** MTD records today that matched no scheduled time (as-needed doses, extra doses) */
  otherAdministrations: AdministrationRecord[];
  provenance: Provenance;
  notes: string[];
  /** what this row's dose or status depends on that a source did not deliver (completeness.ts, README "Row warnings") */
  warnings: RowWarning[];
}

export interface AdministrationList {
  /** YYYY-MM-DD in tz */
  date: string;
  tz: string;
  patient?: { name?: string; bsn?: string };
  rows: AdministrationRow[];
  sources: SourceCompleteness[];
  /** per search (building block): proven complete, or the sources missing from it */
  searches: SearchCoverage[];
  /** true only when every search carried the LSP's statement on its sources and every source answered fully */
  complete: boolean;
  state: ListState;
  /** true only for a complete answer without an active administration agreement today */
  nothingToGive: boolean;
  /** one line for people on whether the list can be relied on as complete */
  headline: string;
}

export interface BuildOptions {
  bundles: fhir4.Bundle[] | Partial<Record<string, fhir4.Bundle>>;
  today: Date;
  tz?: string;
  /** how many days back a stopped medication is still shown as "stopped" */
  showStoppedDays?: number;
}

type Item = {
  block: Block;
  res: fhir4.MedicationRequest | fhir4.MedicationDispense | fhir4.MedicationAdministration;
  key: string;
  start?: number; // day numbers in tz
  end?: number;
  stop?: { kind: 'paused' | 'stopped' | 'cancelled'; en: string; nl?: string };
};

/** Assembles the administration list for `today`. Pure: same input, same output. */
export function buildAdministrationList(opts: BuildOptions): AdministrationList {
  const tz = opts.tz ?? 'Europe/Amsterdam';
  const clock = new LocalClock(tz);
  const todayParts = clock.parts(opts.today);
  const today = dayNumber(todayParts.date);
  const keyed: Array<[string | undefined, fhir4.Bundle]> = Array.isArray(opts.bundles)
    ? opts.bundles.map((b) => [undefined, b])
    : Object.entries(opts.bundles).filter((e): e is [string, fhir4.Bundle] => !!e[1]);
  const bundles = keyed.map(([, b]) => b);
  const searches: ParsedSearch[] = keyed.map(([key, b]) => ({ block: blockOfBundle(b, key), outcomes: [] }));

  const resources = new Map<string, fhir4.Resource>();
  const byFullUrl = new Map<string, fhir4.Resource>();
  const matches: fhir4.Resource[] = [];
  const outcomes: fhir4.OperationOutcome[] = [];
  bundles.forEach((b, n) => {
    for (const e of b.entry ?? []) {
      const r = e.resource;
      if (!r) continue;
      const mode = e.search?.mode ?? (r.resourceType === 'OperationOutcome' ? 'outcome' : 'match');
      if (mode === 'outcome' || r.resourceType === 'OperationOutcome') {
        outcomes.push(r as fhir4.OperationOutcome);
        searches[n]!.outcomes.push(r as fhir4.OperationOutcome);
        continue;
      }
      const id = `${r.resourceType}/${r.id ?? e.fullUrl}`;
      if (e.fullUrl) byFullUrl.set(e.fullUrl, r);
      if (resources.has(id)) continue; // the same resource arrives in several bundles (includes)
      resources.set(id, r);
      if (mode === 'match') matches.push(r);
    }
  });
  const resolve = (ref?: fhir4.Reference): fhir4.Resource | undefined => (ref?.reference ? (resources.get(ref.reference) ?? byFullUrl.get(ref.reference)) : undefined);

  const items: Item[] = [];
  let patient: AdministrationList['patient'];
  for (const r of matches) {
    if (r.resourceType === 'Patient') continue;
    const res = r as Item['res'];
    const block = blockOfResource(res);
    if (!block) continue;
    if (res.status === 'entered-in-error') continue;
    const period = block === 'MTD' ? undefined : block === 'MVE' ? handedOver(res as fhir4.MedicationDispense, clock) : periodOfUse(res, clock);
    items.push({ block, res, key: treatmentKey(res), start: period?.start, end: period?.end, stop: stopTypeOf(res) });
    patient ??= patientOf(res, resolve);
  }

  const coverage = searches.map(coverageOf);
  // a search whose block is unknown counts against every block: its missing sources may hold any of them
  const missingOf = (block: Block): MissingSource[] => coverage.filter((c) => c.block === block || c.block === 'unknown').flatMap((c) => c.missing);
  const wdsSearchProven = coverage.some((c) => c.block === 'WDS') && coverage.filter((c) => c.block === 'WDS').every((c) => c.proven);
  const rows: AdministrationRow[] = [];
  const keys = [...new Set(items.filter((i) => i.block !== 'MTD').map((i) => i.key))];
  const ctx: RowContext = { allMtd: items.filter((i) => i.block === 'MTD'), today, weekday: todayParts.weekday, clock, resolve, showStoppedDays: opts.showStoppedDays ?? 7, missingOf, wdsSearchProven };
  for (const key of keys) {
    const row = buildRow(items.filter((i) => i.key === key), ctx);
    if (row) rows.push(row);
  }
  rows.sort((a, b) => rank(a) - rank(b) || (a.times[0]?.time ?? '99').localeCompare(b.times[0]?.time ?? '99') || a.medication.name.localeCompare(b.medication.name));

  // The LSP names its sources on the outcome entries; rows from a named source carry that name.
  const sourceNames = new Map(outcomes.filter((o) => o.meta?.source && extString(o, SOURCE_NAME_EXTENSION)).map((o) => [o.meta!.source!, extString(o, SOURCE_NAME_EXTENSION)!]));
  for (const r of rows) if (r.provenance.source && sourceNames.has(r.provenance.source)) r.provenance.name = sourceNames.get(r.provenance.source)!;
  const names = new Map(rows.filter((r) => r.provenance.source).map((r) => [r.provenance.source!, r.provenance.name]));
  const sources = sourcesOf(
    searches,
    items.map((i) => ({ source: i.res.meta?.source, name: (i.res.meta?.source && names.get(i.res.meta.source)) ?? extString(i.res.meta ?? {}, SOURCE_NAME_EXTENSION) })),
  );
  const active = rows.filter((r) => r.change?.kind !== 'stopped' && r.change?.kind !== 'paused').length;
  return { date: todayParts.date, tz, patient, rows, sources, searches: coverage, ...listState(coverage, sources, active) };
}

interface RowContext {
  allMtd: Item[];
  today: number;
  weekday: string;
  clock: LocalClock;
  resolve: (ref?: fhir4.Reference) => fhir4.Resource | undefined;
  showStoppedDays: number;
  missingOf: (block: Block) => MissingSource[];
  wdsSearchProven: boolean;
}

function rank(r: AdministrationRow): number {
  if (r.change?.kind === 'stopped' || r.change?.kind === 'paused') return 3;
  if (r.asNeeded) return 2;
  return r.dueToday ? 0 : 1;
}

function buildRow(group: Item[], ctx: RowContext): AdministrationRow | undefined {
  const row = buildRowContent(group, ctx);
  if (row) {
    const primary = group.find((i) => i.res.id === row.provenance.resourceId && i.block === row.provenance.basis);
    row.warnings = rowWarnings(
      {
        primary: row.provenance.basis === 'MVE' ? undefined : row.provenance.basis,
        received: [...new Set(group.map((i) => i.block))],
        ownMaReceived: primary ? ownMaReceived(primary, group) : group.some((i) => i.block === 'MA'),
        variableDosing: isVariableDosing(group),
        active: row.change?.kind !== 'stopped' && row.change?.kind !== 'paused',
      },
      ctx.missingOf,
      ctx.wdsSearchProven,
    );
  }
  return row;
}

/** MP9: a TA names the MA it implements (authorizingPrescription, by business identifier); without it, any MA of the treatment. */
function ownMaReceived(item: Item, group: Item[]): boolean {
  const mas = group.filter((i) => i.block === 'MA');
  const wanted = item.block === 'TA' ? [(item.res as fhir4.MedicationDispense).authorizingPrescription ?? []].flat().map((r) => r.identifier?.value).filter(Boolean) : [];
  if (!wanted.length) return mas.length > 0;
  return mas.some((m) => (m.res.identifier ?? []).some((id) => wanted.includes(id.value)) || wanted.includes(m.res.id));
}

const SCHEDULE_WORDS = /volgens schema|trombosedienst|wisselend doseerschema|doseerschema|variable dos/i;
/** A treatment dosed by a variable dosing regimen: a WDS of it was received, or its instructions say the dose follows a schedule. */
function isVariableDosing(group: Item[]): boolean {
  if (group.some((i) => i.block === 'WDS')) return true;
  return group.some((i) => {
    const dosages = (i.res as { dosageInstruction?: fhir4.Dosage[] }).dosageInstruction ?? [];
    const texts = [extString(i.res, EXT.rendered), ...dosages.flatMap((d) => [d.text, d.patientInstruction, ...(d.additionalInstruction ?? []).map(conceptText)])];
    return texts.some((t) => t && SCHEDULE_WORDS.test(t));
  });
}

function buildRowContent(group: Item[], ctx: RowContext): AdministrationRow | undefined {
  const { allMtd, today, weekday, clock, resolve, showStoppedDays } = ctx;
  const stopItem = group.filter((i) => i.stop).sort((a, b) => (b.end ?? b.start ?? 0) - (a.end ?? a.start ?? 0))[0];
  const active = (block: Block) =>
    group
      .filter((i) => i.block === block && !i.stop && !['cancelled', 'stopped', 'completed', 'declined'].includes(i.res.status ?? ''))
      .filter((i) => (i.start === undefined || i.start <= today) && (i.end === undefined || i.end >= today))
      .sort((a, b) => (b.start ?? 0) - (a.start ?? 0))[0];
  const primary = active('WDS') ?? active('TA') ?? active('MA');
  const describe = primary ?? stopItem ?? [...group].sort((a, b) => (b.start ?? 0) - (a.start ?? 0))[0]!;
  const medication = medicationOf(describe.res, resolve);
  const provenance = provenanceOf(describe, resolve);
  const base: AdministrationRow = {
    key: describe.key,
    medication,
    schedule: '',
    dueToday: false,
    times: [],
    instructions: [],
    validity: { start: dayString(describe.start), end: dayString(describe.end) },
    otherAdministrations: [],
    provenance,
    notes: [],
    warnings: [],
  };

  if (stopItem && (stopItem.end ?? stopItem.start ?? today) < today) {
    const stoppedOn = stopItem.end ?? stopItem.start!;
    if (today - stoppedOn > showStoppedDays) return undefined;
    const kind = stopItem.stop!.kind === 'paused' ? 'paused' : 'stopped';
    const detail = `${stopItem.stop!.en}${stopItem.stop!.nl ? ` (${stopItem.stop!.nl})` : ''} since ${dayString(stoppedOn + 1)}`;
    return { ...base, schedule: kind === 'paused' ? 'paused — do not give' : 'stopped — do not give', change: { kind, detail }, provenance: provenanceOf(stopItem, resolve) };
  }
  if (!primary) return dispenseOnlyRow(group, base, today, ctx);

  const dosages = applicableDosages(primary, today);
  const times: ScheduledTime[] = [];
  const schedules: string[] = [];
  const doses: string[] = [];
  const routes = new Set<string>();
  let dueToday = false;
  let asNeeded: AdministrationRow['asNeeded'];
  const instructions: string[] = [];
  for (const d of dosages) {
    const dose = doseText(d);
    if (dose) doses.push(dose);
    const route = conceptText(d.route);
    if (route) routes.add(route);
    if (d.patientInstruction) instructions.push(d.patientInstruction);
    for (const a of d.additionalInstruction ?? []) {
      const t = conceptText(a);
      if (t) instructions.push(t);
    }
    if (d.text) instructions.push(d.text);
    if (d.asNeededBoolean || d.asNeededCodeableConcept) {
      asNeeded = { reason: conceptText(d.asNeededCodeableConcept), maxPerPeriod: ratioText(d.maxDosePerPeriod) };
      schedules.push(`as needed${asNeeded.reason ? ` (${asNeeded.reason.toLowerCase()})` : ''}${asNeeded.maxPerPeriod ? `, max ${asNeeded.maxPerPeriod}` : ''}`);
      continue;
    }
    const s = scheduleOf(d.timing?.repeat, primary.start ?? today, today, weekday);
    schedules.push(s.summary);
    if (s.due) {
      dueToday = true;
      for (const t of s.times) times.push({ ...t, dose: dose ?? '' });
    }
  }
  times.sort((a, b) => a.time.localeCompare(b.time));
  const rendered = extString(primary.res, EXT.rendered);
  if (rendered) instructions.push(rendered);
  const note = (primary.res as { note?: fhir4.Annotation[] }).note?.map((n) => n.text).filter(Boolean) ?? [];
  instructions.push(...note);

  const row: AdministrationRow = {
    ...base,
    key: primary.key,
    schedule: schedules.join('; ') || 'no schedule given',
    dueToday,
    times,
    dose: [...new Set(doses)].join(' / ') || undefined,
    route: [...routes].join(', ') || undefined,
    instructions: [...new Set(instructions)],
    asNeeded,
    validity: { start: dayString(primary.start), end: dayString(primary.end) },
  };
  if (primary.block === 'MA' && !ctx.missingOf('TA').length) row.notes.push('from the medication agreement (MA): no administration agreement (TA) from the pharmacy yet');
  if (primary.block === 'WDS') row.notes.push('variable dosing regimen (WDS, wisselend doseerschema): dose for today from the regimen');

  row.change = changeOf(primary, group, today, row.dose);
  if (stopItem && (stopItem.end ?? today) >= today) {
    row.change = { kind: 'stops', detail: `${stopItem.stop!.en}${stopItem.stop!.nl ? ` (${stopItem.stop!.nl})` : ''}: ${(stopItem.end ?? today) === today ? 'last day today' : `last day ${dayString(stopItem.end)}`}` };
  } else if (primary.end === today) {
    row.change ??= { kind: 'stops', detail: 'period of use ends today' };
  }

  // Administrations already recorded today (MTD), matched to the nearest open scheduled time within 3 hours.
  const mtds = allMtd
    .filter((m) => m.key === primary.key || sameMedication(m.res, primary.res, resolve))
    .map((m) => ({ m, when: effectiveOf(m.res as fhir4.MedicationAdministration, clock) }))
    .filter((x) => x.when && dayNumber(x.when.date) === today)
    .sort((a, b) => a.when!.time.localeCompare(b.when!.time));
  for (const { m, when } of mtds) {
    const rec = administrationRecord(m.res as fhir4.MedicationAdministration, when!.time, resolve);
    const open = row.times.filter((t) => !t.given).map((t) => ({ t, diff: Math.abs(minutes(t.time) - minutes(when!.time)) }));
    const best = open.sort((a, b) => a.diff - b.diff)[0];
    if (best && best.diff <= 180) best.t.given = rec;
    else row.otherAdministrations.push(rec);
  }
  return row;
}

/**
 * A dispense (MVE) of the last 90 days whose agreement (MA/TA) did not arrive because a source did not answer: the
 * client may well be taking it, so it is listed with its dose unknown instead of left out.
 */
function dispenseOnlyRow(group: Item[], base: AdministrationRow, today: number, ctx: RowContext): AdministrationRow | undefined {
  const mve = group.filter((i) => i.block === 'MVE' && i.start !== undefined && today - i.start <= 90).sort((a, b) => b.start! - a.start!)[0];
  if (!mve || !(ctx.missingOf('MA').length || ctx.missingOf('TA').length)) return undefined; // history, not today's list
  return { ...base, schedule: 'unknown: the agreement for this dispense was not received', validity: {}, notes: [`dispensed on ${dayString(mve.start)}`], provenance: provenanceOf(mve, ctx.resolve) };
}

function changeOf(primary: Item, group: Item[], today: number, dose?: string): Change | undefined {
  const start = primary.start;
  if (start === undefined || start < today - 1) return undefined; // not new since yesterday
  const previous = group
    .filter((i) => i !== primary && !i.stop && (i.block === primary.block || (primary.block === 'WDS' && i.block === 'TA')) && (i.start ?? -Infinity) < start)
    .sort((a, b) => (b.start ?? 0) - (a.start ?? 0))[0];
  if (!previous) return { kind: 'new', detail: `new ${start === today ? 'today' : 'since yesterday'} (from ${dayString(start)})` };
  const prevDose = applicableDosages(previous, previous.start ?? start).map(doseText).filter(Boolean).join(' / ');
  const prevSchedule = applicableDosages(previous, previous.start ?? start).map((d) => timingKey(d)).join(' / ');
  const nowSchedule = applicableDosages(primary, today).map((d) => timingKey(d)).join(' / ');
  if (prevDose && prevDose !== dose) return { kind: 'changed', detail: `dose changed from ${dayString(start)}: was ${prevDose}, now ${dose ?? '—'}` };
  if (prevSchedule !== nowSchedule) return { kind: 'changed', detail: `schedule changed from ${dayString(start)}` };
  return { kind: 'changed', detail: `new agreement from ${dayString(start)} (same dose)` };
}

/** Dosages that apply today; WDS/TA with sequences of `boundsDuration` phases (optionally cyclic) pick the phase of today. */
function applicableDosages(item: Item, today: number): fhir4.Dosage[] {
  const all = (item.res as { dosageInstruction?: fhir4.Dosage[]; dosage?: fhir4.Dosage }).dosageInstruction ?? [];
  const phased = all.some((d) => d.sequence !== undefined && d.timing?.repeat?.boundsDuration);
  if (!phased) return all;
  const sequences = [...new Set(all.map((d) => d.sequence ?? 0))].sort((a, b) => a - b);
  let offset = today - (item.start ?? today);
  const cycle = durationDays(extValue<fhir4.Duration>(item.res, EXT.cycle, 'valueDuration', true));
  if (cycle) offset %= cycle;
  for (const seq of sequences) {
    const ds = all.filter((d) => (d.sequence ?? 0) === seq);
    const days = durationDays(ds[0]!.timing?.repeat?.boundsDuration);
    if (!days || offset < days) return ds;
    offset -= days;
  }
  return [];
}

function scheduleOf(repeat: fhir4.TimingRepeat | undefined, start: number, today: number, weekday: string): { summary: string; due: boolean; times: Omit<ScheduledTime, 'dose'>[] } {
  if (!repeat) return { summary: 'no timing given', due: true, times: [] };
  const period = repeat.period ?? 1;
  const unit = repeat.periodUnit ?? 'd';
  const freq = repeat.frequency ?? 1;
  const days = repeat.dayOfWeek ?? [];
  let due = true;
  let summary: string;
  const offset = today - start;
  if (unit === 'wk' || unit === 'mo') {
    const wd = days.length ? days.map((d) => WEEKDAY_EN[d]).join(', ') : WEEKDAY_EN[WEEKDAYS[(((start + 4) % 7) + 7) % 7]!]!; // day 0 (1970-01-01) was a Thursday
    if (unit === 'wk') {
      summary = `${freq === 1 ? 'once' : `${freq}×`} ${period === 1 ? 'a week' : `every ${period} weeks`} (${wd})`;
      due = days.length ? (days as string[]).includes(weekday) : offset % (7 * period) === 0;
      if (days.length && period > 1) due = due && Math.floor(offset / 7) % period === 0;
    } else {
      summary = `${freq === 1 ? 'once' : `${freq}×`} ${period === 1 ? 'a month' : `every ${period} months`}`;
      due = new Date(today * 86_400_000).getUTCDate() === new Date(start * 86_400_000).getUTCDate();
    }
  } else if (unit === 'h' || unit === 'min') {
    summary = `every ${period} ${unit === 'h' ? 'hours' : 'minutes'}`;
  } else if (unit === 'd') {
    summary = period === 1 ? `${freq}× a day` : `${freq}× every ${period} days`;
    if (period > 1) due = offset % period === 0;
    if (days.length) {
      summary += ` on ${days.map((d) => WEEKDAY_EN[d]).join(', ')}`;
      due = due && (days as string[]).includes(weekday);
    }
  } else {
    summary = `${freq}× per ${period} ${unit}`;
  }
  let times: Omit<ScheduledTime, 'dose'>[];
  if (repeat.timeOfDay?.length) {
    times = repeat.timeOfDay.map((t) => ({ time: t.slice(0, 5), exact: true }));
    summary += ' at fixed times';
  } else if (repeat.when?.length) {
    times = repeat.when.map((w) => ({ time: WHEN_TIMES[w]?.[0] ?? '08:00', exact: false, label: WHEN_TIMES[w]?.[1] ?? w }));
    summary += ` (${times.map((t) => t.label).join(', ')})`;
  } else if (unit === 'h') {
    const n = Math.max(1, Math.floor(24 / period));
    times = Array.from({ length: n * freq }, (_, i) => ({ time: hhmm((8 * 60 + (i * period * 60) / freq) % (24 * 60)), exact: false, label: 'suggested' }));
    times.sort((a, b) => a.time.localeCompare(b.time));
  } else {
    const perDay = unit === 'd' && period === 1 ? freq : 1;
    const slots = ROUND_TIMES[perDay] ?? Array.from({ length: perDay }, (_, i) => hhmm(8 * 60 + Math.round((i * 14 * 60) / (perDay - 1))));
    times = slots.map((t) => ({ time: t, exact: false, label: 'suggested' }));
  }
  return { summary, due, times };
}

function timingKey(d: fhir4.Dosage): string {
  const r = d.timing?.repeat;
  return r ? JSON.stringify([r.frequency, r.period, r.periodUnit, r.timeOfDay, r.when, r.dayOfWeek]) : '';
}

function provenanceOf(item: Item, resolve: (ref?: fhir4.Reference) => fhir4.Resource | undefined): Provenance {
  const res = item.res;
  const orgRef = res.resourceType === 'MedicationDispense' ? res.performer?.[0]?.actor : res.resourceType === 'MedicationRequest' ? res.requester : undefined;
  const orgRes = resolve(orgRef);
  const organization = orgRef ? (orgRes && 'name' in orgRes && typeof orgRes.name === 'string' ? orgRes.name : cleanDisplay(orgRef.display)) : undefined;
  return { source: res.meta?.source, name: extString(res.meta ?? {}, SOURCE_NAME_EXTENSION) ?? organization ?? res.meta?.source ?? 'unknown source', organization, basis: item.block as Provenance['basis'], resourceId: res.id };
}

/** Nictiz displays read "Healthcare provider (organization), Apotheek de Gulle Gaper": keep the name. */
function cleanDisplay(display?: string): string | undefined {
  return display?.replace(/^Healthcare (provider|professional) \([^)]*\),\s*/, '');
}

function medicationOf(res: Item['res'], resolve: (ref?: fhir4.Reference) => fhir4.Resource | undefined): AdministrationRow['medication'] {
  const med = resolve(res.medicationReference) as fhir4.Medication | undefined;
  const concept = med?.code ?? res.medicationCodeableConcept;
  const coding = concept?.coding?.find((c) => c.userSelected) ?? concept?.coding?.[0];
  const name = concept?.text ?? coding?.display ?? res.medicationReference?.display ?? 'unknown medication';
  const strengths = (med?.ingredient ?? []).map((i) => ratioText(i.strength)).filter(Boolean);
  return { name, code: coding ? `${coding.system}|${coding.code}` : undefined, strength: strengths.length ? strengths.join(' + ') : undefined };
}

function sameMedication(a: Item['res'], b: Item['res'], resolve: (ref?: fhir4.Reference) => fhir4.Resource | undefined): boolean {
  if (a.medicationReference?.reference && a.medicationReference.reference === b.medicationReference?.reference) return true;
  const ca = medicationOf(a, resolve).code;
  return !!ca && ca === medicationOf(b, resolve).code;
}

function administrationRecord(ma: fhir4.MedicationAdministration, time: string, resolve: (ref?: fhir4.Reference) => fhir4.Resource | undefined): AdministrationRecord {
  const dose = quantityText(ma.dosage?.dose);
  const actor = ma.performer?.[0]?.actor;
  const actorRes = resolve(actor) as { name?: unknown } | undefined;
  const by = cleanDisplay(actor?.display) ?? (typeof actorRes?.name === 'string' ? actorRes.name : undefined);
  const deviation = (ma.extension ?? []).find((e) => e.url.endsWith('ReasonForDeviation'));
  const note = conceptText(deviation?.valueCodeableConcept) ?? ma.statusReason?.map(conceptText).filter(Boolean).join(', ') ?? undefined;
  const notGiven = ma.status === 'not-done' || ma.dosage?.dose?.value === 0;
  return { time, status: notGiven ? 'not-given' : ma.status === 'completed' || ma.status === 'in-progress' ? 'given' : 'other', dose, by, note: note || undefined };
}

function treatmentKey(res: fhir4.DomainResource): string {
  const id = extValue<fhir4.Identifier>(res, EXT.treatment, 'valueIdentifier');
  return id?.value ? `${id.system ?? ''}|${id.value}` : `${res.resourceType}/${res.id}`;
}

function stopTypeOf(res: fhir4.DomainResource): Item['stop'] {
  const cc = extValue<fhir4.CodeableConcept>(res, EXT.stopType, 'valueCodeableConcept', true);
  const coding = cc?.coding?.[0];
  if (!coding) return undefined;
  const known = STOP_TYPES[coding.code ?? ''];
  return { kind: known?.kind ?? 'stopped', en: known?.en ?? 'stopped', nl: coding.display };
}

function periodOfUse(res: fhir4.DomainResource, clock: LocalClock): { start?: number; end?: number } {
  const p = extValue<fhir4.Period>(res, EXT.periodOfUse, 'valuePeriod') ?? (res as fhir4.MedicationStatement).effectivePeriod;
  if (!p) return {};
  const start = p.start ? dayNumber(clock.dateOf(p.start)) : undefined;
  let end = p.end ? dayNumber(clock.dateOf(p.end)) : undefined;
  const duration = durationDays(extValue<fhir4.Duration>(p, EXT.duration, 'valueDuration'));
  if (end === undefined && start !== undefined && duration) end = start + duration - 1;
  return { start, end };
}

function handedOver(md: fhir4.MedicationDispense, clock: LocalClock): { start?: number; end?: number } {
  const day = md.whenHandedOver ? dayNumber(clock.dateOf(md.whenHandedOver)) : undefined;
  return { start: day, end: day };
}

function effectiveOf(ma: fhir4.MedicationAdministration, clock: LocalClock): { date: string; time: string } | undefined {
  const v = ma.effectiveDateTime ?? ma.effectivePeriod?.start;
  if (!v) return undefined;
  return v.length <= 10 ? { date: v, time: '00:00' } : clock.parts(new Date(v));
}

function patientOf(res: Item['res'], resolve: (ref?: fhir4.Reference) => fhir4.Resource | undefined): AdministrationList['patient'] {
  const p = resolve(res.subject) as fhir4.Patient | undefined;
  const bsn = p?.identifier?.find((i) => i.system === 'http://fhir.nl/fhir/NamingSystem/bsn')?.value ?? (res.subject?.identifier?.system === 'http://fhir.nl/fhir/NamingSystem/bsn' ? res.subject.identifier.value : undefined);
  const name = p?.name?.[0]?.text ?? (p?.name?.[0] ? [p.name[0].given?.join(' '), p.name[0].family].filter(Boolean).join(' ') : undefined) ?? res.subject?.display?.replace(/^Patient,\s*/, '');
  return name || bsn ? { name, bsn } : undefined;
}

function doseText(d: fhir4.Dosage): string | undefined {
  const dr = d.doseAndRate?.[0];
  if (dr?.doseQuantity) return quantityText(dr.doseQuantity);
  if (dr?.doseRange) {
    const lo = dr.doseRange.low;
    const hi = dr.doseRange.high;
    return `${lo?.value ?? '?'}–${hi?.value ?? '?'} ${unitOf(hi ?? lo)}`.trim();
  }
  return undefined;
}
function quantityText(q?: fhir4.Quantity): string | undefined {
  return q?.value === undefined ? undefined : `${q.value} ${unitOf(q)}`.trim();
}
function unitOf(q?: fhir4.Quantity): string {
  return q?.unit ?? (q?.code && q.code !== '1' ? q.code : '');
}
function ratioText(r?: fhir4.Ratio): string | undefined {
  if (!r?.numerator) return undefined;
  const den = r.denominator;
  const denText = den?.value === undefined ? '' : den.value === 1 ? ` per ${unitName(den)}` : ` per ${den.value} ${unitName(den)}`;
  return `${quantityText(r.numerator)}${denText}`;
}
function unitName(q: fhir4.Quantity): string {
  return ({ d: 'day', h: 'hour', wk: 'week', mo: 'month' } as Record<string, string>)[q.code ?? ''] ?? unitOf(q);
}
function conceptText(c?: fhir4.CodeableConcept): string | undefined {
  return c ? (c.text ?? c.coding?.find((x) => x.display)?.display) : undefined;
}
function durationDays(d?: fhir4.Duration): number | undefined {
  if (d?.value === undefined) return undefined;
  const f = ({ d: 1, wk: 7, mo: 30, a: 365, h: 1 / 24 } as Record<string, number>)[d.code ?? d.unit ?? ''];
  return f ? Math.max(1, Math.round(d.value * f)) : undefined;
}

function extValue<T>(el: { extension?: fhir4.Extension[]; modifierExtension?: fhir4.Extension[] }, url: string, key: keyof fhir4.Extension, modifier = false): T | undefined {
  const list = [...(el.extension ?? []), ...(modifier ? (el.modifierExtension ?? []) : [])];
  return list.find((e) => e.url === url)?.[key] as T | undefined;
}
function extString(el: { extension?: fhir4.Extension[] }, url: string): string | undefined {
  return extValue<string>(el, url, 'valueString');
}

/** Local calendar dates and clock times in one time zone, without a date library. */
class LocalClock {
  private readonly fmt: Intl.DateTimeFormat;
  constructor(readonly tz: string) {
    this.fmt = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', weekday: 'short' });
  }
  parts(d: Date): { date: string; time: string; weekday: string } {
    const p = Object.fromEntries(this.fmt.formatToParts(d).map((x) => [x.type, x.value]));
    return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}`, weekday: String(p.weekday).toLowerCase().slice(0, 3) };
  }
  /** FHIR date or dateTime → local date */
  dateOf(v: string): string {
    return v.length <= 10 ? v.padEnd(10, '-01').slice(0, 10) : this.parts(new Date(v)).date;
  }
}
function dayNumber(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return Date.UTC(y!, (m ?? 1) - 1, d ?? 1) / 86_400_000;
}
function dayString(n?: number): string | undefined {
  return n === undefined ? undefined : new Date(n * 86_400_000).toISOString().slice(0, 10);
}
const minutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
const hhmm = (m: number) => `${String(Math.floor(m / 60) % 24).padStart(2, '0')}:${String(Math.round(m % 60)).padStart(2, '0')}`;

/** Plain-text rendering for the CLI. */
export function renderAdministrationListText(list: AdministrationList): string {
  const date = longDate(list.date);
  const out: string[] = [];
  out.push(`Toedienlijst (administration list) — ${date} (${list.tz})`);
  if (list.patient) out.push(`Client: ${[list.patient.name, list.patient.bsn ? `BSN ${list.patient.bsn}` : undefined].filter(Boolean).join(', ')}`);
  out.push(list.complete ? list.headline : `⚠ ${list.headline}`);
  out.push('');
  const header = ['Time', 'Medication', 'Dose', 'Route', 'Status'];
  const lines: string[][] = [];
  const details: Map<number, string[]> = new Map();
  for (const r of list.rows) {
    const med = `${r.medication.name}${r.medication.strength && !r.medication.name.includes(r.medication.strength) ? ` ${r.medication.strength}` : ''}`;
    const mark = r.change ? ` [${r.change.kind.toUpperCase()}]` : '';
    const extra: string[] = r.warnings.map((w) => `⚠ ${w.text}`);
    const caution = r.warnings.some((w) => w.severity === 'dose-unknown') ? '⚠ DOSE UNKNOWN' : r.warnings.length ? '⚠ CHECK FIRST' : '';
    extra.push(`schedule: ${r.schedule}${r.validity.start || r.validity.end ? ` · valid ${r.validity.start ?? '…'} to ${r.validity.end ?? 'open'}` : ''}`);
    if (r.change) extra.push(`change: ${r.change.detail}`);
    for (const i of r.instructions) extra.push(`instruction: ${i}`);
    for (const n of r.notes) extra.push(`note: ${n}`);
    for (const a of r.otherAdministrations) extra.push(`recorded ${a.time}: ${recordText(a)}`);
    extra.push(`source: ${r.provenance.name}${r.provenance.organization && r.provenance.organization !== r.provenance.name ? ` (${r.provenance.organization})` : ''} · ${r.provenance.basis}`);
    const slots = r.times.length ? r.times : [undefined];
    slots.forEach((t, idx) => {
      const time = t ? `${t.time}${t.exact ? '' : '*'}` : r.asNeeded ? 'as needed' : r.change?.kind === 'stopped' || r.change?.kind === 'paused' ? '—' : r.dueToday ? '' : r.provenance.basis === 'MVE' ? '?' : 'not today';
      const status = t?.given ? recordText(t.given) : idx === 0 && r.change && ['stopped', 'paused'].includes(r.change.kind) ? 'DO NOT GIVE' : caution;
      lines.push([time, idx === 0 ? med + mark : '', t?.dose ?? (idx === 0 ? (r.dose ?? '') : ''), idx === 0 ? (r.route ?? '') : '', status]);
    });
    details.set(lines.length - 1, extra);
  }
  const widths = header.map((h, i) => Math.min(i === 1 || i === 4 ? 44 : 24, Math.max(h.length, ...lines.map((l) => l[i]!.length))));
  const fmt = (cells: string[]) => cells.map((c, i) => (c.length > widths[i]! ? c.slice(0, widths[i]! - 1) + '…' : c.padEnd(widths[i]!))).join('  ').trimEnd();
  out.push(fmt(header));
  out.push(widths.map((w) => '─'.repeat(w)).join('  '));
  lines.forEach((l, i) => {
    out.push(fmt(l));
    for (const d of details.get(i) ?? []) out.push(`      ${d}`);
  });
  // "nothing to give" is said of a complete answer only (README "Completeness"); anything else says why nothing is shown
  if (list.nothingToGive) out.push('(nothing to give today: every source answered and no administration agreement is active today)');
  else if (!list.rows.length && list.state === 'not-registered') out.push('(not registered at the LSP — this does not mean the client takes no medication)');
  else if (!list.rows.length) out.push('(no medication can be shown — this does not mean the client takes none; see the sources below)');
  out.push('');
  out.push('* suggested time: the agreement gives a frequency or part of day, not a clock time');
  out.push('');
  out.push(`Completeness (per source)${list.complete ? '' : ' — INCOMPLETE'}:`);
  for (const s of list.sources) out.push(`  ${s.status === 'complete' ? '✓' : '✗'} ${s.line}`);
  if (!list.sources.length) out.push('  (no source information in the answer)');
  return out.join('\n');
}

function recordText(a: AdministrationRecord): string {
  const what = a.status === 'given' ? `given ${a.time}` : a.status === 'not-given' ? `not given (${a.time})` : `recorded ${a.time}`;
  return [what, a.dose && a.status === 'given' ? a.dose : undefined, a.by ? `by ${a.by}` : undefined, a.note].filter(Boolean).join(', ');
}

/** "Wednesday 25 November 2026" for a YYYY-MM-DD date. */
export function longDate(date: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).formatToParts(new Date(`${date}T12:00:00Z`)).map((x) => [x.type, x.value]),
  );
  return `${p.weekday} ${p.day} ${p.month} ${p.year}`;
}
