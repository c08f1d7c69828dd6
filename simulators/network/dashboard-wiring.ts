// Wires the dashboard to a running network over the nodes' internal APIs: the real ECD flow, the LSP's scenarios, and both
// nodes' audit logs. The same wiring serves `npm start` (one process) and `nuts-lsp-lab dashboard` (separate processes).
import { parseCredential, type WireCredential } from '../../node/src/vcr/index.js';
import { createDashboard } from './dashboard/server.js';
import { createEcdRunFlow } from './flow.js';
import type { AuditRecordView, CredentialInfo, NodeInfo, OrganisationInfo, PatientAccessView, SourceSystemInfo } from './dashboard/types.js';
import { LSP_SUBJECT } from '../lsp/main.js';
import { NodeApiError, type LspApi, type NodeApi } from '../shared/node-api.js';
import { VVT_SUBJECT, type Seeded } from './seed.js';
import type { DeziCareWorker } from '../dezi/care-workers.js';
import type { CareWorker } from '../ecd/client.js';

/** Dashboard choice ids of Dezi logins: one per (care worker, role), as Dezi issues one verklaring per role. */
const deziChoiceId = (workerId: string, roleCode: string) => `dezi:${workerId}:${roleCode}`;

/** The care worker behind a dashboard choice: a seeded employee (self-declared role) or a Dezi login. */
function careWorkerOf(id: string, seeded: Seeded, dezi?: { url: string; workers: DeziCareWorker[] }): CareWorker | undefined {
  if (id.startsWith('dezi:') && dezi) {
    const [, workerId, roleCode] = id.split(':');
    const w = dezi.workers.find((x) => x.id === workerId);
    const role = w?.roles.find((r) => r.code === roleCode);
    return w && role && { name: w.name, roleName: role.name, roleCode: role.code, identifier: w.deziNummer, dezi: { deziUrl: dezi.url, careWorker: w.id, roleCode: role.code } };
  }
  const c = seeded.careWorkers.find((w) => w.id === id);
  return c && { name: c.name, roleName: c.roleName, roleCode: c.roleCode, identifier: c.id };
}

export interface RunningDashboard {
  url: string;
  close(): Promise<void>;
}

type RecordLike = Awaited<ReturnType<NodeApi['auditRecords']>>['records'][number];

/** "fhir.search MedicationDispense (422037009)": the event, the data and, for MP9 searches, the building block's category. */
function describe(r: RecordLike): string {
  const category = r.object?.query ? /category=[^&]*?(\d{6,})/.exec(decodeURIComponent(r.object.query))?.[1] : undefined;
  return [r.event, r.object?.type, category ? `(${category})` : undefined].filter(Boolean).join(' ');
}

const view = (r: RecordLike): AuditRecordView => ({
  at: r.startedAt,
  node: r.node,
  action: describe(r),
  who: r.actor?.userName ?? r.actor?.userId,
  role: r.actor?.role?.code,
  organisation: r.actor?.organisation ? `${r.actor.organisation.name ?? ''} ${r.actor.organisation.ura}`.trim() : undefined,
  patient: r.patient?.bsn,
  outcome: r.outcome?.code === '0' ? 'success' : `failed: ${r.outcome?.description ?? r.outcome?.code}`,
  traceId: r.traceId,
});

/**
 * A wallet credential as `judge` sees it (signature, validity period, revocation). The dashboard asks the LSP: its
 * verdict decides token requests, and it reads its own status lists directly, so a revocation shows at once.
 */
async function credentialInfo(judge: NodeApi, judgeName: string, vc: WireCredential): Promise<CredentialInfo> {
  const c = parseCredential(vc);
  const v = await judge.verify(vc);
  const type = c.types.filter((t) => t !== 'VerifiableCredential').join(', ');
  const careWorker = c.subjects[0]?.careWorker as { name?: string; roleCode?: string } | undefined;
  return {
    type,
    issuer: c.issuer,
    status: v.validity ? 'valid' : v.reason === 'revoked' ? 'revoked' : v.reason === 'expired' ? 'expired' : 'unknown',
    expires: c.expirationDate?.toISOString(),
    detail: careWorker ? `${careWorker.name} (${careWorker.roleCode})` : v.validity ? undefined : v.message,
    seenBy: judgeName,
  };
}

async function organisation(node: NodeApi, judge: { api: NodeApi; name: string }, subject: string, name: string, ura?: string, city?: string): Promise<OrganisationInfo> {
  const did = (await node.subjectDids(subject))[0]!;
  const credentials = await Promise.all((await node.wallet(subject)).map((vc) => credentialInfo(judge.api, judge.name, vc)));
  return { name, subject, did, ura, city, credentials };
}

/** What each kind of source holds in the lab (reference §6.4: prescriber MA/WDS/VV, pharmacy TA/MVE, VVT MGB/MTD). */
const SOURCE_KINDS: Record<string, { kind: string; holds: string }> = {
  Z3: { kind: 'Z3 general practice', holds: 'MA, WDS, VV' },
  V6: { kind: 'V6 hospital', holds: 'MA, WDS, VV' },
  J8: { kind: 'J8 pharmacy', holds: 'TA, MVE' },
  T2: { kind: 'T2 home care (VVT)', holds: 'MGB, MTD' },
};

/** The LSP's source systems for the network panel; an LSP that does not answer shows none. */
async function sourceSystems(lsp: LspApi): Promise<SourceSystemInfo[] | undefined> {
  const list = await lsp.sources().catch(() => undefined);
  return list?.map((s) => ({ name: s.name, ura: s.ura, ...(SOURCE_KINDS[s.organizationType] ?? { kind: s.organizationType, holds: '' }), available: s.available, latencyMs: s.latencyMs }));
}

/** A node as the dashboard shows it; one that does not answer is shown unhealthy rather than failing the page. */
async function nodeInfo(node: NodeApi, role: string, orgs: (info: { organization: { ura?: string; name?: string } }) => Array<Promise<OrganisationInfo>>): Promise<NodeInfo> {
  try {
    const d = await node.diagnostics();
    return { name: d.name, role, publicUrl: d.url, internalUrl: node.baseUrl, healthy: d.health.status === 'UP', organisations: await Promise.all(orgs(d)) };
  } catch (e) {
    return { name: node.label, role: `${role} — ${e instanceof NodeApiError ? e.detail : (e as Error).message}`, publicUrl: '', internalUrl: node.baseUrl, healthy: false, organisations: [] };
  }
}

/** The newest `want` entries of one node's patient overview, and how many there are in all. */
async function overviewOf(api: NodeApi, node: string, bsn: string, want: number): Promise<{ total: number; entries: PatientAccessView[] }> {
  const entries: PatientAccessView[] = [];
  let total = 0;
  for (let offset: string | undefined = '0'; offset !== undefined && entries.length < want; ) {
    const page = await api.patientOverview(bsn, { limit: 500, offset: Number(offset) });
    total = page.total;
    entries.push(...page.entries.map((e) => ({ at: e.when, node, who: e.who, did: e.did, system: e.system, outcome: e.outcome, ...(e.data?.query ? { query: e.data.query } : {}) })));
    offset = page.next;
  }
  return { total, entries };
}

export async function wireDashboard(o: { node: NodeApi; lsp: LspApi; seeded: Seeded; serviceId: string; port: number; host?: string; dezi?: { url: string; workers: DeziCareWorker[] } }): Promise<RunningDashboard> {
  const { node, lsp, seeded } = o;
  // node names for audit texts, read once
  const [nodeName, lspDiag] = await Promise.all([node.diagnostics().then((d) => d.name), lsp.diagnostics()]);
  const lspName = lspDiag.name;
  const named = [
    { api: node, name: nodeName },
    { api: lsp, name: lspName },
  ];
  const dashboard = createDashboard({
    title: 'nuts-lsp-lab — LSP–Nuts medication exchange',
    network: async () => {
      const sources = await sourceSystems(lsp);
      const judge = { api: lsp, name: lspName };
      return {
        nodes: await Promise.all([
          nodeInfo(node, `reference node of ${seeded.vvtOrg.name} (VVT)`, () => [organisation(node, judge, VVT_SUBJECT, seeded.vvtOrg.name, seeded.vvtOrg.ura, seeded.vvtOrg.city)]),
          nodeInfo(lsp, `mock LSP with ${sources?.length ?? '?'} source systems`, (d) => [organisation(lsp, judge, LSP_SUBJECT, d.organization.name ?? 'LSP', d.organization.ura)]),
        ]),
        sources,
        careWorkers: [
          ...seeded.careWorkers.map((c) => ({ id: c.id, name: c.name, roleCode: c.roleCode, roleName: c.roleName, big: c.big, organisation: seeded.vvtOrg.name })),
          ...(o.dezi?.workers ?? []).flatMap((w) => w.roles.map((r) => ({ id: deziChoiceId(w.id, r.code), name: w.name, roleCode: r.code, roleName: r.name, big: r.big, organisation: w.organisation.name, dezi: true }))),
        ],
        clients: seeded.clients,
      };
    },
    runFlow: createEcdRunFlow({
      ecd: { nodeUrl: node.baseUrl, subject: VVT_SUBJECT, serviceId: o.serviceId, ...(lspDiag.organization.ura ? { lspUra: lspDiag.organization.ura } : {}), tokenType: 'DPoP' },
      careWorker: (id) => careWorkerOf(id, seeded, o.dezi),
      audit: async ({ traceId }) => {
        const [mine, theirs, chainA, chainB] = await Promise.all([
          node.auditRecords({ traceId }),
          lsp.auditRecords({ traceId }),
          node.auditVerify(),
          lsp.auditVerify(),
        ]);
        const events = (rs: RecordLike[]) => [...new Set(rs.map((r) => r.event))].join(', ') || 'none';
        const ok = chainA.ok && chainB.ok && theirs.records.length > 0;
        return {
          status: ok ? 'ok' : 'warning',
          detail: `trace ${traceId}: ${theirs.records.length} records at the LSP (${events(theirs.records)}), ${mine.records.length} at ${nodeName} (${events(mine.records)}); chains ${chainA.ok && chainB.ok ? 'intact' : 'BROKEN'}`,
        };
      },
    }),
    scenarios: {
      list: async () => (await lsp.scenarios()).map((s) => ({ name: s.name, title: s.title, description: s.expect, active: s.active })),
      apply: async (name) => {
        try {
          const r = await lsp.applyScenario(name);
          dashboard.broadcast('audit', {});
          return { ok: true, message: `${r.scenario}: ${r.changes.join('; ')}. Expect: ${r.expect}` };
        } catch (e) {
          return { ok: false, message: e instanceof NodeApiError ? e.detail : (e as Error).message };
        }
      },
    },
    audit: {
      view: async () => ({
        nodes: await Promise.all(
          named.map(async ({ api, name }) => {
            const chain = await api.auditVerify();
            const recent = await api.auditRecords({ from: new Date(Date.now() - 3600_000).toISOString(), limit: 1000 });
            return {
              node: name,
              records: chain.records,
              chain: { ok: chain.ok, reason: chain.firstBroken?.message, checkpoints: chain.checkpoints },
              recent: recent.records.filter((r) => !r.event.startsWith('audit.')).slice(-12).reverse().map(view),
            };
          }),
        ),
      }),
      // both nodes' overviews (the node words each access), merged newest first, one page
      patient: async (bsn, page) => {
        const all = await Promise.all(named.map(({ api, name }) => overviewOf(api, name, bsn, page.offset + page.limit)));
        const merged = all.flatMap((o) => o.entries).sort((a, b) => b.at.localeCompare(a.at));
        return { bsn, total: all.reduce((n, o) => n + o.total, 0), offset: page.offset, limit: page.limit, entries: merged.slice(page.offset, page.offset + page.limit) };
      },
    },
  });
  const { url, close } = await dashboard.listen(o.port, o.host ?? '127.0.0.1');
  return { url, close };
}
