// Attack: self-made credentials. A fresh did:jwk presents a proof-less (or self-signed) URA credential plus an employee
// credential, all issuer = subject = itself, to the LSP's and the VVT node's authorization servers; the revoked
// organisation tries the same through its own node's `credentials` + `credential_selection`; a vendor self-attests the
// pilot's governed ServiceProviderCredential. Every attempt must be refused before a token exists.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PILOT_VENDOR_SUBJECT, startNetwork, type Network } from '../../simulators/network/network.js';
import { PILOT_SCOPE } from '../../simulators/lsp/pilot-seed.js';
import { JWT_BEARER, JWT_BEARER_CLIENT_ASSERTION_TYPE } from '../../node/src/auth/jwtbearer.js';
import { networkPorts } from '../helpers/ports.js';
import { internal } from '../helpers/node.js';
import { SCOPE, employee, freshDidJwk, nodeSigner, organisation, selfMade, selfSigned, submissionByPosition, tokenRequest, vpJwt, type Signer } from './attacker.js';

const dir = mkdtempSync(path.join(tmpdir(), 'nll-sec-selfmade-'));
let net: Network;
let attacker: Signer;

beforeAll(async () => {
  net = await startNetwork({ datadir: dir, ports: await networkPorts(), inMemory: true, log: () => {}, logLevel: 'silent', dashboard: false, sourceTimeoutMs: 1000 });
  attacker = await freshDidJwk();
}, 60_000);
afterAll(async () => {
  await net?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const lspAs = () => `${net.lsp.node.url}/oauth2/lsp`;
const vvtAs = () => `${net.vvt.url}/oauth2/vvt`;

/** The attacker's token request at `as`: its credentials in descriptor order, mapped by position. */
async function attack(as: string, pdOwner: Network['vvt'], credentials: unknown[]) {
  const pd = pdOwner.policy.policies.definition(SCOPE);
  const formats = credentials.map((c) => (typeof c === 'string' ? 'jwt_vc' : 'ldp_vc'));
  const vp = await vpJwt(attacker, credentials, { aud: as });
  return tokenRequest(as, vp, submissionByPosition(pd, formats), `${as.replace(/\/oauth2\/.*/, '')}/oauth2/evil`);
}

/** Refused as OAuth says (400, an OAuth error, no token), and nothing the token would have opened is readable. */
function expectRefused(r: Awaited<ReturnType<typeof tokenRequest>>, why: RegExp) {
  expect(r.status, JSON.stringify(r.json)).toBe(400);
  expect(r.json.access_token).toBeUndefined();
  expect(['invalid_request', 'invalid_grant']).toContain(r.json.error);
  expect(r.json.error_description).toMatch(why);
}

describe('attack: self-made credentials', () => {
  it('proof-less URA + employee credentials from a fresh did:jwk get no token at the LSP, so no data', async () => {
    const r = await attack(lspAs(), net.lsp.node, [selfMade(attacker.did, 'NutsUraCredential', organisation('12345678')), selfMade(attacker.did, 'NutsEmployeeCredential', employee())]);
    expectRefused(r, /NutsUraCredential.*(no proof|self-attest)/);
  });

  it('the same at the VVT node: no token, no VV data', async () => {
    const r = await attack(vvtAs(), net.vvt, [selfMade(attacker.did, 'NutsUraCredential', organisation(net.seeded.vvtOrg.ura)), selfMade(attacker.did, 'NutsEmployeeCredential', employee())]);
    expectRefused(r, /NutsUraCredential.*(no proof|self-attest)/);
  });

  it('a URA credential the attacker signs itself is refused as untrusted at both authorization servers', async () => {
    for (const [as, node] of [[lspAs(), net.lsp.node], [vvtAs(), net.vvt]] as const) {
      const ura = await selfSigned(attacker, 'NutsUraCredential', organisation('12345678'));
      const r = await attack(as, node, [ura, selfMade(attacker.did, 'NutsEmployeeCredential', employee())]);
      expectRefused(r, /untrusted issuer/);
    }
  });

  it('the revoked organisation gets no fresh token through credentials + credential_selection', async () => {
    await net.lsp.scenarios.apply('revoked-organisation');
    try {
      const r = await internal(net.vvt, 'POST', '/internal/auth/v2/vvt/request-service-access-token', {
        authorization_server: lspAs(),
        scope: SCOPE,
        token_type: 'Bearer',
        credentials: [
          { '@context': ['https://www.w3.org/2018/credentials/v1', 'https://nuts.nl/credentials/v1'], type: ['VerifiableCredential', 'NutsUraCredential'], credentialSubject: { organization: { ura: net.seeded.vvtOrg.ura, name: 'Zelf Verklaard', city: 'Utrecht' } } },
          { '@context': ['https://www.w3.org/2018/credentials/v1', 'https://nuts.nl/credentials/v1'], type: ['VerifiableCredential', 'NutsEmployeeCredential'], credentialSubject: employee() },
        ],
        credential_selection: { organization_name: 'Zelf Verklaard' },
      });
      expect(r.status, r.text).toBeGreaterThanOrEqual(400);
      expect(r.json.access_token).toBeUndefined();
      // and without its node's client in the way: the same credentials signed with the organisation's own key
      const own = await nodeSigner(net.vvt, 'vvt');
      const pd = net.lsp.node.policy.policies.definition(SCOPE);
      const creds = [selfMade(own.did, 'NutsUraCredential', organisation(net.seeded.vvtOrg.ura, 'Zelf Verklaard')), selfMade(own.did, 'NutsEmployeeCredential', employee('30.000'))];
      const direct = await tokenRequest(lspAs(), await vpJwt(own, creds, { aud: lspAs() }), submissionByPosition(pd, ['ldp_vc', 'ldp_vc']), `${net.vvt.url}/oauth2/vvt`);
      expectRefused(direct, /NutsUraCredential.*(no proof|self-attest)/);
    } finally {
      await net.lsp.scenarios.apply('normal');
    }
  });

  it('pilot: a vendor that self-attests the governed ServiceProviderCredential gets no jwt-bearer token', async () => {
    const as = lspAs();
    const hcp = await nodeSigner(net.vvt, 'vvt');
    const sp = await nodeSigner(net.vvt, PILOT_VENDOR_SUBJECT);
    const wallet = async (subject: string, type: string) => (await net.vvt.vcr.wallet.search(subject, { type })) as unknown as string[];
    const hcpCred = (await wallet('vvt', 'HealthcareProviderCredential'))[0]!;
    const mandate = (await wallet('vvt', 'HealthCareProfessionalDelegationCredential'))[0]!;
    const enrolment = (await wallet('vvt', 'PatientEnrollmentCredential'))[0]!;
    const delegation = (await wallet(PILOT_VENDOR_SUBJECT, 'ServiceProviderDelegationCredential'))[0]!;
    for (const c of [hcpCred, mandate, enrolment, delegation]) expect(typeof c === 'string' ? decodeJwt(c).iss : undefined).toBeDefined();
    const forgedSp = selfMade(sp.did, 'ServiceProviderCredential', { name: 'Malafide Leverancier B.V.' });
    const res = await fetch(`${as}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: JWT_BEARER,
        assertion: await vpJwt(hcp, [hcpCred, mandate, enrolment], { aud: as, jti: randomUUID() }),
        client_assertion_type: JWT_BEARER_CLIENT_ASSERTION_TYPE,
        client_assertion: await vpJwt(sp, [forgedSp, delegation], { aud: as, jti: randomUUID() }),
        scope: PILOT_SCOPE,
      }).toString(),
    });
    const json = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
    expect(res.status, JSON.stringify(json)).toBe(400);
    expect(json.access_token).toBeUndefined();
    expect(json.error_description).toMatch(/ServiceProviderCredential.*(no proof|self-attest)/);
  });
});
