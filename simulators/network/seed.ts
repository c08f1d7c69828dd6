// Seeds the local network idempotently: subjects, URA credentials (the LSP acts as the lab's URA authority), care-worker
// role credentials, discovery registrations, and the scenario hooks that act across nodes.
import { readFileSync } from 'node:fs';
import type { LabNode } from '../../node/src/main.js';
import type { LspNode } from '../lsp/main.js';
import { readDemoFile } from '../../node/src/fhir/demo.js';
import { parseCredential } from '../../node/src/vcr/credential.js';
import type { WireCredential } from '../../node/src/vcr/types.js';

export interface CareWorkerSeed {
  id: string;
  name: string;
  roleCode: string;
  roleName: string;
  big: boolean;
}

export interface Seeded {
  vvtOrg: { name: string; ura: string; city: string };
  vvtDid: string;
  lspDid: string;
  careWorkers: CareWorkerSeed[];
  clients: Array<{ bsn: string; name: string; birthDate?: string }>;
}

const ROLES = (JSON.parse(readFileSync(new URL('../../credentials/roles.json', import.meta.url), 'utf8')) as { roles: Array<{ code: string; nl: string; big: boolean }> }).roles;
const worker = (id: string, name: string, roleCode: string): CareWorkerSeed => {
  const role = ROLES.find((r) => r.code === roleCode);
  if (!role) throw new Error(`seeded care worker ${id} has role ${roleCode}, which is not in credentials/roles.json`);
  return { id, name, roleCode, roleName: role.nl, big: role.big };
};

/** The care workers of the VVT organisation the dashboard and CLI offer: with and without BIG registration. */
export const CARE_WORKERS: CareWorkerSeed[] = [
  worker('anna', 'Anna de Vries', 'VVT.001'),
  worker('chris', 'Chris Jansen', '30.000'),
  worker('noor', 'Noor El Amrani', 'VVT.003'),
  worker('sam', 'Sam Bakker', 'VVT.005'),
];

const YEAR = 365 * 24 * 3600 * 1000;

async function ensureSubject(node: LabNode, id: string): Promise<string> {
  const list = await node.vdr.subjects.list();
  if (list[id]) return list[id]![0]!;
  const r = await node.vdr.subjects.create(id);
  return r.documents[0]!.id;
}

const typesOf = (vc: WireCredential) => parseCredential(vc).types;

/** A URA credential issued by the LSP and loaded into `holder`'s wallet, unless a valid one is there already. */
async function ensureUraCredential(lsp: LabNode, lspDid: string, holder: LabNode, subject: string, did: string, org: { ura: string; name: string; city: string }, log: (l: string) => void): Promise<void> {
  for (const vc of await holder.vcr.wallet.search(subject, { type: 'NutsUraCredential' })) {
    const c = parseCredential(vc);
    if (c.issuer !== lspDid) continue;
    const v = await lsp.vcr.verifier.verifyCredential(vc);
    if (v.valid) return;
    // a revoked or expired one would be offered in token requests and refused: take it out
    await holder.vcr.wallet.remove(subject, c.id!);
    log(`  removed ${v.code} NutsUraCredential ${c.id} from the wallet of ${subject}`);
  }
  const vc = await lsp.vcr.issuer.issue({
    type: 'NutsUraCredential',
    issuer: lspDid,
    credentialSubject: { id: did, organization: { ura: org.ura, name: org.name, city: org.city } },
    expirationDate: new Date(Date.now() + YEAR).toISOString(),
    format: 'jwt_vc',
    withStatusList2021Revocation: true,
  });
  await holder.vcr.wallet.add(subject, vc);
  log(`  ✓ NutsUraCredential for ${org.name} (URA ${org.ura}) issued by the LSP, in the wallet of ${subject}`);
}

export async function seedNetwork(o: { vvt: LabNode; lsp: LspNode; vvtOrg: { name: string; ura: string; city: string }; serviceId: string; log: (l: string) => void }): Promise<Seeded> {
  const { vvt, log } = o;
  const lsp = o.lsp.node;
  const lspDid = await ensureSubject(lsp, 'lsp');
  const vvtDid = await ensureSubject(vvt, 'vvt');
  log(`  ✓ subjects: lsp ${lspDid}, vvt ${vvtDid}`);

  // the LSP accepts URA credentials it issued itself (requireTrustedIssuers is on for the LSP)
  await lsp.vcr.trust.trust('NutsUraCredential', lspDid);
  await ensureUraCredential(lsp, lspDid, lsp, 'lsp', lspDid, { ura: lsp.config.organization.ura!, name: lsp.config.organization.name!, city: 'Amersfoort' }, log);
  await ensureUraCredential(lsp, lspDid, vvt, 'vvt', vvtDid, o.vvtOrg, log);

  // the organisation attests its care workers' roles (shown in the dashboard; the token carries a self-attested employee credential)
  const existing = new Set(
    (await vvt.vcr.wallet.search('vvt', { type: 'CareWorkerRoleCredential' })).map((vc) => String((parseCredential(vc).subjects[0]?.careWorker as { identifier?: string } | undefined)?.identifier)),
  );
  for (const c of CARE_WORKERS.filter((w) => !existing.has(w.id))) {
    const vc = await vvt.vcr.issuer.issue({
      type: 'CareWorkerRoleCredential',
      issuer: vvtDid,
      credentialSubject: { id: vvtDid, careWorker: { identifier: c.id, name: c.name, roleCode: c.roleCode, roleName: c.roleName } },
      expirationDate: new Date(Date.now() + YEAR).toISOString(),
      format: 'jwt_vc',
      withStatusList2021Revocation: true,
    });
    await vvt.vcr.wallet.add('vvt', vc);
  }
  log(`  ✓ care-worker role credentials: ${CARE_WORKERS.map((c) => `${c.name} (${c.roleCode})`).join(', ')}`);

  // who serves MP9 where: the LSP registers its AS and FHIR base; the VVT organisation registers too
  await lsp.discovery.client.activate(o.serviceId, 'lsp', { fhirBaseURL: `${lsp.url}/fhir` });
  await lsp.discovery.refreshNow();
  await vvt.discovery.client.activate(o.serviceId, 'vvt', { fhirBaseURL: `${vvt.url}/fhir` });
  await vvt.discovery.refreshNow();
  log(`  ✓ discovery service ${o.serviceId} on the LSP: lsp and vvt registered`);

  // scenario hooks that act across nodes
  o.lsp.scenarioContext.hooks = {
    async revokeOrganisation() {
      const issued = await lsp.vcr.issuer.search({ credentialType: 'NutsUraCredential', subject: vvtDid });
      const active = issued.filter((r) => r.revokedAt === undefined && r.status);
      for (const r of active) await lsp.vcr.issuer.revoke(r.id);
      return `revoked ${active.length} NutsUraCredential(s) of ${o.vvtOrg.name}`;
    },
    async restoreOrganisation() {
      const before = (await vvt.vcr.wallet.search('vvt', { type: 'NutsUraCredential' })).length;
      await ensureUraCredential(lsp, lspDid, vvt, 'vvt', vvtDid, o.vvtOrg, () => {});
      const after = await vvt.vcr.wallet.search('vvt', { type: 'NutsUraCredential' });
      return before === after.length && after.every((vc) => typesOf(vc).includes('NutsUraCredential')) ? `${o.vvtOrg.name} holds a valid URA credential` : `re-issued the URA credential of ${o.vvtOrg.name}`;
    },
  };

  const demo = readDemoFile();
  return {
    vvtOrg: o.vvtOrg,
    vvtDid,
    lspDid,
    careWorkers: CARE_WORKERS,
    clients: demo.clients.map((c) => ({ bsn: c.bsn, name: `${c.given} ${c.family}`, birthDate: c.birthDate })),
  };
}
