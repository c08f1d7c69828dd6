// Two LSP replicas on one PostgreSQL schema behind a round-robin proxy: a token issued by one is accepted by the other,
// DPoP jti and VP nonce replay is refused across replicas, the audit log stays one verifiable chain, and discovery and
// status lists read the same through either replica.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../node/src/core/config.js';
import type { LabNode } from '../../node/src/main.js';
import { createLspNode, LSP_CONFIG_DEFAULTS, DISCOVERY_SERVICE, type LspNode } from '../../simulators/lsp/main.js';
import { pointDefinitionsAt, SHIPPED_DEFINITIONS } from '../../simulators/network/discovery-definitions.js';
import { seedNetwork, vvtOrganisation } from '../../simulators/network/seed.js';
import { LspApi, NodeApi } from '../../simulators/shared/node-api.js';
import { EcdClient, mp9SearchPath } from '../../simulators/ecd/client.js';
import { freePort } from '../helpers/ports.js';
import { startTestNode, TEST_TRUSTED_HOSTS } from '../helpers/node.js';

const url = process.env.TEST_DATABASE_URL;
if (!url) throw new Error('TEST_DATABASE_URL is not set: the PostgreSQL suite needs a reachable server (see .ci/run)');

/** Round-robin reverse proxy over the replicas' ports; counts which replica answered each path prefix. */
function roundRobin(port: number, targets: () => number[]) {
  let next = 0;
  const hits: Array<{ path: string; replica: number }> = [];
  const server: Server = createServer((req, res) => {
    const i = next++ % targets().length;
    hits.push({ path: req.url ?? '', replica: i });
    const up = request({ host: '127.0.0.1', port: targets()[i], method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  return { hits, url: `http://127.0.0.1:${port}`, listen: () => new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r())), close: () => new Promise<void>((r) => server.close(() => r())) };
}

const dir = mkdtempSync(path.join(tmpdir(), 'nll-pg-replicas-'));
const replicas: LspNode[] = [];
let vvt: LabNode;
let pub: ReturnType<typeof roundRobin>;
let int: ReturnType<typeof roundRobin>;
let lspUrl: string;
let ecd: EcdClient;
const worker = { name: 'Anna de Vries', roleName: 'Verzorgende IG', roleCode: 'VVT.001', identifier: 'anna' };
let bsn: string;
let dbUrl: string;

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
  pub = roundRobin(proxyPublic, () => replicas.map((r) => r.node.http.publicPort!));
  int = roundRobin(proxyInternal, () => replicas.map((r) => Number(new URL(r.node.internalUrl).port)));
  await Promise.all([pub.listen(), int.listen()]);
  // one after the other: the first runs the migrations, the second finds the schema current
  for (let i = 0; i < 2; i++) {
    const config = loadConfig({
      env: { DATABASE_URL: dbUrl },
      defaults: LSP_CONFIG_DEFAULTS,
      overrides: {
        name: 'lsp',
        url: lspUrl,
        datadir: dir,
        database: { schema: 'lsp' },
        vdr: { httpHosts: TEST_TRUSTED_HOSTS },
        discovery: { directory: discoveryDir },
        http: { public: { address: '127.0.0.1', port: 0 }, internal: { address: '127.0.0.1', port: 0 } },
        log: { level: 'silent' },
      },
    });
    const lsp = createLspNode(config);
    await lsp.node.start();
    replicas.push(lsp);
  }
  const org = vvtOrganisation();
  vvt = await startTestNode('vvt', { organization: { ura: org.ura, name: org.name }, discovery: { directory: discoveryDir } });
  const seeded = await seedNetwork({ node: new NodeApi(vvt.internalUrl, 'vvt'), lsp: new LspApi(`http://127.0.0.1:${proxyInternal}`, 'lsp'), serviceId: DISCOVERY_SERVICE, vvtOrg: org });
  bsn = seeded.clients[0]!.bsn;
  ecd = new EcdClient({ nodeUrl: vvt.internalUrl, subject: 'vvt', serviceId: DISCOVERY_SERVICE });
}, 60_000);

afterAll(async () => {
  await vvt?.stop();
  for (const r of replicas) await r.node.stop();
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

it('the audit log stays one chain that verifies through either replica, with every record of both', async () => {
  const [a, b] = await Promise.all(replicas.map((r) => r.node.audit.verify()));
  expect(a!.ok, JSON.stringify(a)).toBe(true);
  expect(b).toEqual(a);
  // one sequence without gaps, holding the records both replicas wrote
  const check = new pg.Client({ connectionString: dbUrl });
  await check.connect();
  const { rows } = await check.query('select count(*)::int as n, min(seq)::int as lo, max(seq)::int as hi from lsp.audit_records');
  await check.end();
  expect(rows[0]).toEqual({ n: a!.records, lo: 1, hi: a!.records });
});

it('discovery and status lists read the same through either replica', async () => {
  // the discovery server's list (what every client polls) and the LSP's own client view, from each replica
  const served = await Promise.all(replicas.map(async (r) => (await fetch(`http://127.0.0.1:${r.node.http.publicPort}/discovery/${DISCOVERY_SERVICE}`)).json()));
  expect(served[0]).toEqual(served[1]);
  expect(Object.keys((served[0] as { entries: object }).entries).length).toBeGreaterThanOrEqual(2);
  const searched = await Promise.all(replicas.map(async (r) => (await fetch(`${r.node.internalUrl}/internal/discovery/v1/${DISCOVERY_SERVICE}`)).json()));
  expect(searched[0]).toEqual(searched[1]);
  // the status list of the URA credentials the LSP issued: the same list, whichever replica serves it
  const [vc] = await vvt.vcr.wallet.search('vvt', { type: 'NutsUraCredential' });
  const status = JSON.parse(Buffer.from(String(vc).split('.')[1]!, 'base64url').toString()).vc.credentialStatus;
  const listUrl = new URL((Array.isArray(status) ? status[0] : status).statusListCredential as string);
  const encodedLists = () =>
    Promise.all(
      replicas.map(async (r) => {
        const res = await fetch(`http://127.0.0.1:${r.node.http.publicPort}${listUrl.pathname}`);
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
