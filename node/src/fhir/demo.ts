// Demo data: materialises data/demo/vvt-clients.json (days relative to today) into MP9 resources, split per source system.
import { readFileSync } from 'node:fs';
import { buildingBlock, dayAt, medication, organization, patient, practitioner, practitionerRole, type BlockSpec, type DosageSpec } from './mp9build.js';
import { packagePath } from '../core/paths.js';
import type { FhirRepository } from './store.js';
import type { FhirResource } from './types.js';

/**
 * Who holds what (reference §6.4): the prescriber's system MA/WDS/VV (the GP, or the hospital for treatments it
 * started), the pharmacy TA/MVE, the VVT organisation MGB/MTD.
 */
export type DemoSource = 'gp' | 'hospital' | 'pharmacy' | 'vvt';
export const DEMO_SOURCES: readonly DemoSource[] = ['gp', 'hospital', 'pharmacy', 'vvt'];

interface DemoFile {
  organizations: Array<{ key: string; source: DemoSource; id: string; ura: string; name: string; typeCode: string; typeDisplay: string }>;
  practitioners: Array<{ key: string; org: string; id: string; uzi?: string; name: string; specialty?: { code: string; display: string } }>;
  medications: Array<{ key: string; id: string; prk?: string; gpk?: string; display: string }>;
  clients: Array<{
    id: string;
    bsn: string;
    given: string;
    family: string;
    birthDate: string;
    gender: 'male' | 'female';
    treatments: Array<{ key: string; medication: string; start: number; end: number; stoppedOn?: number; asNeeded?: boolean; schedule?: boolean; prescriber?: 'gp' | 'hospital'; dosage: DosageSpec }>;
  }>;
}

const ADMIN_TIMES = ['08:00:00', '12:30:00', '17:00:00', '21:30:00'];

export function readDemoFile(file = packagePath('data', 'demo', 'vvt-clients.json')): DemoFile {
  return JSON.parse(readFileSync(file, 'utf8')) as DemoFile;
}

/** The demo data set per source system; every source carries the Patient and context resources its data references. */
export function demoDataBySource(opts: { today: Date; file?: string }): Record<DemoSource, FhirResource[]> {
  const data = readDemoFile(opts.file);
  const T = opts.today;
  const orgs = new Map(data.organizations.map((o) => [o.key, { source: o.source, resource: organization(o) }]));
  const roles = new Map(
    data.practitioners.map((p) => {
      const prac = practitioner(p);
      const org = orgs.get(p.org)!;
      const role = practitionerRole({ id: `${p.id}-role`, practitioner: prac, organization: org.resource, specialty: p.specialty });
      return [p.key, { source: org.source, prac, role, org: org.resource }];
    }),
  );
  const meds = new Map(data.medications.map((m) => [m.key, medication(m)]));
  const out: Record<DemoSource, Map<string, FhirResource>> = { gp: new Map(), hospital: new Map(), pharmacy: new Map(), vvt: new Map() };
  const add = (source: DemoSource, ...rs: FhirResource[]) => rs.forEach((r) => out[source].set(`${r.resourceType}/${r.id}`, r));
  const actor = (source: DemoSource) => [...roles.values()].find((r) => r.source === source)!;
  for (const source of DEMO_SOURCES) {
    const a = actor(source);
    add(source, a.org, a.prac, a.role);
  }
  for (const c of data.clients) {
    const pat = patient(c);
    for (const s of DEMO_SOURCES) add(s, pat);
    for (const t of c.treatments) {
      const med = meds.get(t.medication)!;
      const stopped = t.stoppedOn !== undefined;
      const end = t.stoppedOn ?? t.end;
      const mbh = `MBH_demo_${c.id.replace(/^demo-pat-/, '')}_${t.key}`;
      const base = { patient: pat, medication: med, treatment: mbh, dosage: t.dosage };
      const period = { start: dayAt(T, t.start, '00:00:00'), end: dayAt(T, end, '23:59:59') };
      const block = (source: DemoSource, s: Omit<BlockSpec, 'patient' | 'medication' | 'treatment'>) => add(source, med, buildingBlock({ ...base, ...s, author: actor(source).role }));
      const prescriber = t.prescriber ?? 'gp';
      const ma = `${c.id}-${t.key}-MA`;
      block(prescriber, { block: 'MA', id: ma, period, at: dayAt(T, t.start, '09:00:00'), stopped });
      if (t.schedule) {
        block(prescriber, { block: 'WDS', id: `${c.id}-${t.key}-WDS-1`, period: { start: period.start, end: dayAt(T, Math.min(-8, end), '23:59:59') }, at: dayAt(T, t.start, '09:05:00') });
        block(prescriber, { block: 'WDS', id: `${c.id}-${t.key}-WDS-2`, period: { start: dayAt(T, -7, '00:00:00'), end: period.end }, at: dayAt(T, -7, '09:05:00'), stopped });
      }
      block(prescriber, { block: 'VV', id: `${c.id}-${t.key}-VV`, period: { start: period.start, end: dayAt(T, t.start + 90, '23:59:59') }, at: dayAt(T, t.start, '09:10:00'), quantity: 90 });
      block('pharmacy', { block: 'TA', id: `${c.id}-${t.key}-TA`, period, at: dayAt(T, t.start, '14:00:00'), stopped, basedOn: { block: 'MA', identifier: ma } });
      for (let d = t.start, n = 1; d <= Math.min(end, 0) && n <= 4; d += 30, n++) {
        block('pharmacy', { block: 'MVE', id: `${c.id}-${t.key}-MVE-${n}`, at: dayAt(T, d, '15:00:00'), quantity: 30 });
      }
      block('vvt', { block: 'MGB', id: `${c.id}-${t.key}-MGB`, period, at: dayAt(T, Math.max(t.start, -30), '10:00:00'), stopped });
      // administrations of the last three days while the treatment ran; as-needed medication only once
      for (let d = -3; d <= -1; d++) {
        if (d < t.start || d > end || (stopped && d >= t.stoppedOn!)) continue;
        const times = t.asNeeded ? (d === -2 ? [ADMIN_TIMES[3]!] : []) : ADMIN_TIMES.slice(0, t.dosage.perDay ?? 1);
        times.forEach((time, i) =>
          block('vvt', { block: 'MTD', id: `${c.id}-${t.key}-MTD${d}-${i + 1}`, at: dayAt(T, d, time), basedOn: { block: 'TA', identifier: `${c.id}-${t.key}-TA` } }),
        );
      }
    }
  }
  return { gp: [...out.gp.values()], hospital: [...out.hospital.values()], pharmacy: [...out.pharmacy.values()], vvt: [...out.vvt.values()] };
}

/** Loads the demo data (all sources, or the ones named) into a repository; returns how many resources were written. */
export async function loadDemoData(repo: FhirRepository, opts: { today?: Date; sources?: DemoSource[]; file?: string } = {}): Promise<{ count: number }> {
  const by = demoDataBySource({ today: opts.today ?? new Date(), file: opts.file });
  const all = new Map<string, FhirResource>();
  for (const s of opts.sources ?? DEMO_SOURCES) for (const r of by[s]) all.set(`${r.resourceType}/${r.id}`, r);
  await repo.atomically(async (tx) => {
    for (const r of all.values()) await tx.put(r as FhirResource & { id: string });
  });
  return { count: all.size };
}
