// Starts the simulated TVS and the client portal next to a running network, over the nodes' internal APIs.
import { createTvs, seedPeople } from '../../tvs/index.js';
import { loadCatalogue } from '../../lsp/mitz.js';
import type { LspApi, NodeApi } from '../../shared/node-api.js';
import type { Seeded } from '../seed.js';
import { createPortalKeys, portalClientRegistration, TvsRelyingParty } from './oidc.js';
import { createPortal } from './server.js';

export interface RunningPortal {
  url: string;
  tvsUrl: string;
  close(): Promise<void>;
}

export const PORTAL_CLIENT_ID = 'nuts-lsp-lab-client-portal';

export async function wirePortal(o: { node: NodeApi; lsp: LspApi; seeded: Seeded; ports: { tvs: number; portal: number }; host?: string }): Promise<RunningPortal> {
  const host = o.host ?? '127.0.0.1';
  const [nodeName, lspName, addressBook] = await Promise.all([
    o.node.diagnostics().then((d) => d.name),
    o.lsp.diagnostics().then((d) => d.name),
    o.lsp.addressBook(),
  ]);
  const organisations = new Map<string, string>([...addressBook.map((a) => [a.ura, a.name] as [string, string]), [o.seeded.vvtOrg.ura, o.seeded.vvtOrg.name]]);
  const keys = await createPortalKeys();
  const clients: Parameters<typeof createTvs>[0]['clients'] = [];
  const tvs = await createTvs({ people: seedPeople(o.seeded.clients), clients }).then((t) => t.listen(o.ports.tvs, host));
  let rp: TvsRelyingParty | undefined;
  const portal = createPortal({
    rp: () => rp!,
    nodes: [
      { name: nodeName, label: `${o.seeded.vvtOrg.name} (VVT)`, api: o.node },
      { name: lspName, label: 'LSP', api: o.lsp },
    ],
    lsp: o.lsp,
    lspNode: lspName,
    clients: o.seeded.clients,
    organisations,
    catalogue: loadCatalogue(),
  });
  const running = await portal.listen(o.ports.portal, host);
  const redirectUri = `${running.url}/callback`;
  // registered at TVS as a party that may receive the BSN (a care provider's portal), with its own keys
  clients.push(portalClientRegistration({ clientId: PORTAL_CLIENT_ID, name: `Cliëntportaal ${o.seeded.vvtOrg.name}`, redirectUri, keys }));
  rp = new TvsRelyingParty({ tvsUrl: tvs.url, clientId: PORTAL_CLIENT_ID, redirectUri, keys });
  return {
    url: running.url,
    tvsUrl: tvs.url,
    async close() {
      await running.close();
      await tvs.close();
    },
  };
}
