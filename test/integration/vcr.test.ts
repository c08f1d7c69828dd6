// VCR v2 over real HTTP between two nodes: issue on one, hold and verify on the other, revoke, and the status list crosses HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { sql } from 'kysely';
import { internal, startTestNode } from '../helpers/node.js';
import { auditRecords } from '../helpers/audit.js';

let issuerNode: LabNode;
let verifierNode: LabNode;
let verifierOffset = 0;
let org: string;
let holder: string;

beforeAll(async () => {
  // an issuer that lets verifiers cache its lists for a day: only the verifier's upper bound (15 min) limits them
  issuerNode = await startTestNode('issuer', { vcr: { statusList: { maxAgeSeconds: 86_400 } } });
  // the verifier's clock is ours to move, so a cached status list can age out
  verifierNode = await startTestNode('verifier', {}, { clock: () => Date.now() + verifierOffset });
  org = (await internal(issuerNode, 'POST', '/internal/vdr/v2/subject', { subject: 'zorg' })).json.documents[0].id;
  holder = (await internal(verifierNode, 'POST', '/internal/vdr/v2/subject', { subject: 'vvt' })).json.documents[0].id;
});
afterAll(async () => {
  await issuerNode?.stop();
  await verifierNode?.stop();
});

const ura = (subject: string, format: string, extra: Record<string, unknown> = {}, issuer = org) => ({
  type: 'NutsUraCredential',
  issuer,
  credentialSubject: { id: subject, organization: { ura: '12345678', name: 'Zorggroep De Linde', city: 'Utrecht' } },
  format,
  withStatusList2021Revocation: true,
  ...extra,
});

for (const format of ['jwt_vc', 'ldp_vc'] as const) {
  describe(`NutsUraCredential as ${format}`, () => {
    it('issue → wallet → verify (valid) → revoke → verify (revoked, list fetched over HTTP)', async () => {
      // an issuer per format, so each has its own status list that the verifier has not cached yet
      const org = (await internal(issuerNode, 'POST', '/internal/vdr/v2/subject', { subject: `zorg-${format}` })).json.documents[0].id;
      const issued = await internal(issuerNode, 'POST', '/internal/vcr/v2/issuer/vc', ura(holder, format, {}, org));
      expect(issued.status).toBe(200);
      const vc = issued.json;
      if (format === 'jwt_vc') expect(typeof vc).toBe('string');
      else expect(vc.proof.type).toBe('JsonWebSignature2020');

      expect((await internal(verifierNode, 'POST', '/internal/vcr/v2/holder/vvt/vc', JSON.stringify(vc))).status).toBe(204);
      const wallet = await internal(verifierNode, 'GET', '/internal/vcr/v2/holder/vvt/vc/search?type=NutsUraCredential');
      expect(wallet.json.verifiableCredentials.map((x: { verifiableCredential: unknown }) => x.verifiableCredential)).toContainEqual(vc);

      // nuts-node v6.2.10: the trust list concerns did:nuts issuers; a did:web issuer's credential verifies on its
      // signature, dates and status (trust in it is a policy's issuer constraint), trusted or not
      expect((await internal(verifierNode, 'GET', '/internal/vcr/v2/verifier/NutsUraCredential/trusted')).json).not.toContain(org);
      const untrusted = await internal(verifierNode, 'POST', '/internal/vcr/v2/verifier/vc', { verifiableCredential: vc });
      expect(untrusted.json).toEqual({ validity: true });
      expect((await internal(verifierNode, 'POST', '/internal/vcr/v2/verifier/trust', { issuer: org, credentialType: 'NutsUraCredential' })).status).toBe(204);
      expect((await internal(verifierNode, 'GET', '/internal/vcr/v2/verifier/NutsUraCredential/trusted')).json).toEqual([org]);

      const fetchesBefore = verifierNode.vcr.revocation.stats.fetches;
      expect((await internal(verifierNode, 'POST', '/internal/vcr/v2/verifier/vc', { verifiableCredential: vc })).json).toEqual({ validity: true });
      expect(verifierNode.vcr.revocation.stats.fetches).toBe(fetchesBefore);

      const id = format === 'jwt_vc' ? JSON.parse(Buffer.from(vc.split('.')[1], 'base64url').toString()).jti : vc.id;
      expect((await internal(issuerNode, 'DELETE', `/internal/vcr/v2/issuer/vc/${encodeURIComponent(id)}`)).status).toBe(204);
      expect((await internal(issuerNode, 'DELETE', `/internal/vcr/v2/issuer/vc/${encodeURIComponent(id)}`)).status).toBe(409);

      // still cached on the verifier: the list is only fetched again once the cache ages out, at the latest after the
      // verifier's upper bound of 15 minutes although the issuer allowed a day
      expect((await internal(verifierNode, 'POST', '/internal/vcr/v2/verifier/vc', { verifiableCredential: vc })).json.validity).toBe(true);
      verifierOffset += 14 * 60_000;
      expect((await internal(verifierNode, 'POST', '/internal/vcr/v2/verifier/vc', { verifiableCredential: vc })).json.validity).toBe(true);
      verifierOffset += 2 * 60_000;
      const after = await internal(verifierNode, 'POST', '/internal/vcr/v2/verifier/vc', { verifiableCredential: vc });
      expect(after.json).toMatchObject({ validity: false, reason: 'revoked' });
      expect(after.json.message).toContain('revoked');
      expect(verifierNode.vcr.revocation.stats.fetches).toBe(fetchesBefore + 1);
      verifierOffset = 0;
      expect((await internal(verifierNode, 'DELETE', '/internal/vcr/v2/verifier/trust', { issuer: org, credentialType: 'NutsUraCredential' })).status).toBe(204);
      expect((await internal(verifierNode, 'GET', '/internal/vcr/v2/verifier/NutsUraCredential/untrusted')).json).toContain(org);
      expect((await internal(verifierNode, 'GET', '/internal/vcr/v2/verifier/NutsUraCredential/trusted')).json).not.toContain(org);
    });
  });
}

describe('status lists', () => {
  it('serves a signed StatusList2021Credential valid for 24 h', async () => {
    const vc = (await internal(issuerNode, 'POST', '/internal/vcr/v2/issuer/vc', ura(holder, 'jwt_vc'))).json;
    const entry = JSON.parse(Buffer.from(vc.split('.')[1], 'base64url').toString()).vc.credentialStatus;
    expect(entry).toMatchObject({ type: 'StatusList2021Entry', statusPurpose: 'revocation' });
    const list = await (await fetch(entry.statusListCredential)).json();
    expect(list.type).toContain('StatusList2021Credential');
    expect(Date.parse(list.expirationDate) - Date.parse(list.issuanceDate)).toBe(24 * 3600_000);
    expect((await verifierNode.vcr.verifier.verifyCredential(list)).valid).toBe(true);
  });
  it('BitstringStatusList works the same way', async () => {
    const vc = (await internal(issuerNode, 'POST', '/internal/vcr/v2/issuer/vc', ura(holder, 'jwt_vc', { withStatusList2021Revocation: false, withBitstringStatusListRevocation: true }))).json;
    const claims = JSON.parse(Buffer.from(vc.split('.')[1], 'base64url').toString());
    expect(claims.vc.credentialStatus).toMatchObject({ type: 'BitstringStatusListEntry' });
    expect((await verifierNode.vcr.verifier.verifyCredential(vc)).valid).toBe(true);
    await internal(issuerNode, 'DELETE', `/internal/vcr/v2/issuer/vc/${encodeURIComponent(claims.jti)}`);
    verifierOffset += 16 * 60_000;
    expect(await verifierNode.vcr.verifier.verifyCredential(vc)).toMatchObject({ valid: false, code: 'revoked' });
    verifierOffset = 0;
  });
  it("a verifier refetches after the issuer's max-age: a revocation shows within seconds, not 15 minutes", async () => {
    const quick = await startTestNode('quick-issuer', { vcr: { statusList: { maxAgeSeconds: 30 } } });
    try {
      const did = (await internal(quick, 'POST', '/internal/vdr/v2/subject', { subject: 'lab-issuer' })).json.documents[0].id;
      const vc = (await internal(quick, 'POST', '/internal/vcr/v2/issuer/vc', ura(holder, 'jwt_vc', {}, did))).json;
      const entry = JSON.parse(Buffer.from(vc.split('.')[1], 'base64url').toString()).vc;
      expect((await fetch(entry.credentialStatus.statusListCredential)).headers.get('cache-control')).toBe('max-age=30');
      expect((await verifierNode.vcr.verifier.verifyCredential(vc)).valid).toBe(true);
      await internal(quick, 'DELETE', `/internal/vcr/v2/issuer/vc/${encodeURIComponent(entry.jti ?? JSON.parse(Buffer.from(vc.split('.')[1], 'base64url').toString()).jti)}`);
      expect((await verifierNode.vcr.verifier.verifyCredential(vc)).valid).toBe(true); // within max-age: the cached list
      verifierOffset += 31_000;
      expect(await verifierNode.vcr.verifier.verifyCredential(vc)).toMatchObject({ valid: false, code: 'revoked' });
    } finally {
      verifierOffset = 0;
      await quick.stop();
    }
  });
  it('a node serves its own lists with the short default max-age of the lab (5 s)', async () => {
    const plain = await startTestNode('plain-issuer');
    try {
      const did = (await internal(plain, 'POST', '/internal/vdr/v2/subject', { subject: 'x' })).json.documents[0].id;
      const vc = (await internal(plain, 'POST', '/internal/vcr/v2/issuer/vc', ura(holder, 'jwt_vc', {}, did))).json;
      const url = JSON.parse(Buffer.from(vc.split('.')[1], 'base64url').toString()).vc.credentialStatus.statusListCredential;
      expect((await fetch(url)).headers.get('cache-control')).toBe('max-age=5');
    } finally {
      await plain.stop();
    }
  });
  it('an unknown list page is a 404 problem', async () => {
    const res = await fetch(`${issuerNode.url}/statuslist/${encodeURIComponent(org)}/99`);
    expect(res.status).toBe(404);
  });
});

describe('presentations', () => {
  let vcJwt: string;
  beforeAll(async () => {
    vcJwt = (await internal(issuerNode, 'POST', '/internal/vcr/v2/issuer/vc', { ...ura(holder, 'jwt_vc'), withStatusList2021Revocation: false, expirationDate: new Date(Date.now() + 3600_000).toISOString() })).json;
    // verifier/vp answers for signature, issuer and revocation: the verifier trusts this issuer for URA credentials
    expect((await internal(verifierNode, 'POST', '/internal/vcr/v2/verifier/trust', { issuer: org, credentialType: 'NutsUraCredential' })).status).toBe(204);
  });

  it('verifier/vp refuses a presentation whose credential comes from an untrusted issuer', async () => {
    const vp = await verifierNode.vcr.holder.createPresentation({ subjectOrDid: 'vvt', credentials: [vcJwt], format: 'jwt_vp' });
    expect((await internal(verifierNode, 'DELETE', '/internal/vcr/v2/verifier/trust', { issuer: org, credentialType: 'NutsUraCredential' })).status).toBe(204);
    try {
      const r = await internal(verifierNode, 'POST', '/internal/vcr/v2/verifier/vp', { verifiablePresentation: vp });
      expect(r.json).toMatchObject({ validity: false, reason: 'untrusted_issuer' });
      expect(r.json.message).toContain(`${org} is not trusted for NutsUraCredential`);
    } finally {
      await internal(verifierNode, 'POST', '/internal/vcr/v2/verifier/trust', { issuer: org, credentialType: 'NutsUraCredential' });
    }
    expect((await internal(verifierNode, 'POST', '/internal/vcr/v2/verifier/vp', { verifiablePresentation: vp })).json.validity).toBe(true);
  });

  it('a jwt_vp made by the holder verifies with nonce and audience', async () => {
    const vp = (await internal(verifierNode, 'POST', '/internal/vcr/v2/holder/vp', { verifiableCredentials: [vcJwt], format: 'jwt_vp', nonce: 'n-1', audience: 'https://as.example/oauth2/x', expires: new Date(Date.now() + 60_000).toISOString() })).json;
    const ok = await internal(verifierNode, 'POST', '/internal/vcr/v2/verifier/vp', { verifiablePresentation: vp, nonce: 'n-1', audience: 'https://as.example/oauth2/x' });
    expect(ok.json.validity).toBe(true);
    expect(ok.json.credentials).toEqual([vcJwt]);
    const wrong = await internal(verifierNode, 'POST', '/internal/vcr/v2/verifier/vp', { verifiablePresentation: vp, nonce: 'other' });
    expect(wrong.json).toMatchObject({ validity: false, reason: 'nonce' });
    const aud = await verifierNode.vcr.verifier.verifyPresentation(vp, { audience: 'https://elsewhere' });
    expect(aud).toMatchObject({ valid: false, code: 'audience' });
  });

  it('an ldp_vp with challenge and domain verifies', async () => {
    const ld = (await internal(issuerNode, 'POST', '/internal/vcr/v2/issuer/vc', ura(holder, 'ldp_vc'))).json;
    const vp = await verifierNode.vcr.holder.createPresentation({ credentials: [ld], format: 'ldp_vp', challenge: 'c-1', domain: 'as.example', lifetimeSeconds: 60 });
    expect((await verifierNode.vcr.verifier.verifyPresentation(vp, { challenge: 'c-1', domain: 'as.example' })).valid).toBe(true);
    expect(await verifierNode.vcr.verifier.verifyPresentation(vp, { challenge: 'c-2' })).toMatchObject({ valid: false, code: 'challenge' });
  });

  it('a credential about someone else makes the presentation invalid: subject is not the holder', async () => {
    const other = (await internal(issuerNode, 'POST', '/internal/vcr/v2/issuer/vc', ura(org, 'jwt_vc'))).json;
    const vp = await verifierNode.vcr.holder.createPresentation({ subjectOrDid: 'vvt', credentials: [other], format: 'jwt_vp' });
    const r = await internal(verifierNode, 'POST', '/internal/vcr/v2/verifier/vp', { verifiablePresentation: vp });
    expect(r.json).toMatchObject({ validity: false, reason: 'subject_not_holder' });
    expect(r.json.message).toContain('subject is not the holder');
  });

  it('a valid VP wrapping a forged credential is rejected', async () => {
    const [h, p] = vcJwt.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    claims.vc.credentialSubject.organization.ura = '87654321';
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${vcJwt.split('.')[2]}`;
    const vp = await verifierNode.vcr.holder.createPresentation({ credentials: [forged], format: 'jwt_vp' });
    expect(await verifierNode.vcr.verifier.verifyPresentation(vp)).toMatchObject({ valid: false, code: 'signature' });
  });
});

describe('issuing rules and errors', () => {
  it('rejects a URA that is not 8 digits, naming the field', async () => {
    const res = await internal(issuerNode, 'POST', '/internal/vcr/v2/issuer/vc', { ...ura(holder, 'jwt_vc'), credentialSubject: { id: holder, organization: { ura: '123', name: 'X' } } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.json.detail).toContain('credentialSubject.organization.ura');
  });
  it('issues a care-worker role credential only with a catalogue role', async () => {
    const base = { type: 'CareWorkerRoleCredential', issuer: org, format: 'ldp_vc', expirationDate: new Date(Date.now() + 86400_000).toISOString() };
    const ok = await internal(issuerNode, 'POST', '/internal/vcr/v2/issuer/vc', { ...base, credentialSubject: { id: org, careWorker: { identifier: 'emp-1', name: 'J. Jansen', roleCode: 'VVT.002', roleName: 'Helpende zorg en welzijn (niveau 2)' } } });
    expect(ok.status).toBe(200);
    expect((await issuerNode.vcr.verifier.verifyCredential(ok.json)).valid).toBe(true);
    const bad = await internal(issuerNode, 'POST', '/internal/vcr/v2/issuer/vc', { ...base, credentialSubject: { id: org, careWorker: { identifier: 'emp-1', name: 'J. Jansen', roleCode: '42.000' } } });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toContain("role code '42.000'");
    const big = await internal(issuerNode, 'POST', '/internal/vcr/v2/issuer/vc', { ...base, credentialSubject: { id: org, careWorker: { identifier: 'e', name: 'n', roleCode: '86.000', bigNumber: '12345678901' } } });
    expect(big.json.detail).toContain('no BIG registration');
  });
  it('requires expirationDate or revocation, and an issuer of this node', async () => {
    // nuts-node v6.2.10: "withStatusList2021Revocation and/or expirationDate MUST be set"; false is an answer
    const { withStatusList2021Revocation: _w, ...neither } = ura(holder, 'jwt_vc') as Record<string, unknown>;
    expect((await internal(issuerNode, 'POST', '/internal/vcr/v2/issuer/vc', neither)).json.detail).toContain('expirationDate');
    expect((await internal(issuerNode, 'POST', '/internal/vcr/v2/issuer/vc', { ...ura(holder, 'jwt_vc'), withStatusList2021Revocation: false })).status).toBe(200);
    expect((await internal(issuerNode, 'POST', '/internal/vcr/v2/issuer/vc', { ...ura(holder, 'jwt_vc'), issuer: holder })).status).toBe(400);
  });
  it('searches issued credentials by type, issuer and subject', async () => {
    const res = await internal(issuerNode, 'GET', `/internal/vcr/v2/issuer/vc/search?credentialType=NutsUraCredential&issuer=${encodeURIComponent(org)}&subject=${encodeURIComponent(holder)}`);
    expect(res.status).toBe(200);
    expect(res.json.verifiableCredentials.length).toBeGreaterThan(2);
    expect(res.json.verifiableCredentials.some((x: { revocation?: unknown }) => x.revocation)).toBe(true);
    expect((await internal(issuerNode, 'GET', '/internal/vcr/v2/issuer/vc/search')).status).toBe(400);
  });
  it('wallet errors: unknown subject 404, bad body 400, remove then 404', async () => {
    expect((await internal(verifierNode, 'GET', '/internal/vcr/v2/holder/nobody/vc')).status).toBe(404);
    expect((await internal(verifierNode, 'POST', '/internal/vcr/v2/holder/vvt/vc', { not: 'a credential' })).status).toBe(400);
    const vc = (await internal(issuerNode, 'POST', '/internal/vcr/v2/issuer/vc', ura(holder, 'jwt_vc'))).json;
    expect((await internal(verifierNode, 'POST', '/internal/vcr/v2/holder/vvt/vc', JSON.stringify(vc))).status).toBe(204);
    const id = JSON.parse(Buffer.from(vc.split('.')[1], 'base64url').toString()).jti;
    expect((await internal(verifierNode, 'DELETE', `/internal/vcr/v2/holder/vvt/vc/${encodeURIComponent(id)}`)).status).toBe(204);
    expect((await internal(verifierNode, 'DELETE', `/internal/vcr/v2/holder/vvt/vc/${encodeURIComponent(id)}`)).status).toBe(404);
  });
});

describe('NEN 7513 records of issuance and revocation', () => {
  it('neither issues nor revokes while the audit log cannot be written (503), and records both once it can', async () => {
    const issuer = (await internal(issuerNode, 'POST', '/internal/vdr/v2/subject', { subject: 'zorg-audit' })).json.documents[0].id;
    const issuedBefore = async () => (await internal(issuerNode, 'GET', `/internal/vcr/v2/issuer/vc/search?credentialType=NutsUraCredential&issuer=${encodeURIComponent(issuer)}`)).json.verifiableCredentials.length;
    await sql`CREATE TRIGGER audit_full BEFORE INSERT ON audit_records BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`.execute(issuerNode.store.db.db);
    try {
      const refused = await internal(issuerNode, 'POST', '/internal/vcr/v2/issuer/vc', ura(holder, 'jwt_vc', {}, issuer));
      expect(refused.status).toBe(503);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
    } finally {
      await sql`DROP TRIGGER audit_full`.execute(issuerNode.store.db.db);
    }
    expect(await issuedBefore()).toBe(0);
    const vc = (await internal(issuerNode, 'POST', '/internal/vcr/v2/issuer/vc', ura(holder, 'jwt_vc', {}, issuer))).json as string;
    const id = JSON.parse(Buffer.from(vc.split('.')[1]!, 'base64url').toString()).jti as string;
    expect(await auditRecords(issuerNode, { event: 'vcr.issue' })).toContainEqual(expect.objectContaining({ action: 'C', object: expect.objectContaining({ type: 'NutsUraCredential', id }) }));
    await sql`CREATE TRIGGER audit_full BEFORE INSERT ON audit_records BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`.execute(issuerNode.store.db.db);
    try {
      expect((await internal(issuerNode, 'DELETE', `/internal/vcr/v2/issuer/vc/${encodeURIComponent(id)}`)).status).toBe(503);
    } finally {
      await sql`DROP TRIGGER audit_full`.execute(issuerNode.store.db.db);
    }
    // not revoked: the second attempt succeeds (a revoked credential would answer 409) and is recorded
    expect((await internal(issuerNode, 'DELETE', `/internal/vcr/v2/issuer/vc/${encodeURIComponent(id)}`)).status).toBe(204);
    expect((await auditRecords(issuerNode, { event: 'vcr.revoke' })).filter((r) => r.object?.id === id)).toMatchObject([{ action: 'U', outcome: { code: '0' } }]);
  });
});
