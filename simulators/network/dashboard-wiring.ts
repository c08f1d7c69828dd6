// Wires the dashboard to the running network: the real ECD flow, the LSP's scenarios, and both nodes' audit logs.
import type { LabNode } from '../../node/src/main.js';
import type { LspNode } from '../lsp/main.js';
import { parseCredential } from '../../node/src/vcr/credential.js';
import type { WireCredential } from '../../node/src/vcr/types.js';
import { createDashboard } from './dashboard/server.js';
import { createEcdRunFlow } from './flow.js';
import type { AuditRecordView, CredentialInfo, NodeInfo, OrganisationInfo } from './dashboard/types.js';
import type { Seeded } from './seed.js';

export interface RunningDashboard {
  url: string;
  close(): Promise<void>;
}

/** Reads a node's audit log over its internal API as the dashboard user (so the read itself is recorded). */
async function auditGet<T>(node: LabNode, path: string): Promise<T> {
  const res = await fetch(`${node.internalUrl}/internal/audit/v1${path}`, { headers: { 'x-user-id': 'dashboard', 'x-user-name': 'nuts-lsp-lab dashboard' } });
  if (!res.ok) throw new Error(`audit ${path} on ${node.config.name}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

interface RecordLike {
  startedAt: string;
  node: string;
  event: string;
  actor?: { userId?: string; userName?: string; role?: { code: string }; organisation?: { ura: string; name?: string } };
  patient?: { bsn: string };
  object?: { type?: string; query?: string };
  outcome: { code: string; description?: string };
  traceId?: string;
}

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
  outcome: r.outcome.code === '0' ? 'success' : `failed: ${r.outcome.description ?? r.outcome.code}`,
  traceId: r.traceId,
});

async function credentialInfo(node: LabNode, vc: WireCredential): Promise<CredentialInfo> {
  const c = parseCredential(vc);
  const v = await node.vcr.verifier.verifyCredential(vc);
  const type = c.types.filter((t) => t !== 'VerifiableCredential').join(', ');
  const careWorker = c.subjects[0]?.careWorker as { name?: string; roleCode?: string } | undefined;
  return {
    type,
    issuer: c.issuer,
    status: v.valid ? 'valid' : v.code === 'revoked' ? 'revoked' : v.code === 'expired' ? 'expired' : 'unknown',
    expires: c.expirationDate?.toISOString(),
    detail: careWorker ? `${careWorker.name} (${careWorker.roleCode})` : v.valid ? undefined : v.message,
  };
}

async function organisation(node: LabNode, subject: string, name: string, ura?: string, city?: string): Promise<OrganisationInfo> {
  const did = (await node.vdr.subjects.dids(subject))[0]!;
  const credentials = await Promise.all((await node.vcr.wallet.list(subject)).map((vc) => credentialInfo(node, vc)));
  return { name, subject, did, ura, city, credentials };
}

async function nodeInfo(node: LabNode, role: string, orgs: Array<Promise<OrganisationInfo>>): Promise<NodeInfo> {
  const health = await node.engines.health();
  return { name: node.config.name, role, publicUrl: node.url, internalUrl: node.internalUrl, healthy: health.status === 'UP', organisations: await Promise.all(orgs) };
}

export async function wireDashboard(o: { vvt: LabNode; lsp: LspNode; seeded: Seeded; serviceId: string; port: number; host?: string }): Promise<RunningDashboard> {
  const { vvt, seeded } = o;
  const lsp = o.lsp.node;
  const dashboard = createDashboard({
    title: 'nuts-lsp-lab — LSP–Nuts medication exchange',
    network: async () => ({
      nodes: [
        await nodeInfo(vvt, `reference node of ${seeded.vvtOrg.name} (VVT)`, [organisation(vvt, 'vvt', seeded.vvtOrg.name, seeded.vvtOrg.ura, seeded.vvtOrg.city)]),
        await nodeInfo(lsp, `mock LSP with ${o.lsp.sources.length} source systems`, [organisation(lsp, 'lsp', lsp.config.organization.name ?? 'LSP', lsp.config.organization.ura)]),
      ],
      careWorkers: seeded.careWorkers.map((c) => ({ id: c.id, name: c.name, roleCode: c.roleCode, roleName: c.roleName, big: c.big, organisation: seeded.vvtOrg.name })),
      clients: seeded.clients,
    }),
    runFlow: createEcdRunFlow({
      ecd: { nodeUrl: vvt.internalUrl, subject: 'vvt', serviceId: o.serviceId, organizationName: 'LSP*', tokenType: 'DPoP' },
      careWorker: (id) => {
        const c = seeded.careWorkers.find((w) => w.id === id);
        return c && { name: c.name, roleName: c.roleName, roleCode: c.roleCode, identifier: c.id };
      },
      audit: async ({ traceId }) => {
        const [mine, theirs, chainA, chainB] = await Promise.all([
          auditGet<{ records: RecordLike[] }>(vvt, `/records?traceId=${traceId}`),
          auditGet<{ records: RecordLike[] }>(lsp, `/records?traceId=${traceId}`),
          auditGet<{ ok: boolean }>(vvt, '/verify'),
          auditGet<{ ok: boolean }>(lsp, '/verify'),
        ]);
        const events = (rs: RecordLike[]) => [...new Set(rs.map((r) => r.event))].join(', ') || 'none';
        const ok = chainA.ok && chainB.ok && theirs.records.length > 0;
        return {
          status: ok ? 'ok' : 'warning',
          detail: `trace ${traceId}: ${theirs.records.length} records at the LSP (${events(theirs.records)}), ${mine.records.length} at ${vvt.config.name} (${events(mine.records)}); chains ${chainA.ok && chainB.ok ? 'intact' : 'BROKEN'}`,
        };
      },
    }),
    scenarios: {
      list: async () => o.lsp.scenarios.list().map((s) => ({ name: s.name, title: s.title, description: s.expect, active: s.active })),
      apply: async (name) => {
        try {
          const r = await o.lsp.scenarios.apply(name);
          dashboard.broadcast('audit', {});
          return { ok: true, message: `${r.scenario}: ${r.changes.join('; ')}. Expect: ${r.expect}` };
        } catch (e) {
          return { ok: false, message: (e as Error).message };
        }
      },
    },
    audit: {
      view: async () => ({
        nodes: await Promise.all(
          [vvt, lsp].map(async (n) => {
            const chain = await auditGet<{ ok: boolean; records: number; checkpoints: number; firstBroken?: { message: string } }>(n, '/verify');
            const recent = await auditGet<{ records: RecordLike[] }>(n, `/records?from=${new Date(Date.now() - 3600_000).toISOString()}&limit=1000`);
            return {
              node: n.config.name,
              records: chain.records,
              chain: { ok: chain.ok, reason: chain.firstBroken?.message, checkpoints: chain.checkpoints },
              recent: recent.records.filter((r) => !r.event.startsWith('audit.')).slice(-12).reverse().map(view),
            };
          }),
        ),
      }),
      patient: async (bsn) => {
        const all = await Promise.all([vvt, lsp].map((n) => auditGet<{ records: RecordLike[] }>(n, `/records?patient=${bsn}&limit=1000`)));
        return all
          .flatMap((r) => r.records)
          .filter((r) => !r.event.startsWith('audit.'))
          .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
          .map(view);
      },
    },
  });
  const { url, close } = await dashboard.listen(o.port, o.host ?? '127.0.0.1');
  return { url, close };
}
