// Named failure scenarios of the mock LSP: each resets to normal first, then changes one thing a demo or test needs.
import { readDemoFile } from '../../node/src/fhir/index.js';
import { invalidInput, notFound } from '../../node/src/core/index.js';
import { ANY, type MitzConsent } from './mitz.js';
import type { ReferenceIndex } from './reference-index.js';
import type { SourceSystem } from './sources.js';
import { MEDICATION_DATA_CATEGORY } from './broker.js';

export interface ScenarioContext {
  sources: () => SourceSystem[];
  mitz: MitzConsent;
  index: ReferenceIndex;
  /** BSNs of the patients the sources hold (the demo's first) */
  patients: () => string[];
  /** records each patient's consent as imported (default: 'ja' for every patient) */
  restoreConsent?: () => Promise<number>;
  /** credential actions on other nodes: the LSP's organisation registry (organisations.ts) revokes and restores URA credentials */
  hooks?: {
    revokeOrganisation?: () => Promise<string>;
    restoreOrganisation?: () => Promise<string>;
    /** the simulated Dezi revokes the verklaringen of one care worker, and lifts every revocation */
    revokeDeziDeclaration?: () => Promise<string>;
    restoreDeziDeclarations?: () => Promise<string>;
  };
}

export interface Scenario {
  name: string;
  title: string;
  /** what a caller should see after applying it */
  expect: string;
  /** the one change this scenario makes on top of `normal` (scenarios never accumulate) */
  apply(ctx: ScenarioContext): Promise<string[]>;
}

const bySource = (ctx: ScenarioContext, demoData: string) => {
  const s = ctx.sources().find((x) => x.config.demoData === demoData);
  if (!s) throw notFound(`no ${demoData} source configured`);
  return s;
};

/** Brings everything back: sources up at their own latency, every source's holdings registered, consent 'ja'. */
async function normal(ctx: ScenarioContext): Promise<string[]> {
  const done: string[] = [];
  for (const s of ctx.sources()) {
    await s.setAvailable(s.config.available ?? true);
    await s.setLatency(s.defaultLatencyMs);
    for (const [bsn, blocks] of await s.holdings()) {
      for (const block of blocks) await ctx.index.register({ bsn, block, appId: s.config.appId, ura: s.config.ura });
    }
  }
  done.push(`${ctx.sources().length} sources up and registered in the reference index`);
  await ctx.mitz.clear();
  if (ctx.restoreConsent) done.push(`consent as imported for ${await ctx.restoreConsent()} patients ('ja' for the demo clients: all care providers may share medication data)`);
  else {
    for (const bsn of ctx.patients()) await ctx.mitz.record({ bsn, holderCategory: ANY, dataCategory: MEDICATION_DATA_CATEGORY, consulterCategory: ANY }, 'ja');
    done.push(`consent 'ja' (all care providers may share medication data) for ${ctx.patients().length} patients`);
  }
  if (ctx.hooks?.restoreOrganisation) done.push(await ctx.hooks.restoreOrganisation());
  if (ctx.hooks?.restoreDeziDeclarations) done.push(await ctx.hooks.restoreDeziDeclarations());
  return done;
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'normal',
    title: 'Everything works',
    expect: 'A search for a seeded patient returns MA/WDS/VV from the GP (and from the hospital for treatments it started), TA/MVE from the pharmacy and MGB/MTD from the VVT source, each entry with meta.source; one information outcome per source that answered fully (code informational), no warnings.',
    apply: async () => [],
  },
  {
    name: 'no-consent',
    title: 'No consent choice recorded (Mitz: no choice means no)',
    expect: "Every source answers with an outcome entry code 'suppressed' (no consent); no medication data is returned.",
    async apply(ctx) {
      await ctx.mitz.clear();
      return ['all consent choices removed'];
    },
  },
  {
    name: 'pharmacy-no-consent',
    title: "Patients said 'nee' to sharing pharmacy data",
    expect: "Only the pharmacy's data (TA/MVE) is missing, with one 'suppressed' outcome naming the pharmacy; GP and VVT data are returned.",
    async apply(ctx) {
      const pharmacy = bySource(ctx, 'pharmacy');
      const holder = ctx.mitz.categoryOfOrganizationType(pharmacy.config.organizationType)!;
      for (const bsn of ctx.patients()) await ctx.mitz.record({ bsn, holderCategory: holder, dataCategory: MEDICATION_DATA_CATEGORY, consulterCategory: ANY }, 'nee');
      return [`consent 'nee' for ${pharmacy.config.name}`];
    },
  },
  {
    name: 'pharmacy-down',
    title: 'The pharmacy system is down',
    expect: "The pharmacy's data is missing with one outcome entry code 'transient' (unreachable); the other sources answer.",
    async apply(ctx) {
      const pharmacy = bySource(ctx, 'pharmacy');
      await pharmacy.setAvailable(false);
      return [`${pharmacy.config.name} stopped listening`];
    },
  },
  {
    name: 'slow-gp',
    title: 'The GP system answers after 3 seconds',
    expect: "The GP's data (MA/WDS/VV) is missing with one outcome entry code 'timeout' (no answer within 2 s); the other sources answer.",
    async apply(ctx) {
      const gp = bySource(ctx, 'gp');
      await gp.setLatency(3000);
      return [`${gp.config.name} latency 3000 ms`];
    },
  },
  {
    name: 'unregistered-patient',
    title: 'The first seeded patient is not registered at the LSP',
    expect: "A search for that patient returns no data and one outcome entry code 'not-found' (no source registered data); other patients are unaffected.",
    async apply(ctx) {
      const bsn = ctx.patients()[0]!;
      const n = await ctx.index.unregister(bsn);
      return [`${n} registrations of BSN ${bsn} removed`];
    },
  },
  {
    name: 'revoked-organisation',
    title: "The VVT organisation's URA credential is revoked",
    expect: "A new token request from the VVT organisation is refused with invalid_grant (credential revoked), or, once the VVT node's copy of the LSP's status list is older than its max-age (5 s), the VVT node no longer offers it (412, \"skipped from the wallet: NutsUraCredential … (revoked)\"); no data can be fetched.",
    async apply(ctx) {
      if (!ctx.hooks?.revokeOrganisation) throw invalidInput('revoked-organisation needs the network (the LSP revokes the URA credential it issued); not available in a stand-alone LSP');
      return [await ctx.hooks.revokeOrganisation()];
    },
  },
  {
    name: 'revoked-dezi-declaration',
    title: "Dezi revoked the care worker's verklaring (declaration)",
    expect: "Chris Jansen's Dezi verklaringen are revoked at Dezi: a token request on one is refused with invalid_grant (revoked), and a token granted on one before stops working (401 on /fhir); other care workers are unaffected.",
    async apply(ctx) {
      if (!ctx.hooks?.revokeDeziDeclaration) throw invalidInput('revoked-dezi-declaration needs the simulated Dezi (the network starts it); not available in a stand-alone LSP');
      return [await ctx.hooks.revokeDeziDeclaration()];
    },
  },
];

export class ScenarioControl {
  current = 'normal';
  constructor(private readonly ctx: ScenarioContext) {}

  list() {
    return SCENARIOS.map((s) => ({ name: s.name, title: s.title, expect: s.expect, active: s.name === this.current }));
  }

  async apply(name: string): Promise<{ scenario: string; expect: string; changes: string[] }> {
    const s = SCENARIOS.find((x) => x.name === name);
    if (!s) throw notFound(`unknown scenario '${name}' (known: ${SCENARIOS.map((x) => x.name).join(', ')})`);
    const changes = [...(await normal(this.ctx)), ...(await s.apply(this.ctx))];
    this.current = name;
    return { scenario: name, expect: s.expect, changes };
  }
}

export function demoPatients(): string[] {
  return readDemoFile().clients.map((c) => c.bsn);
}
