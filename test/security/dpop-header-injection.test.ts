// Attack: DPoP proofs whose htm/htu carry CR/LF or characters outside Latin-1, to split the response headers the
// resource server writes (WWW-Authenticate echoes the refusal) or to crash it into a 500.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNetwork, type Network } from '../../simulators/network/network.js';
import { internal } from '../helpers/node.js';
import { networkPorts } from '../helpers/ports.js';
import { rawRequest } from './attacker.js';

const dir = mkdtempSync(path.join(tmpdir(), 'nll-dpop-'));
let net: Network;
let token: string;
let kid: string;

beforeAll(async () => {
  net = await startNetwork({ datadir: dir, ports: await networkPorts(), inMemory: true, dashboard: false, log: () => {}, logLevel: 'silent' });
  const w = net.seeded.careWorkers[0]!;
  const employee = { '@context': ['https://www.w3.org/2018/credentials/v1', 'https://nuts.nl/credentials/v1'], type: ['VerifiableCredential', 'NutsEmployeeCredential'], credentialSubject: { name: w.name, roleName: w.roleName, roleCode: w.roleCode, identifier: w.id } };
  const t = await internal(net.vvt, 'POST', '/internal/auth/v2/vvt/request-service-access-token', { authorization_server: `${net.lsp.node.url}/oauth2/lsp`, scope: 'medicatieoverdracht-employee', token_type: 'DPoP', credentials: [employee] });
  expect(t.status, t.text).toBe(200);
  token = t.json.access_token;
  kid = t.json.dpop_kid;
}, 60_000);
afterAll(async () => {
  await net?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A proof the token's own key signs (the attacker holds a stolen token and its key, or is the client itself). */
async function proof(htm: string, htu: string): Promise<string> {
  const r = await internal(net.vvt, 'POST', `/internal/auth/v2/dpop/${encodeURIComponent(kid)}`, { htm, htu, token });
  expect(r.status, r.text).toBe(200);
  return r.json.dpop as string;
}

const searchUrl = () => `${net.lsp.node.url}/fhir/MedicationDispense?patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|${net.seeded.clients[0]!.bsn}&category=http://snomed.info/sct|422037009`;

describe('DPoP proofs with header-splitting or non-Latin-1 htm/htu at the resource server', () => {
  it.each([
    ['htu with CR/LF', 'GET', (u: string) => `${u}\r\nX-Injected: yes`],
    ['htu with a lone LF', 'GET', (u: string) => `${u}\nX-Injected: yes`],
    ['htu outside Latin-1', 'GET', (u: string) => `${u}€中`],
    ['htm with CR/LF', 'GET\r\nX-Injected: yes', (u: string) => u],
    ['htm outside Latin-1', 'GÉT€', (u: string) => u],
  ])('%s: 400 OperationOutcome, no injected header, no 5xx', async (_name, htm, htu) => {
    const url = searchUrl();
    const r = await rawRequest(url, 'GET', { authorization: `DPoP ${token}`, dpop: await proof(htm, htu(url.split('?')[0]!)), accept: 'application/fhir+json' });
    expect(r.status, r.text).toBe(400);
    expect(r.headers['x-injected']).toBeUndefined();
    const body = JSON.parse(r.text) as { resourceType: string; issue: Array<{ code: string; diagnostics: string }> };
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0]!.diagnostics).toMatch(/DPoP proof (htm|htu) is malformed/);
    // the challenge is still written, as plain printable ASCII
    expect(String(r.headers['www-authenticate'])).toMatch(/^DPoP error="invalid_dpop_proof"/);
    expect(String(r.headers['www-authenticate'])).toMatch(/^[\x20-\x7e]*$/);
  });

  it('the token still works with a proper proof afterwards (the bad proofs spent nothing it needs)', async () => {
    const url = searchUrl();
    const r = await rawRequest(url, 'GET', { authorization: `DPoP ${token}`, dpop: await proof('GET', url.split('?')[0]!), accept: 'application/fhir+json' });
    expect(r.status, r.text).toBe(200);
  });

});
