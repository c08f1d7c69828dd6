// The whole local network as `npm start` runs it (ephemeral ports, in-memory stores): health, the printed commands,
// the administration list of every seeded client, and each LSP scenario as the care worker sees it.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curlCommands, startNetwork, summary, type Network } from '../../simulators/network/network.js';
import { EcdClient } from '../../simulators/ecd/client.js';
import { buildAdministrationList, type AdministrationList } from '../../simulators/ecd/toedienlijst.js';
import { readDemoFile } from '../../node/src/fhir/demo.js';
import { networkPorts } from '../helpers/ports.js';
import { startTestNode } from '../helpers/node.js';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'nll-network-'));
let net: Network;

beforeAll(async () => {
  net = await startNetwork({ datadir: dir, ports: await networkPorts(), inMemory: true, log: () => {}, logLevel: 'silent', sourceTimeoutMs: 1000 });
}, 60_000);
afterAll(async () => {
  await net?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const ecd = () => new EcdClient({ nodeUrl: net.vvt.internalUrl, subject: 'vvt', serviceId: 'mp9-medicatieoverdracht' });
const ecd2 = (n: Network) => new EcdClient({ nodeUrl: n.vvt.internalUrl, subject: 'vvt', serviceId: 'mp9-medicatieoverdracht' });
const worker = (id: string) => {
  const c = net.seeded.careWorkers.find((w) => w.id === id)!;
  return { name: c.name, roleName: c.roleName, roleCode: c.roleCode, identifier: c.id };
};

async function listFor(bsn: string, who = 'anna'): Promise<AdministrationList> {
  const r = await ecd().fetchMedicationData({ careWorker: worker(who), bsn });
  if (!r.ok) throw new Error(`${r.step}: ${r.reason}`);
  return buildAdministrationList({ bundles: r.bundles, today: new Date(), tz: 'Europe/Amsterdam' });
}

/**
 * A revoked URA credential stops the token step one of two ways: the LSP refuses it (invalid_grant, "revoked"), or —
 * once the own node's copy of the LSP's status list is older than its max-age (5 s) — the own node no longer offers it
 * (412: the wallet cannot fulfil the organisation's URA credential). Either way no data comes back.
 */
const refusedForRevokedUra = (r: { code: string; reason: string }) =>
  (r.code === 'token_refused' && /revoked/.test(r.reason)) || (r.code === 'wallet_incomplete' && /id_organization_ura_credential/.test(r.reason));

const source = (l: AdministrationList, name: RegExp) => l.sources.find((s) => name.test(s.name));

describe('one-command local network', () => {
  it('is healthy on every port and prints what is where', async () => {
    for (const url of [net.vvt.url, net.vvt.internalUrl, net.lsp.node.url, net.lsp.node.internalUrl, net.dashboard!.url]) {
      const res = await fetch(`${url}/health`);
      expect(res.status, url).toBe(200);
    }
    const text = summary(net);
    expect(text).toContain(net.seeded.vvtDid);
    expect(text).toContain(net.seeded.lspDid);
    for (const c of net.seeded.clients) expect(text).toContain(c.bsn);
    for (const w of net.seeded.careWorkers) expect(text).toContain(w.name);
  });

  it('the printed curl commands work as printed', async () => {
    const [token, search, scenario] = curlCommands(net);
    const { stdout } = await run('bash', ['-c', `${token}\necho "token:$TOKEN"\n${search}\necho\n${scenario}`], { timeout: 20_000 });
    const [tokenLine, bundle, applied] = stdout.trim().split('\n');
    expect(tokenLine).toMatch(/^token:[A-Za-z0-9_-]{20,}$/);
    const b = JSON.parse(bundle!);
    expect(b.resourceType).toBe('Bundle');
    expect(b.entry.filter((e: { search: { mode: string } }) => e.search.mode === 'match').length).toBeGreaterThan(0);
    expect(JSON.parse(applied!).scenario).toBe('pharmacy-down');
    await net.lsp.scenarios.apply('normal');
  });

  it('builds a correct administration list for every seeded client', async () => {
    const demo = readDemoFile();
    const names = new Map(demo.medications.map((m) => [m.key, m.display]));
    for (const client of demo.clients) {
      const list = await listFor(client.bsn);
      expect(list.complete, client.bsn).toBe(true);
      expect(list.state, client.bsn).toBe('complete');
      expect(list.rows.flatMap((r) => r.warnings), client.bsn).toEqual([]);
      expect(list.patient?.name).toContain(client.family);
      const active = client.treatments.filter((t) => t.start <= 0 && t.end >= 0 && t.stoppedOn === undefined);
      const rowsToGive = list.rows.filter((r) => r.change?.kind !== 'stopped' && r.change?.kind !== 'stops');
      expect(new Set(rowsToGive.map((r) => r.medication.name)), client.bsn).toEqual(new Set(active.map((t) => names.get(t.medication))));
      for (const t of active.filter((x) => x.asNeeded)) expect(list.rows.find((r) => r.medication.name === names.get(t.medication))?.asNeeded, `${client.bsn} ${t.key}`).toBeDefined();
      // a medication stopped in the last week is shown as stopped; longer ago it is gone
      for (const t of client.treatments.filter((x) => x.stoppedOn !== undefined)) {
        const row = list.rows.find((r) => r.medication.name === names.get(t.medication) && r.change?.kind === 'stopped');
        if (t.stoppedOn! >= -7) expect(row, `${client.bsn} ${t.key} stopped ${t.stoppedOn}`).toBeDefined();
        else expect(row, `${client.bsn} ${t.key}`).toBeUndefined();
      }
      for (const r of list.rows) expect(r.provenance.name).not.toMatch(/^http/);
    }
  });

  it('shows why data is missing under each scenario', async () => {
    const bsn = net.seeded.clients[1]!.bsn;
    const jansen = net.seeded.clients[0]!.bsn; // acenocoumarol on a variable dosing regimen from the GP
    const warningsOf = (l: AdministrationList, med: RegExp) => l.rows.find((r) => med.test(r.medication.name))?.warnings.map((w) => w.code);
    await net.lsp.scenarios.apply('pharmacy-down');
    let l = await listFor(bsn);
    expect(source(l, /Apotheek/)).toMatchObject({ status: 'unreachable', reason: 'source system down' });
    expect(l).toMatchObject({ complete: false, state: 'unreachable', nothingToGive: false });
    // every active row is built from the GP's MA now, and says that a stop or change may be in the pharmacy's TA
    for (const r of l.rows.filter((x) => x.change?.kind !== 'stopped')) expect(r.warnings.map((w) => [w.code, w.missing, w.from[0]?.name]), r.medication.name).toEqual([['stop-may-exist', ['TA'], 'Apotheek De Vijzel']]);

    await net.lsp.scenarios.apply('slow-gp');
    l = await listFor(bsn);
    expect(source(l, /Huisarts/)).toMatchObject({ status: 'timeout', reason: 'timeout after 1 s' });
    expect(l.state).toBe('timeout');
    l = await listFor(jansen);
    const aceno = l.rows.find((r) => /ACENOCOUMAROL/.test(r.medication.name))!;
    expect(aceno.dose).toBe('1 stuk'); // from the pharmacy's TA …
    expect(aceno.warnings[0]).toMatchObject({ code: 'wds-missing', severity: 'dose-unknown', from: [{ name: 'Huisartsenpraktijk De Linde', status: 'timeout' }] }); // … never without this
    expect(warningsOf(l, /METFORMINE/)).toEqual(['ma-missing', 'stop-may-exist']);

    await net.lsp.scenarios.apply('no-consent');
    l = await listFor(bsn);
    expect(l.rows).toEqual([]);
    expect(l).toMatchObject({ state: 'no-consent', nothingToGive: false });
    for (const s of l.sources.filter((x) => x.key !== 'LSP')) expect(s).toMatchObject({ status: 'withheld', reason: 'no consent (Mitz)' });

    await net.lsp.scenarios.apply('pharmacy-no-consent');
    l = await listFor(bsn);
    expect(source(l, /Apotheek/)).toMatchObject({ status: 'withheld' });
    expect(source(l, /Huisarts/)?.status).toBe('complete');
    expect(l.state).toBe('no-consent');

    await net.lsp.scenarios.apply('unregistered-patient');
    l = await listFor(jansen);
    expect(l.rows).toEqual([]);
    expect(l).toMatchObject({ state: 'not-registered', complete: false, nothingToGive: false });
    expect(source(l, /LSP/)).toMatchObject({ status: 'not-registered', reason: 'client not registered at the LSP' });

    await net.lsp.scenarios.apply('revoked-organisation');
    const refused = await ecd().fetchMedicationData({ careWorker: worker('chris'), bsn });
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.step).toBe('token');
      expect(refused).toSatisfy(refusedForRevokedUra);
    }

    await net.lsp.scenarios.apply('normal');
    expect((await listFor(bsn, 'chris')).complete).toBe(true);
  });

  it('an unknown BSN that passes the 11-check is "not registered at the LSP", never "nothing to give"', async () => {
    const l = await listFor('999911120');
    expect(l).toMatchObject({ rows: [], state: 'not-registered', complete: false, nothingToGive: false });
    expect(l.headline).toContain('This does not mean the client takes no medication.');
  });

  it('refuses a care worker whose role may not see medication data, saying which rule', async () => {
    const r = await ecd().fetchMedicationData({ careWorker: worker('sam'), bsn: net.seeded.clients[0]!.bsn });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe('fhir_refused');
      expect(r.reason).toMatch(/VVT\.005/);
    }
  });

  it("has the VVT node and the LSP witness each other's audit checkpoints", async () => {
    for (const [node, peer] of [[net.vvt, 'lsp'], [net.lsp.node, 'vvt']] as const) {
      const cp = (await (await fetch(`${node.internalUrl}/internal/audit/v1/checkpoints`, { method: 'POST' })).json()) as { seq?: number };
      await node.audit.witnessClient.sync();
      const res = await fetch(`${node.internalUrl}/internal/audit/v1/verify`);
      const result = (await res.json()) as { ok: boolean; witnessed?: Array<{ witness: string; throughSeq?: number }> };
      expect(result.ok).toBe(true);
      expect(result.witnessed?.[0]?.witness).toBe(peer);
      expect(result.witnessed?.[0]?.throughSeq).toBeGreaterThanOrEqual(cp.seq ?? 1);
    }
  });

  it('restarts idempotently on the same data directory', async () => {
    // the same ports: they are part of the did:web identifiers kept in the data directory
    const ports = await networkPorts();
    const again = await startNetwork({ datadir: path.join(dir, 'restart'), ports, log: () => {}, logLevel: 'silent', dashboard: false });
    const firstDid = again.seeded.vvtDid;
    const credentials = (await again.vvt.vcr.wallet.list('vvt')).length;
    await again.stop();
    const lines: string[] = [];
    const second = await startNetwork({ datadir: path.join(dir, 'restart'), ports, log: (l) => lines.push(l), logLevel: 'silent', dashboard: false });
    try {
      expect(second.seeded.vvtDid).toBe(firstDid);
      expect((await ecd2(second).fetchMedicationData({ careWorker: worker('anna'), bsn: second.seeded.clients[0]!.bsn })).ok).toBe(true);
      expect((await second.vvt.vcr.wallet.list('vvt')).length).toBe(credentials);
      expect(lines.join('\n')).not.toMatch(/issued by the LSP/);
    } finally {
      await second.stop();
    }
  }, 60_000);
});

describe('credentials across the running network (VCR v2 over HTTP)', () => {
  const post = async (url: string, body: unknown) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json().catch(() => undefined)) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  it.each(['jwt_vc', 'ldp_vc'] as const)('issues a NutsUraCredential as %s at the LSP, loads it into the VVT wallet, and sees its revocation through the status list over HTTP', async (format) => {
    const lsp = net.lsp.node.internalUrl;
    const vvt = net.vvt.internalUrl;
    const issued = await post(`${lsp}/internal/vcr/v2/issuer/vc`, {
      type: 'NutsUraCredential',
      issuer: net.seeded.lspDid,
      credentialSubject: { id: net.seeded.vvtDid, organization: { ura: '90000303', name: 'Thuiszorg De Zonnebloem', city: 'Utrecht' } },
      expirationDate: new Date(Date.now() + 86_400_000).toISOString(),
      format,
      withStatusList2021Revocation: true,
    });
    expect(issued.status).toBe(200);
    const vc = issued.json;
    expect(typeof vc === 'string').toBe(format === 'jwt_vc');
    const loaded = await fetch(`${vvt}/internal/vcr/v2/holder/vvt/vc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(vc) });
    expect(loaded.status).toBe(204);
    expect((await post(`${lsp}/internal/vcr/v2/verifier/vc`, { verifiableCredential: vc })).json).toMatchObject({ validity: true });

    const id = format === 'jwt_vc' ? JSON.parse(Buffer.from(String(vc).split('.')[1]!, 'base64url').toString()).jti : vc.id;
    const revoked = await fetch(`${lsp}/internal/vcr/v2/issuer/vc/${encodeURIComponent(id)}`, { method: 'DELETE' });
    expect(revoked.status).toBe(204);
    // a verifier that has not cached this status list yet (the VVT node may have, for the LSP's max-age) fetches it from
    // the LSP's public /statuslist over HTTP and sees the revocation
    const verifier = await startTestNode('third-party-verifier');
    try {
      expect((await post(`${verifier.internalUrl}/internal/vcr/v2/verifier/trust`, { issuer: net.seeded.lspDid, credentialType: 'NutsUraCredential' })).status).toBeLessThan(300);
      const check = await post(`${verifier.internalUrl}/internal/vcr/v2/verifier/vc`, { verifiableCredential: vc });
      expect(check.json.validity).toBe(false);
      expect(check.json.message).toMatch(/revoked/);
    } finally {
      await verifier.stop();
    }
    // tidy up: the revoked credential must not be offered in later token requests
    expect((await fetch(`${vvt}/internal/vcr/v2/holder/vvt/vc/${encodeURIComponent(id)}`, { method: 'DELETE' })).status).toBe(204);
  });
});

describe('LSPxNuts pilot mode on the running network', () => {
  it('gets a 20-second jwt-bearer token for an enrolled client and reads that client at the LSP', async () => {
    const bsn = net.seeded.clients[3]!.bsn;
    const res = await fetch(`${net.vvt.internalUrl}/internal/auth/v2/vvt/request-service-access-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ authorization_server: `${net.lsp.node.url}/oauth2/lsp`, scope: 'medicatiegegevens', service_provider_subject_id: 'ecd-vendor', token_type: 'Bearer', credential_selection: { patient_enrollment_bsn: bsn } }),
    });
    const token = (await res.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(res.status, JSON.stringify(token)).toBe(200);
    expect(token).toMatchObject({ token_type: 'Bearer', expires_in: 20 });
    const search = (b: string) => fetch(`${net.lsp.node.url}/fhir/MedicationRequest?patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|${b}&category=http://snomed.info/sct|33633005`, { headers: { authorization: `Bearer ${token.access_token}` } });
    const own = await search(bsn);
    expect(own.status).toBe(200);
    expect(((await own.json()) as { total: number }).total).toBeGreaterThan(0);
    // enrolment binds the token to that client
    expect((await search(net.seeded.clients[0]!.bsn)).status).toBe(403);
  });
});
