// Seeds the local network idempotently over the nodes' internal APIs: subjects, URA credentials (the LSP is the lab's
// URA authority and keeps them valid itself), care-worker role credentials, and discovery registrations. The same code
// seeds `npm start`'s in-process network and separate processes or containers (`nuts-lsp-lab seed`).
import { readDemoFile } from '../../node/src/fhir/index.js';
import { parseCredential, roleCatalogue } from '../../node/src/vcr/index.js';
import { DISCOVERY_SERVICE, LSP_SUBJECT } from '../lsp/main.js';
import type { LspApi, NodeApi } from '../shared/node-api.js';

export interface CareWorkerSeed {
  id: string;
  name: string;
  roleCode: string;
  roleName: string;
  big: boolean;
}

export interface Organisation {
  name: string;
  ura: string;
  city: string;
}

export interface Seeded {
  vvtOrg: Organisation;
  vvtDid: string;
  lspDid: string;
  careWorkers: CareWorkerSeed[];
  clients: Array<{ bsn: string; name: string; birthDate?: string }>;
}

/** The subject of the VVT organisation on its reference node. */
export const VVT_SUBJECT = 'vvt';
const LSP_CITY = 'Amersfoort';

const worker = (id: string, name: string, roleCode: string): CareWorkerSeed => {
  const role = roleCatalogue().get(roleCode);
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

/** The VVT organisation of the demo data set: the organisation the reference node serves. */
export function vvtOrganisation(): Organisation {
  const org = readDemoFile().organizations.find((o) => o.source === 'vvt');
  if (!org) throw new Error('the demo data set has no VVT organisation');
  return { name: org.name, ura: org.ura, city: 'Utrecht' };
}

const YEAR = 365 * 24 * 3600 * 1000;

export interface SeedOptions {
  /** the reference node's internal API */
  node: NodeApi;
  /** the mock LSP's internal API */
  lsp: LspApi;
  /** the node's internal API as the LSP reaches it, to deliver URA credentials (default: `node`'s URL) */
  nodeUrlForLsp?: string;
  /** the LSP's internal API as the LSP itself reaches it (default: `lsp`'s URL) */
  lspUrlForLsp?: string;
  vvtOrg?: Organisation;
  serviceId?: string;
  log?: (line: string) => void;
}

export async function seedNetwork(o: SeedOptions): Promise<Seeded> {
  const { node, lsp } = o;
  const log = o.log ?? (() => {});
  const serviceId = o.serviceId ?? DISCOVERY_SERVICE;
  const vvtOrg = o.vvtOrg ?? vvtOrganisation();
  const [lspInfo, vvtInfo] = await Promise.all([lsp.diagnostics(), node.diagnostics()]);
  const lspDid = (await lsp.ensureSubject(LSP_SUBJECT)).did;
  const vvtDid = (await node.ensureSubject(VVT_SUBJECT)).did;
  log(`  ✓ subjects: ${LSP_SUBJECT} ${lspDid}, ${VVT_SUBJECT} ${vvtDid}`);

  // the LSP is the lab's URA authority: both nodes trust URA credentials it issues (the LSP also requireTrustedIssuers),
  // so an organisation is established only by one of these, never by a credential it made itself
  await lsp.trust('NutsUraCredential', lspDid);
  await node.trust('NutsUraCredential', lspDid);
  const { ura, name } = lspInfo.organization;
  if (!ura || !name) throw new Error(`the LSP at ${lsp.baseUrl} has no organization.ura and organization.name configured`);
  const holders = [
    { did: lspDid, subject: LSP_SUBJECT, walletUrl: o.lspUrlForLsp ?? lsp.baseUrl, organization: { ura, name, city: LSP_CITY } },
    { did: vvtDid, subject: VVT_SUBJECT, walletUrl: o.nodeUrlForLsp ?? node.baseUrl, organization: vvtOrg },
  ];
  for (const h of holders) {
    // registering makes the LSP keep a valid one in the holder's wallet, now and whenever `normal` is applied
    const r = await lsp.registerOrganisation(h);
    for (const x of r.removed) log(`  removed ${x.reason} NutsUraCredential ${x.id} from the wallet of ${h.subject}`);
    if (r.action !== 'kept') log(`  ✓ NutsUraCredential for ${h.organization.name} (URA ${h.organization.ura}) issued by the LSP, in the wallet of ${h.subject}`);
  }

  // the organisation attests its care workers' roles (shown in the dashboard; the token carries a self-attested employee credential)
  const existing = new Set(
    (await node.wallet(VVT_SUBJECT, 'CareWorkerRoleCredential')).map((vc) => String((parseCredential(vc).subjects[0]?.careWorker as { identifier?: string } | undefined)?.identifier)),
  );
  for (const c of CARE_WORKERS.filter((w) => !existing.has(w.id))) {
    const vc = await node.issue({
      type: 'CareWorkerRoleCredential',
      issuer: vvtDid,
      credentialSubject: { id: vvtDid, careWorker: { identifier: c.id, name: c.name, roleCode: c.roleCode, roleName: c.roleName } },
      expirationDate: new Date(Date.now() + YEAR).toISOString(),
      format: 'jwt_vc',
      withStatusList2021Revocation: true,
    });
    await node.addToWallet(VVT_SUBJECT, vc);
  }
  log(`  ✓ care-worker role credentials: ${CARE_WORKERS.map((c) => `${c.name} (${c.roleCode})`).join(', ')}`);

  // who serves MP9 where: the LSP registers its AS and FHIR base first (it is the server), then the VVT organisation
  await lsp.activate(serviceId, LSP_SUBJECT, { fhirBaseURL: `${lspInfo.url}/fhir` });
  await node.activate(serviceId, VVT_SUBJECT, { fhirBaseURL: `${vvtInfo.url}/fhir` });
  log(`  ✓ discovery service ${serviceId} on the LSP: ${LSP_SUBJECT} and ${VVT_SUBJECT} registered`);

  return {
    vvtOrg,
    vvtDid,
    lspDid,
    careWorkers: CARE_WORKERS,
    clients: readDemoFile().clients.map((c) => ({ bsn: c.bsn, name: `${c.given} ${c.family}`, birthDate: c.birthDate })),
  };
}
