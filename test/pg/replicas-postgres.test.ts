// Two LSP replicas, each its own `nuts-lsp-lab lsp` process, on one PostgreSQL schema behind a round-robin proxy: a
// token issued by one is accepted by the other; VP nonce, DPoP jti and authorisation-code replay are refused across
// replicas; the audit log stays one verifiable chain under concurrent writes from both; discovery and status lists
// read the same through either replica.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { packagePath } from '../../node/src/core/paths.js';
import { DISCOVERY_SERVICE } from '../../simulators/lsp/main.js';
import { pointDefinitionsAt, SHIPPED_DEFINITIONS } from '../../simulators/network/discovery-definitions.js';
import { seedNetwork, vvtOrganisation } from '../../simulators/network/seed.js';
import { LspApi, NodeApi } from '../../simulators/shared/node-api.js';
import { EcdClient, mp9SearchPath } from '../../simulators/ecd/client.js';
import { freePort } from '../helpers/ports.js';
import { internal, startTestNode } from '../helpers/node.js';
import { Agent } from '../helpers/browser-agent.js';
import { roundRobin, startLspReplica, type LspReplica, type RoundRobin } from '../helpers/replicas.js';

const url = process.env.TEST_DATABASE_URL;
if (!url) throw new Error('TEST_DATABASE_URL is not set: the PostgreSQL suite needs a reachable server (see .ci/run)');

// the OpenID4VP user flow (authorization code grant) next to the LSP's own policies: organisation + user wallet
const USER_SCOPE = 'oid4vp-user';
const both = (p: string) => [`$.credentialSubject.${p}`, `$.credentialSubject[0].${p}`];
const userPolicy = {
  [USER_SCOPE]: {
    organization: {
      id: 'pd_org',
      format: { jwt_vp: { alg: ['ES256'] }, jwt_vc: { alg: ['ES256'] }, ldp_vp: { proof_type: ['JsonWebSignature2020'] }, ldp_vc: { proof_type: ['JsonWebSignature2020'] } },
      input_descriptors: [{ id: 'org', constraints: { fields: [{ path: ['$.type'], filter: { type: 'string', const: 'NutsOrganizationCredential' } }, { id: 'organization_name', path: both('organization.name'), filter: { type: 'string' } }] } }],
    },
    user: {
      id: 'pd_user',
      format: { jwt_vp: { alg: ['ES256'] }, jwt_vc: { alg: ['ES256'] } },
      input_descriptors: [{ id: 'employee', constraints: { fields: [{ path: ['$.type'], filter: { type: 'string', const: 'EmployeeCredential' } }, { id: 'employee_identifier', path: both('identifier'), filter: { type: 'string' } }] } }],
    },
  },
};

const dir = mkdtempSync(path.join(tmpdir(), 'nll-pg-replicas-'));
const replicas: LspReplica[] = [];
let vvt: LabNode;
let pub: RoundRobin;
let int: RoundRobin;
let lspUrl: string;
let ecd: EcdClient;
const worker = { name: 'Anna de Vries', roleName: 'Verzorgende IG', roleCode: 'VVT.001', identifier: 'anna' };
let bsn: string;
let dbUrl: string;
const portOf = (u: string) => Number(new URL(u).port);

beforeAll(async () => {
  // a database of its own; both replicas keep their tables in the SAME schema 'lsp'
  const db = `rep_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${db}`);
  await admin.end();
  dbUrl = url.replace(/\/[^/]*$/, `/${db}`);
  const [proxyPublic, proxyInternal] = [await freePort(), await freePort()];
  lspUrl = `http://localhost:${proxyPublic}`;
  const discoveryDir = path.join(dir, 'discovery');
  pointDefinitionsAt({ from: SHIPPED_DEFINITIONS, to: discoveryDir, serverUrl: lspUrl, ids: [DISCOVERY_SERVICE] });
  const policyDir = path.join(dir, 'policies');
  cpSync(packagePath('credentials', 'policies'), policyDir, { recursive: true });
  writeFileSync(path.join(policyDir, `${USER_SCOPE}.json`), JSON.stringify(userPolicy));
  // token bodies are kept, so a test can replay one at the other replica
  pub = await roundRobin(() => replicas.map((r) => portOf(r.publicUrl)), /\/token$/, proxyPublic);
  int = await roundRobin(() => replicas.map((r) => portOf(r.internalUrl)), undefined, proxyInternal);
  const config = { discovery: { directory: discoveryDir }, policy: { directory: policyDir }, auth: { authorizationEndpoint: { enabled: true } } };
  // one after the other: the first runs the migrations, the second finds the schema current
  for (let i = 0; i < 2; i++) replicas.push(await startLspReplica({ databaseUrl: dbUrl, url: lspUrl, datadir: dir, config }, i));
  const org = vvtOrganisation();
  vvt = await startTestNode('vvt', { organization: { ura: org.ura, name: org.name }, discovery: { directory: discoveryDir }, auth: { authorizationEndpoint: { enabled: true } } });
  const seeded = await seedNetwork({ node: new NodeApi(vvt.internalUrl, 'vvt'), lsp: new LspApi(int.url, 'lsp'), serviceId: DISCOVERY_SERVICE, vvtOrg: org });
  bsn = seeded.clients[0]!.bsn;
  ecd = new EcdClient({ nodeUrl: vvt.internalUrl, subject: 'vvt', serviceId: DISCOVERY_SERVICE });
}, 90_000);

afterAll(async () => {
  await vvt?.stop();
  await Promise.all(replicas.map((r) => r.stop()));
  await pub?.close();
  await int?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('a token issued by one replica is accepted by the other: the care worker flow works through the proxy', async () => {
  const mark = pub.hits.length;
  const r = await ecd.fetchMedicationData({ careWorker: worker, bsn });
  expect(r.ok, JSON.stringify(r)).toBe(true);
  const served = pub.hits.slice(mark);
  const token = served.filter((h) => h.path.includes('/token'));
  const searches = served.filter((h) => h.path.startsWith('/fhir/'));
  expect(searches.length).toBeGreaterThanOrEqual(2);
  // the searches alternate over both replicas, whichever issued the token
  expect(new Set(searches.map((h) => h.replica))).toEqual(new Set([0, 1]));
  expect(token.length + searches.length).toBeGreaterThan(0);
});

it('a DPoP proof spent on one replica is refused by the other', async () => {
  const lsp = await ecd.discoverLsp();
  const token = await ecd.requestToken(lsp.authServerURL, worker, { fresh: true });
  const search = `${lsp.fhirBaseURL}/${mp9SearchPath('MA', bsn)}`;
  const headers = { accept: 'application/fhir+json', authorization: `DPoP ${token.access_token}`, dpop: await ecd.dpopProof(token.dpop_kid!, 'GET', search, token.access_token) };
  const mark = pub.hits.length;
  const first = await fetch(search, { headers });
  expect(first.status).toBe(200);
  const replay = await fetch(search, { headers });
  expect(pub.hits.slice(mark).map((h) => h.replica).sort()).toEqual([0, 1]);
  expect(replay.status).toBe(401);
  expect(JSON.stringify(await replay.json())).toContain('jti already used');
});

/** The token request the proxy passed on last, to replay it at the other replica. */
function lastTokenRequest(grant: string) {
  const kept = pub.bodies.filter((b) => new URLSearchParams(b.body).get('grant_type') === grant).at(-1);
  if (!kept) throw new Error(`no ${grant} token request went through the proxy`);
  return kept;
}

/** Sends a kept token request straight to one replica, with its body and DPoP header. */
async function replay(kept: ReturnType<typeof lastTokenRequest>, replica: LspReplica) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (typeof kept.headers.dpop === 'string') headers.dpop = kept.headers.dpop;
  const res = await fetch(`${replica.publicUrl}${kept.path}`, { method: 'POST', headers, body: kept.body });
  return { status: res.status, json: (await res.json()) as Record<string, string> };
}

/** The newest audit records of an event, read from the shared schema. */
async function auditRows(event: string): Promise<Array<{ seq: number; outcome: string }>> {
  const check = new pg.Client({ connectionString: dbUrl });
  await check.connect();
  try {
    const { rows } = await check.query('select * from lsp.audit_records where event = $1 order by seq desc limit 5', [event]);
    return rows.map((r: Record<string, unknown>) => ({ seq: Number(r.seq), outcome: JSON.stringify(r) }));
  } finally {
    await check.end();
  }
}

it('a presentation spent at one replica is refused by the other (VP nonce), and the refusal is recorded', async () => {
  const token = await ecd.requestToken((await ecd.discoverLsp()).authServerURL, worker, { fresh: true });
  expect(token.access_token).toBeTruthy();
  const kept = lastTokenRequest('vp_token-bearer');
  const other = replicas[1 - kept.replica]!;
  const again = await replay(kept, other);
  expect(again.status).toBe(400);
  expect(again.json).toMatchObject({ error: 'invalid_request', error_description: 'presentation nonce has already been used' });
  // and at the replica that issued the token: the same refusal, not a second token
  expect((await replay(kept, replicas[kept.replica]!)).json.error_description).toBe('presentation nonce has already been used');
  const refused = await auditRows('oauth.token.refused');
  expect(refused[0]!.outcome).toContain('presentation nonce has already been used');
});

describe('authorisation code (OpenID4VP user flow) across replicas', () => {
  const CALLER = 'http://caller.example/done';
  const isCallback = (u: URL) => u.pathname === '/oauth2/vvt/callback';
  const isCaller = (u: URL) => u.host === 'caller.example';

  beforeAll(async () => {
    // the VVT vouches for itself and its user wallet; the LSP (which requires trusted issuers) trusts it for both
    const [did] = await vvt.vdr.subjects.dids('vvt');
    for (const credentialType of ['NutsOrganizationCredential', 'EmployeeCredential']) {
      const t = await fetch(`${int.url}/internal/vcr/v2/verifier/trust`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ issuer: did, credentialType }) });
      expect(t.status, await t.text()).toBeLessThan(300);
    }
    const vc = await internal(vvt, 'POST', '/internal/vcr/v2/issuer/vc', { type: 'NutsOrganizationCredential', issuer: did, credentialSubject: { id: did, organization: { name: 'Zorggroep Test', city: 'Utrecht' } }, withStatusList2021Revocation: false });
    expect(vc.status, vc.text).toBe(200);
    expect((await internal(vvt, 'POST', '/internal/vcr/v2/holder/vvt/vc', vc.json)).status).toBe(204);
  });

  it('the flow runs through the proxy; the code redeemed at one replica is refused by both afterwards', async () => {
    const s = await internal(vvt, 'POST', '/internal/auth/v2/vvt/request-user-access-token', { authorization_server: `${lspUrl}/oauth2/lsp`, scope: USER_SCOPE, preauthorized_user: { id: '7', name: 'Anna de Vries', role: 'Verzorgende' }, redirect_uri: CALLER });
    expect(s.status, s.text).toBe(200);
    const mark = pub.hits.length;
    const agent = new Agent();
    const { url: callback } = await agent.follow(s.json.redirect_uri, isCallback);
    const code = new URL(callback).searchParams.get('code');
    expect(code, callback).toBeTruthy();
    // the browser's session at the LSP (authorize, request object, response) was served by both replicas
    expect(new Set(pub.hits.slice(mark).map((h) => h.replica))).toEqual(new Set([0, 1]));
    // the VVT redeems the code through the proxy and reaches the caller with an active token
    const { url } = await agent.follow(callback, isCaller);
    expect(url).toBe(CALLER);
    const t = await internal(vvt, 'GET', `/internal/auth/v2/accesstoken/${s.json.session_id}`);
    expect(t.json).toMatchObject({ status: 'active', scope: USER_SCOPE });
    const kept = lastTokenRequest('authorization_code');
    expect(new URLSearchParams(kept.body).get('code')).toBe(code);
    for (const replica of [replicas[1 - kept.replica]!, replicas[kept.replica]!]) {
      const again = await replay(kept, replica);
      expect(again.status).toBe(400);
      expect(again.json).toMatchObject({ error: 'invalid_grant', error_description: 'authorization code is unknown, expired or already used' });
    }
  });
});

it('the audit log stays one chain under concurrent writes from both replicas, verifiable through either', async () => {
  const count = async () => {
    const check = new pg.Client({ connectionString: dbUrl });
    await check.connect();
    try {
      return (await check.query('select count(*)::int as n, min(seq)::int as lo, max(seq)::int as hi from lsp.audit_records')).rows[0] as { n: number; lo: number; hi: number };
    } finally {
      await check.end();
    }
  };
  const before = await count();
  // 40 introspections at each replica at once: every one is recorded (oauth.introspect) before it answers
  const PER_REPLICA = 40;
  const answers = await Promise.all(
    replicas.flatMap((r) =>
      Array.from({ length: PER_REPLICA }, async () => {
        const res = await fetch(`${r.internalUrl}/internal/auth/v2/accesstoken/introspect`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${randomBytes(16).toString('hex')}` });
        return { status: res.status, json: (await res.json()) as { active: boolean } };
      }),
    ),
  );
  expect(answers.every((a) => a.status === 200 && a.json.active === false)).toBe(true);
  const after = await count();
  expect(after.n - before.n).toBeGreaterThanOrEqual(2 * PER_REPLICA);
  // one sequence without gaps
  expect(after).toEqual({ n: after.hi, lo: 1, hi: after.hi });
  // each verification is itself a recorded read: the second replica sees one more record than the first
  const verify = async (r: LspReplica) => (await fetch(`${r.internalUrl}/internal/audit/v1/verify`)).json() as Promise<{ ok: boolean; records: number }>;
  const a = await verify(replicas[0]!);
  const b = await verify(replicas[1]!);
  expect(a.ok, JSON.stringify(a)).toBe(true);
  expect(b.ok, JSON.stringify(b)).toBe(true);
  expect(a.records).toBeGreaterThanOrEqual(after.n);
  expect(b.records).toBe(a.records + 1);
});

it('discovery and status lists read the same through either replica', async () => {
  // the discovery server's list (what every client polls) and the LSP's own client view, from each replica
  const served = await Promise.all(replicas.map(async (r) => (await fetch(`${r.publicUrl}/discovery/${DISCOVERY_SERVICE}`)).json()));
  expect(served[0]).toEqual(served[1]);
  expect(Object.keys((served[0] as { entries: object }).entries).length).toBeGreaterThanOrEqual(2);
  const searched = await Promise.all(replicas.map(async (r) => (await fetch(`${r.internalUrl}/internal/discovery/v1/${DISCOVERY_SERVICE}`)).json()));
  expect(searched[0]).toEqual(searched[1]);
  // the status list of the URA credentials the LSP issued: the same list, whichever replica serves it
  const [vc] = await vvt.vcr.wallet.search('vvt', { type: 'NutsUraCredential' });
  const status = JSON.parse(Buffer.from(String(vc).split('.')[1]!, 'base64url').toString()).vc.credentialStatus;
  const listUrl = new URL((Array.isArray(status) ? status[0] : status).statusListCredential as string);
  const encodedLists = () =>
    Promise.all(
      replicas.map(async (r) => {
        const res = await fetch(`${r.publicUrl}${listUrl.pathname}`);
        expect(res.status).toBe(200);
        // JSON-LD or JWT, as the status list was issued
        const text = (await res.text()).trim();
        const list = text.startsWith('{') ? JSON.parse(text) : JSON.parse(Buffer.from(text.split('.')[1]!, 'base64url').toString()).vc;
        return list.credentialSubject.encodedList as string;
      }),
    );
  const before = await encodedLists();
  expect(before[0]).toBe(before[1]);
  // a revocation through one replica shows in the list both serve (no per-process copy of the list)
  const id = JSON.parse(Buffer.from(String(vc).split('.')[1]!, 'base64url').toString()).vc.id ?? JSON.parse(Buffer.from(String(vc).split('.')[1]!, 'base64url').toString()).jti;
  const revoke = await fetch(`${int.url}/internal/vcr/v2/issuer/vc/${encodeURIComponent(id)}`, { method: 'DELETE' });
  expect(revoke.status, await revoke.text()).toBeLessThan(300);
  const after = await encodedLists();
  expect(after[0]).toBe(after[1]);
  expect(after[0]).not.toBe(before[0]);
});
