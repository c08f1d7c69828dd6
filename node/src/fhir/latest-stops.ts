// MP9 3.0 "latest stop per pharmaceutical treatment (MBH)": the is-latest-stop search parameter and the $latest-stops operation.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { periodRange } from './searchparams.js';
import { blockOf, EXT_PERIOD_OF_USE, EXT_TREATMENT_ID, extensions, NICTIZ_SD, type FhirResource } from './types.js';

export const EXT_STOP_TYPE = `${NICTIZ_SD}ext-StopType`;
const EXT_REGISTRATION = `${NICTIZ_SD}ext-RegistrationDateTime`;
const EXT_TA_DATETIME = `${NICTIZ_SD}ext-AdministrationAgreement.AdministrationAgreementDateTime`;

/** A stop building block carries the ext-StopType modifier extension (MA, TA, WDS, MGB). */
export const isStop = (r: FhirResource) => extensions({ extension: r.modifierExtension }, EXT_STOP_TYPE).length > 0;

/** The MBH a building block belongs to (system|value), or undefined. */
export function treatmentOf(r: FhirResource): string | undefined {
  const id = extensions(r, EXT_TREATMENT_ID)[0]?.valueIdentifier;
  return id?.value ? `${id.system ?? ''}|${id.value}` : undefined;
}

/** When the stop was decided: registration time, else the block's own date (authoredOn, TA date, dateAsserted), else lastUpdated. */
function stopMoment(r: FhirResource): number {
  const candidates = [extensions(r, EXT_REGISTRATION)[0]?.valueDateTime, r.authoredOn, extensions(r, EXT_TA_DATETIME)[0]?.valueDateTime, r.dateAsserted, r.meta?.lastUpdated];
  const s = candidates.find((v) => typeof v === 'string');
  const t = s ? Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s) : NaN;
  return Number.isNaN(t) ? -Infinity : t;
}

/** Per (building block, MBH): the stop registered last. */
export function latestStops(resources: FhirResource[]): FhirResource[] {
  const best = new Map<string, FhirResource>();
  for (const r of resources) {
    const mbh = treatmentOf(r);
    if (!isStop(r) || !mbh) continue;
    const key = `${blockOf(r) ?? r.resourceType}#${mbh}`;
    const cur = best.get(key);
    if (!cur || stopMoment(r) > stopMoment(cur) || (stopMoment(r) === stopMoment(cur) && String(r.id) > String(cur.id))) best.set(key, r);
  }
  return [...best.values()];
}

/** Search results plus the latest stops among `others` (resources that meet every criterion except the dates). */
export function withLatestStops(matches: FhirResource[], others: FhirResource[]): FhirResource[] {
  const seen = new Set(matches.map((r) => `${r.resourceType}/${r.id}`));
  return [...matches, ...latestStops(others).filter((r) => !seen.has(`${r.resourceType}/${r.id}`))];
}

/** A building block that is not a stop and whose period of use has not ended at `now`. */
function isActive(r: FhirResource, now: number): boolean {
  if (isStop(r)) return false;
  const period = r.resourceType === 'MedicationStatement' ? r.effectivePeriod : extensions(r, EXT_PERIOD_OF_USE)[0]?.valuePeriod;
  const range = periodRange(period);
  return !range || range.hi > now;
}

/** $latest-stops: per MBH the active building blocks and the latest stop, from all of the patient's blocks of that kind. */
export function latestStopsView(resources: FhirResource[], now: number): FhirResource[] {
  const blocks = resources.filter((r) => blockOf(r) !== 'context');
  const active = blocks.filter((r) => isActive(r, now));
  return withLatestStops(active, blocks);
}

/** Narrows a $latest-stops search result (all of the patient's blocks of a kind) to the active ones and the latest stops. */
export function latestStopsBundle(bundle: FhirResource, now: number): FhirResource {
  const entries: any[] = Array.isArray(bundle.entry) ? bundle.entry : [];
  const kept = new Set(latestStopsView(entries.filter((e) => e.search?.mode !== 'include').map((e) => e.resource), now));
  const out = entries.filter((e) => e.search?.mode === 'include' || kept.has(e.resource));
  const { link: _link, ...rest } = bundle;
  return { ...rest, total: kept.size, ...(out.length ? { entry: out } : {}) };
}
