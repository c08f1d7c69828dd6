// Dezi care-worker identity on the real local network: login at the simulated Dezi (PKCE), token with the verklaring,
// data from the LSP deciding on the verified role, and each refusal with the OAuth error a supplier would see.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT, calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNetwork, summary, type Network } from '../../simulators/network/network.js';
import { DEZI_SCOPE, EMPLOYEE_SCOPE, EcdClient, mp9SearchPath } from '../../simulators/ecd/client.js';
import { deziLogin } from '../../simulators/dezi/login.js';
import { deziUserCredential, type WireCredential } from '../../node/src/vcr/index.js';
import { buildSubmission, matchDefinition } from '../../node/src/pe/index.js';
import { networkPorts } from '../helpers/ports.js';

const dir = mkdtempSync(path.join(tmpdir(), 'nll-dezi-'));
const CLIENT = '999911004';
let net: Network;

beforeAll(async () => {
  net = await startNetwork({ datadir: dir, ports: await networkPorts(), inMemory: true, dashboard: false, log: () => {}, logLevel: 'silent', sourceTimeoutMs: 1000 });
}, 60_000);
afterAll(async () => {
  await net?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const login = (careWorker: string, roleCode?: string) => deziLogin({ deziUrl: net.dezi.url, careWorker, roleCode });
const lspIssuer = () => `${net.lsp.node.url}/oauth2/lsp`;

/** The ECD's token call on its own node, as a supplier's ECD makes it: `id_token` = the verklaring. */
async function requestToken(idToken: string, scope = DEZI_SCOPE): Promise<{ status: number; body: Record<string, any> }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${net.vvt.internalUrl}/internal/auth/v2/vvt/request-service-access-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'cache-control': 'no-cache' },
    body: JSON.stringify({ authorization_server: lspIssuer(), scope, token_type: 'Bearer', id_token: idToken }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Straight to the LSP's token endpoint with a presentation of exactly `credentials`, to see its OAuth answer unfiltered. */
async function tokenWith(credentials: WireCredential[], scope = DEZI_SCOPE): Promise<{ status: number; body: { error?: string; error_description?: string; access_token?: string } }> {
  const pd = net.lsp.node.policy.policies.definition(scope);
  const match = matchDefinition(pd, credentials);
  const built = match.ok ? buildSubmission(pd, match.chosen, randomUUID()) : { submission: { id: randomUUID(), definition_id: pd.id, descriptor_map: [] }, credentials };
  const nonce = randomBytes(16).toString('base64url');
  const vp = await net.vvt.vcr.holder.createPresentation({ subjectOrDid: net.seeded.vvtDid, credentials: built.credentials, format: 'jwt_vp', audience: lspIssuer(), domain: lspIssuer(), nonce, challenge: nonce, lifetimeSeconds: 5 });
  const res = await fetch(`${lspIssuer()}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'vp_token-bearer', client_id: `${net.vvt.url}/oauth2/vvt`, assertion: typeof vp === 'string' ? vp : JSON.stringify(vp), presentation_submission: JSON.stringify(built.submission), scope }).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

const uraCredential = async () => (await net.vvt.vcr.wallet.search('vvt', { type: 'NutsUraCredential' }))[0]!;
const dezi = (verklaring: string) => deziUserCredential(verklaring, net.seeded.vvtDid);

async function introspect(token: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${net.lsp.node.internalUrl}/internal/auth/v2/accesstoken/introspect`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() });
  return (await res.json()) as Record<string, unknown>;
}

const search = (token: string, block: 'MA' | 'TA' | 'WDS' | 'MTD' = 'MA') => fetch(`${net.lsp.node.url}/fhir/${mp9SearchPath(block, CLIENT)}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } });

describe('Dezi login → token → LSP data, over HTTP', () => {
  it('npm start prints the simulated Dezi, its care workers and the --dezi command', () => {
    const text = summary(net);
    expect(text).toContain(`simulated Dezi  ${net.dezi.url}`);
    expect(text).toMatch(/pieter +Pieter de Boer +30\.000 +Dezi 900010006 {2}Dezi registration ended/);
    expect(text).toMatch(new RegExp(`ecd toedienlijst --node \\S+ --bsn \\d{9} --dezi chris --dezi-url ${net.dezi.url}`));
  });

  it('the ECD logs Chris in with Dezi and gets the administration list data with the verified role', async () => {
    const ecd = new EcdClient({ nodeUrl: net.vvt.internalUrl, subject: 'vvt', serviceId: 'mp9-medicatieoverdracht' });
    const r = await ecd.fetchMedicationData({ careWorker: { name: 'Chris Jansen', roleName: 'Verpleegkundige', identifier: 'chris', dezi: { deziUrl: net.dezi.url, careWorker: 'chris' } }, bsn: CLIENT });
    if (!r.ok) throw new Error(`${r.step}: ${r.reason}`);
    expect(r.steps.map((s) => s.name).slice(0, 3)).toEqual(['dezi-login', 'discovery', 'token']);
    expect(r.steps[0]!.detail).toMatch(/Dezi 900010001, role 30\.000/);
    expect(r.bundles.MA!.entry!.filter((e) => e.search?.mode === 'match').length).toBeGreaterThan(0);
  });

  it('introspection exposes the Dezi number, name, role and the organisation URA from Dezi; the audit names the Dezi care worker', async () => {
    const { verklaring } = await login('chris');
    expect(decodeProtectedHeader(verklaring)).toMatchObject({ alg: 'RS256', jku: net.dezi.jwksUri });
    expect(typeof decodeProtectedHeader(verklaring).kid).toBe('string');
    const t = await requestToken(verklaring);
    expect(t.status, JSON.stringify(t.body)).toBe(200);
    const info = await introspect(t.body.access_token);
    expect(info).toMatchObject({
      active: true,
      scope: DEZI_SCOPE,
      dezi_nummer: '900010001',
      employee_identifier: '900010001',
      employee_initials: 'C.',
      employee_surname: 'Jansen',
      employee_role_code: '30.000',
      dezi_organization_ura: net.seeded.vvtOrg.ura,
      organization_ura: net.seeded.vvtOrg.ura,
    });
    const res = await search(t.body.access_token, 'TA');
    expect(res.status).toBe(200);
    const records = (await (await fetch(`${net.lsp.node.internalUrl}/internal/audit/v1/records?user=900010001&event=fhir.search`)).json()) as { records: Array<{ actor: { userId: string; userName?: string; role?: { code: string }; responsible?: { id: string; role?: { code: string } }; organisation?: { ura: string } }; outcome: { code: string } }> };
    const last = records.records.at(-1)!;
    expect(last.outcome.code).toBe('0');
    expect(last.actor).toMatchObject({ userId: '900010001', userName: 'C. Jansen', role: { code: '30.000' }, responsible: { id: '900010001', role: { code: '30.000' } }, organisation: { ura: net.seeded.vvtOrg.ura } });
  });

  it("Mitz's consulter is the Dezi care worker at the verklaring's organisation", async () => {
    const t = await requestToken((await login('chris')).verklaring);
    await net.lsp.scenarios.apply('no-consent');
    try {
      const bundle = (await (await search(t.body.access_token, 'TA')).json()) as { entry: Array<{ resource: { resourceType: string; issue?: Array<{ diagnostics?: string }> } }> };
      const notes = bundle.entry.filter((e) => e.resource.resourceType === 'OperationOutcome').map((e) => e.resource.issue![0]!.diagnostics);
      expect(notes.length).toBeGreaterThan(0);
      for (const n of notes) expect(n).toMatch(new RegExp(`no consent \\(Mitz Deny\\) for care worker Dezi 900010001 \\(role 30\\.000\\) at ${net.seeded.vvtOrg.name}`));
    } finally {
      await net.lsp.scenarios.apply('normal');
    }
  });

  it('Dezi issues one verklaring per role: Noor logs in as verzorgende IG or as nurse', async () => {
    const asVig = await login('noor', 'VVT.003');
    const asNurse = await login('noor', '30.000');
    expect([asVig.roleCode, asNurse.roleCode]).toEqual(['VVT.003', '30.000']);
    expect(asVig.verklaringId).not.toBe(asNurse.verklaringId);
    const t = await requestToken(asVig.verklaring);
    expect(t.status).toBe(200);
    expect((await introspect(t.body.access_token)).employee_role_code).toBe('VVT.003');
  });

  it('the role matrix reads the Dezi role on /fhir: a verzorgende IG may read MA but not dispense requests (VV)', async () => {
    const t = await requestToken((await login('anna')).verklaring);
    expect(t.status).toBe(200);
    expect((await search(t.body.access_token, 'MA')).status).toBe(200);
    const vv = await fetch(`${net.lsp.node.url}/fhir/MedicationRequest?patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|${CLIENT}&category=http://snomed.info/sct|52711000146108`, { headers: { authorization: `Bearer ${t.body.access_token}` } });
    expect(vv.status).toBe(403);
    expect(JSON.stringify(await vv.json())).toMatch(/VVT\.001.*may not read VV/);
  });
});

describe('refusals with the OAuth error a supplier sees', () => {
  it('a verklaring signed under a key set not on the allow-list: invalid_grant', async () => {
    const { verklaring } = await login('chris');
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), alg: 'RS256' };
    const kid = await calculateJwkThumbprint(jwk);
    const server: Server = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [{ ...jwk, kid }] })));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const jku = `http://127.0.0.1:${(server.address() as { port: number }).port}/jwks.json`;
      const forged = await new SignJWT(decodeJwt(verklaring)).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid, jku }).sign(privateKey);
      const r = await tokenWith([await uraCredential(), dezi(forged)]);
      expect(r.status).toBe(400);
      expect(r.body.error).toBe('invalid_grant');
      expect(r.body.error_description).toMatch(/jku .* is not an allowed Dezi key set/);
    } finally {
      server.close();
    }
  });

  it('a verklaring whose claims were changed after Dezi signed it: invalid_grant (signature)', async () => {
    const { verklaring } = await login('anna');
    const [h, p, s] = verklaring.split('.');
    const claims = { ...JSON.parse(Buffer.from(p!, 'base64url').toString()), rol_code: '01.015', rol_naam: 'Huisarts' };
    const tampered = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    const r = await tokenWith([await uraCredential(), dezi(tampered)]);
    expect(r.body.error).toBe('invalid_grant');
    expect(r.body.error_description).toMatch(/verklaring signature is invalid/);
    // and through the node, as the ECD sees it
    const viaNode = await requestToken(tampered);
    expect(viaNode.status).toBe(400);
    expect(viaNode.body.detail).toMatch(/returned invalid_grant: .*signature/);
  });

  it('an expired verklaring (Pieter’s Dezi registration ended): invalid_grant', async () => {
    const { verklaring } = await login('pieter');
    const r = await requestToken(verklaring);
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/returned invalid_grant: .*\(expired\): verklaring [0-9a-f-]+ is expired/);
  });

  it('a verklaring of another organisation (Eva works at the GP practice): invalid_grant', async () => {
    const { verklaring } = await login('eva');
    const r = await tokenWith([await uraCredential(), dezi(verklaring)]);
    expect(r.body.error).toBe('invalid_grant');
    expect(r.body.error_description).toMatch(new RegExp(`URA 90000101 \\(abonnee_nummer\\), but the presenting organisation is URA ${net.seeded.vvtOrg.ura}`));
  });

  it('a role the matrix grants nothing (Sam, domestic care): invalid_scope', async () => {
    const { verklaring } = await login('sam');
    const r = await tokenWith([await uraCredential(), dezi(verklaring)]);
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_scope');
    expect(r.body.error_description).toMatch(/role 'VVT\.005' has no entry in the authorisation matrix/);
  });

  it('a DeziUserCredential presented alone: invalid_request, also under the self-declared scope', async () => {
    const { verklaring } = await login('chris');
    for (const scope of [DEZI_SCOPE, EMPLOYEE_SCOPE]) {
      const r = await tokenWith([dezi(verklaring)], scope);
      expect(r.status, scope).toBe(400);
      expect(r.body.error, scope).toBe('invalid_request');
      expect(r.body.error_description, scope).toMatch(/never accepted on its own/);
    }
  });

  it('the same presentation with the organisation credential is granted (the refusals above are about Dezi, not the set-up)', async () => {
    const { verklaring } = await login('chris');
    const r = await tokenWith([await uraCredential(), dezi(verklaring)]);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.access_token).toBeTruthy();
  });

  it('revoked-dezi-declaration: a revoked verklaring gets invalid_grant, and a token granted on it before stops working', async () => {
    const { verklaring } = await login('chris');
    const before = await requestToken(verklaring);
    expect(before.status).toBe(200);
    expect((await search(before.body.access_token)).status).toBe(200);
    const applied = await fetch(`${net.lsp.node.internalUrl}/internal/lsp/v1/scenarios/revoked-dezi-declaration`, { method: 'POST' });
    expect(applied.status).toBe(200);
    try {
      const r = await requestToken(verklaring);
      expect(r.status).toBe(400);
      expect(r.body.detail).toMatch(/returned invalid_grant: .*\(revoked\): verklaring [0-9a-f-]+ is revoked/);
      const res = await search(before.body.access_token);
      expect(res.status).toBe(401);
      // another care worker is unaffected
      expect((await requestToken((await login('anna')).verklaring)).status).toBe(200);
    } finally {
      await net.lsp.scenarios.apply('normal');
    }
    expect((await requestToken((await login('chris')).verklaring)).status).toBe(200);
  });
});
