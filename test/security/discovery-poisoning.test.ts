// Attack: discovery poisoning. An outsider registers a service named "LSP (Landelijk Schakelpunt)" on the LSP's
// discovery server with self-made credentials, hoping the ECD sends its presentation and its clients' BSNs there. The
// registration must be refused with the reason, and the ECD must find the real LSP by its URA, never by a name.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCOVERY_SERVICE, startNetwork, type Network } from '../../simulators/network/network.js';
import { LSP_CONFIG_DEFAULTS } from '../../simulators/lsp/main.js';
import { EcdClient } from '../../simulators/ecd/client.js';
import type { LabNode } from '../../node/src/main.js';
import { networkPorts } from '../helpers/ports.js';
import { internal, startTestNode } from '../helpers/node.js';
import { nodeSigner, organisation, selfMade, selfSigned, vpJwt, type Signer } from './attacker.js';

const dir = mkdtempSync(path.join(tmpdir(), 'nll-sec-discovery-'));
let net: Network;
let evilNode: LabNode;
let evil: Signer;
const FAKE_NAME = 'LSP (Landelijk Schakelpunt)';

beforeAll(async () => {
  // the attacker runs a node of its own: a did:web it controls, and endpoints that would collect what the ECD sends
  evilNode = await startTestNode('evil');
  await internal(evilNode, 'POST', '/internal/vdr/v2/subject', { subject: 'evil' });
  evil = await nodeSigner(evilNode, 'evil');
  // its host stands in for a public https host, so the network's nodes may resolve it (vdr.httpHosts)
  net = await startNetwork({ datadir: dir, ports: await networkPorts(), inMemory: true, log: () => {}, logLevel: 'silent', dashboard: false, sourceTimeoutMs: 1000, trustedHosts: [new URL(evilNode.url).host] });
}, 60_000);
afterAll(async () => {
  await evilNode?.stop();
  await net?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const registrationParameters = () => selfMade(evil.did, 'DiscoveryRegistrationCredential', { authServerURL: `${evilNode.url}/oauth2/evil`, fhirBaseURL: `${evilNode.url}/fhir` });

async function register(organisationCredential: unknown) {
  const vp = await vpJwt(evil, [organisationCredential, registrationParameters()], { aud: DISCOVERY_SERVICE });
  const res = await fetch(`${net.lsp.node.url}/discovery/${DISCOVERY_SERVICE}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(vp) });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

/** What the VVT node's discovery client lists once it has pulled the server's list. */
async function listed(query: string) {
  await net.vvt.discovery.refreshNow();
  const r = await internal(net.vvt, 'GET', `/internal/discovery/v1/${DISCOVERY_SERVICE}?${query}`);
  expect(r.status).toBe(200);
  return r.json as Array<{ credential_subject_id: string }>;
}

describe('attack: discovery poisoning', () => {
  it('a registration with a proof-less URA credential is refused with the reason', async () => {
    const r = await register(selfMade(evil.did, 'NutsUraCredential', organisation('66666666', FAKE_NAME)));
    expect(r.status, r.text).toBe(400);
    expect(r.type).toContain('application/problem+json');
    expect(JSON.parse(r.text).detail).toMatch(/NutsUraCredential.*(no proof|self-attest)/);
  });

  it('a registration with a URA credential the attacker signed itself is refused as untrusted', async () => {
    const r = await register(await selfSigned(evil, 'NutsUraCredential', organisation('66666666', FAKE_NAME)));
    expect(r.status, r.text).toBe(400);
    expect(JSON.parse(r.text).detail).toMatch(/untrusted issuer/);
  });

  it('the fake LSP is not listed, and the ECD finds the real LSP by its URA', async () => {
    const byName = await listed('credentialSubject.organization.name=LSP*');
    expect(byName.map((e) => e.credential_subject_id)).not.toContain(evil.did);
    const lsp = await new EcdClient({ nodeUrl: net.vvt.internalUrl, subject: 'vvt', serviceId: DISCOVERY_SERVICE }).discoverLsp();
    expect(lsp).toMatchObject({ did: net.seeded.lspDid, ura: LSP_CONFIG_DEFAULTS.organization.ura, fhirBaseURL: `${net.lsp.node.url}/fhir` });
  });

  it('an ECD told another URA does not fall back to whatever is listed', async () => {
    const client = new EcdClient({ nodeUrl: net.vvt.internalUrl, subject: 'vvt', serviceId: DISCOVERY_SERVICE, lspUra: '66666666' });
    await expect(client.discoverLsp()).rejects.toMatchObject({ code: 'lsp_not_found' });
  });
});
