// RFC022 over real HTTP: Lamport timestamps, replacement, retraction, seed reset, search semantics, periodic refresh and every error.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { matchesQuery } from '../../node/src/discovery/index.js';
import { internal, startTestNode } from '../helpers/node.js';

const SERVICE = 'mp9-medicatieoverdracht';
let server: LabNode;
let client: LabNode;
let didC: string;

function defDir(endpointBase: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'disco-'));
  const def = JSON.parse(readFileSync(path.join('credentials', 'discovery', `${SERVICE}.json`), 'utf8'));
  writeFileSync(path.join(dir, 'def.json'), JSON.stringify({ ...def, endpoint: `${endpointBase}/discovery/${SERVICE}` }));
  return dir;
}

const list = async (ts?: number) => (await fetch(`${server.url}/discovery/${SERVICE}${ts === undefined ? '' : `?timestamp=${ts}`}`)).json() as Promise<{ seed: string; timestamp: number; entries: Record<string, string> }>;
const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
const search = async (node: LabNode, q: string) => (await internal(node, 'GET', `/internal/discovery/v1/${SERVICE}?${q}`)).json as Array<{ credential_subject_id: string }>;

beforeAll(async () => {
  server = await startTestNode('disco-server', { discovery: { directory: defDir('http://unused.invalid'), serverIds: [SERVICE], refreshIntervalSeconds: 0.2 } });
  client = await startTestNode('disco-client', { discovery: { directory: defDir(server.url) } });
  didC = (await internal(client, 'POST', '/internal/vdr/v2/subject', { subject: 'vvt' })).json.documents[0].id;
  await internal(client, 'POST', '/internal/vdr/v2/subject', { subject: 'empty' });
  // the organisation vouches for itself here; server and client trust it for that (the registration parameters are self-attested)
  for (const n of [server, client]) expect((await internal(n, 'POST', '/internal/vcr/v2/verifier/trust', { issuer: didC, credentialType: 'NutsUraCredential' })).status).toBe(204);
  const vc = await internal(client, 'POST', '/internal/vcr/v2/issuer/vc', { type: 'NutsUraCredential', issuer: didC, credentialSubject: { id: didC, organization: { ura: '12345678', name: 'Zorggroep De Linde', city: 'Utrecht' } }, withStatusList2021Revocation: true, format: 'jwt_vc' });
  expect((await internal(client, 'POST', '/internal/vcr/v2/holder/vvt/vc', JSON.stringify(vc.json))).status).toBeLessThan(300);
});
afterAll(async () => {
  await client?.stop();
  await server?.stop();
});

describe('discovery', () => {
  it('lists the service definitions', async () => {
    const r = await internal(client, 'GET', '/internal/discovery/v1');
    expect(r.json.map((d: { id: string }) => d.id)).toEqual([SERVICE]);
  });

  it('404 for an unknown service, on server and client', async () => {
    const s = await fetch(`${server.url}/discovery/nope`);
    expect(s.status).toBe(404);
    expect((await s.json()).detail).toBe("discovery service 'nope' is not served by this node");
    expect((await internal(client, 'GET', '/internal/discovery/v1/nope?a=b')).status).toBe(404);
    expect((await internal(client, 'POST', '/internal/discovery/v1/nope/vvt')).status).toBe(404);
    expect((await internal(client, 'POST', `/internal/discovery/v1/${SERVICE}/no-such-subject`)).status).toBe(404);
  });

  it('412 when the wallet cannot fulfil the definition, naming descriptor and field', async () => {
    const r = await internal(client, 'POST', `/internal/discovery/v1/${SERVICE}/empty`, { registrationParameters: { fhirBaseURL: 'https://x.example/fhir' } });
    expect(r.status).toBe(412);
    expect(r.json.detail).toContain("input descriptor 'id_organization_ura_credential'");
    expect((await internal(client, 'GET', `/internal/discovery/v1/${SERVICE}/empty`)).json).toEqual({ activated: false });
    const noParam = await internal(client, 'POST', `/internal/discovery/v1/${SERVICE}/vvt`);
    expect(noParam.status).toBe(412);
    expect(noParam.json.detail).toContain("field 'fhirBaseURL' ($.credentialSubject.fhirBaseURL | $.credentialSubject[0].fhirBaseURL): no value at path");
  });

  let first: string;
  it('registers under Lamport timestamp 1; a timestamp query returns only what is newer', async () => {
    const r = await internal(client, 'POST', `/internal/discovery/v1/${SERVICE}/vvt`, { registrationParameters: { fhirBaseURL: 'https://linde.example/fhir' } });
    expect(r.status, r.text).toBe(200);
    const l = await list();
    expect(l.timestamp).toBe(1);
    expect(Object.keys(l.entries)).toEqual(['1']);
    first = l.entries['1']!;
    expect(claims(first)).toMatchObject({ iss: didC, aud: SERVICE });
    expect((await list(1)).entries).toEqual({});
    const status = await internal(client, 'GET', `/internal/discovery/v1/${SERVICE}/vvt`);
    expect(status.json).toEqual({ activated: true, status: 'active', vp: [first] });
  });

  it('a new registration of the same subject replaces the old one', async () => {
    expect((await internal(client, 'POST', `/internal/discovery/v1/${SERVICE}/vvt`, { registrationParameters: { fhirBaseURL: 'https://linde.example/fhir' } })).status).toBe(200);
    const l = await list();
    expect(l.timestamp).toBe(2);
    expect(Object.keys(l.entries)).toEqual(['2']);
  });

  it('rejects what is not a valid registration, saying why', async () => {
    const post = async (body: unknown) => {
      const res = await fetch(`${server.url}/discovery/${SERVICE}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, detail: ((await res.json()) as { detail: string }).detail };
    };
    expect(await post({ not: 'a jwt' })).toEqual({ status: 400, detail: 'presentation must be a JWT verifiable presentation (a JSON string)' });
    // the first registration was superseded; replaying it must not bring it back
    expect(await post(first)).toEqual({ status: 400, detail: `presentation '${claims(first).jti as string}' was already registered` });
    const key = await client.vdr.subjects.signingKey('vvt');
    const now = Math.floor(Date.now() / 1000);
    const wrongAud = await client.crypto.service.signJwt({ iss: didC, sub: didC, jti: `${didC}#x1`, nbf: now, exp: now + 60, aud: 'other-service', vp: { type: ['VerifiablePresentation'], verifiableCredential: [] } }, key.kid);
    expect(await post(wrongAud)).toEqual({ status: 400, detail: `presentation audience must be the service id '${SERVICE}'` });
    const tooLong = await client.crypto.service.signJwt({ iss: didC, sub: didC, jti: `${didC}#x2`, nbf: now, exp: now + 40000, aud: SERVICE, vp: { type: ['VerifiablePresentation'], verifiableCredential: [] } }, key.kid);
    expect(await post(tooLong)).toEqual({ status: 400, detail: 'presentation is valid for too long (max 36000s)' });
  });

  it('search: case-insensitive, wildcards at start and end, lone * for any value, all params on one credential', async () => {
    await client.discovery.refreshNow();
    expect(await search(client, 'credentialSubject.organization.name=zorggroep%20de%20linde')).toHaveLength(1);
    expect(await search(client, 'credentialSubject.organization.name=ZORG*')).toHaveLength(1);
    expect(await search(client, 'credentialSubject.organization.name=*linde')).toHaveLength(1);
    expect(await search(client, 'credentialSubject.organization.name=*groep*')).toHaveLength(1);
    expect(await search(client, 'credentialSubject.organization.ura=*')).toHaveLength(1);
    expect(await search(client, 'credentialSubject.organization.name=Linde')).toHaveLength(0);
    expect(await search(client, 'credentialSubject.organization.city=Utrecht&credentialSubject.organization.ura=12345678')).toHaveLength(1);
    expect(await search(client, 'credentialSubject.organization.city=Utrecht&credentialSubject.fhirBaseURL=*')).toHaveLength(0);
    expect((await internal(client, 'GET', `/internal/discovery/v1/${SERVICE}?$.issuer=x`)).status).toBe(400);
  });

  it('the server node finds registrations through its periodic refresh', async () => {
    await vi.waitFor(async () => expect(await search(server, 'credentialSubject.organization.city=utrecht')).toHaveLength(1), { timeout: 3000, interval: 100 });
  });

  it('a server reset (new seed) makes the client start over', async () => {
    await sql`update discovery_server_lists set seed = 'reset', last_timestamp = 0`.execute(server.store.db.db);
    await sql`delete from discovery_server_entries`.execute(server.store.db.db);
    await client.discovery.refreshNow();
    expect(await search(client, 'credentialSubject.organization.ura=*')).toHaveLength(0);
    // the activation renews its registration on the next refresh after an error or when due; force it by activating again
    expect((await internal(client, 'POST', `/internal/discovery/v1/${SERVICE}/vvt`, { registrationParameters: { fhirBaseURL: 'https://linde.example/fhir' } })).status).toBe(200);
    expect(await search(client, 'credentialSubject.organization.ura=*')).toHaveLength(1);
  });

  it('deactivation retracts the registration with retract_jti, and clients drop it', async () => {
    const before = await list();
    const registered = Object.values(before.entries)[0]!;
    const r = await internal(client, 'DELETE', `/internal/discovery/v1/${SERVICE}/vvt`);
    expect(r.status).toBe(200);
    const after = await list(before.timestamp);
    const retraction = Object.values(after.entries)[0]!;
    expect(claims(retraction)).toMatchObject({ retract_jti: claims(registered).jti, vp: { type: ['VerifiablePresentation', 'RetractedVerifiablePresentation'] } });
    expect(Object.values((await list()).entries).map((v) => claims(v).jti)).not.toContain(claims(registered).jti);
    await client.discovery.refreshNow();
    expect(await search(client, 'credentialSubject.organization.ura=*')).toHaveLength(0);
    expect((await internal(client, 'GET', `/internal/discovery/v1/${SERVICE}/vvt`)).json).toEqual({ activated: false });
    // the retracted registration is public; replaying it must not undo the retraction
    const replay = await fetch(`${server.url}/discovery/${SERVICE}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(registered) });
    expect(replay.status).toBe(400);
  });
});

describe('matchesQuery', () => {
  it('follows the nuts-node search rules', () => {
    expect(matchesQuery('Hospital East', 'hospital*')).toBe(true);
    expect(matchesQuery('Hospital East', '*EAST')).toBe(true);
    expect(matchesQuery('Hospital East', '*tal e*')).toBe(true);
    expect(matchesQuery('Hospital East', 'hospital')).toBe(false);
    expect(matchesQuery('', '*')).toBe(true);
    expect(matchesQuery(undefined, '*')).toBe(false);
    expect(matchesQuery(42, '42')).toBe(false);
  });
});

describe('discovery server unreachable', () => {
  it('activation answers 503 and the status shows the error, kept for retry', async () => {
    const lonely = await startTestNode('disco-lonely', { discovery: { directory: defDir('http://127.0.0.1:9') } });
    try {
      const did = (await internal(lonely, 'POST', '/internal/vdr/v2/subject', { subject: 'vvt' })).json.documents[0].id;
      const vc = await internal(lonely, 'POST', '/internal/vcr/v2/issuer/vc', { type: 'NutsUraCredential', issuer: did, credentialSubject: { id: did, organization: { ura: '11111111', name: 'Alone', city: 'Nowhere' } }, format: 'jwt_vc', withStatusList2021Revocation: true });
      expect(vc.status, vc.text).toBe(200);
      expect((await internal(lonely, 'POST', '/internal/vcr/v2/holder/vvt/vc', JSON.stringify(vc.json))).status).toBeLessThan(300);
      const r = await internal(lonely, 'POST', `/internal/discovery/v1/${SERVICE}/vvt`, { registrationParameters: { fhirBaseURL: 'https://alone.example/fhir' } });
      expect(r.status, r.text).toBe(503);
      expect(r.json.detail).toMatch(/^discovery server http:\/\/127\.0\.0\.1:9\/discovery\/mp9-medicatieoverdracht is unreachable/);
      const status = await internal(lonely, 'GET', `/internal/discovery/v1/${SERVICE}/vvt`);
      expect(status.json).toMatchObject({ activated: true, status: 'error', vp: [] });
      expect(status.json.error).toMatch(/is unreachable/);
    } finally {
      await lonely.stop();
    }
  });
});
