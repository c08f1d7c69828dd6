// The network's configuration as a supplier uses it: examples/network.yaml and examples/node.yaml as shipped, layering
// (file < NLL_* < flags), a public host name in DIDs / discovery / FHIR base URLs, request logs in the log file, a busy
// port naming its flag, and own data imported into a running network.
import { lookup } from 'node:dns/promises';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configKeys, envNameFor, loadConfig } from '../../node/src/core/config.js';
import { createNode } from '../../node/src/main.js';
import { loadNetworkConfig, networkConfigHelp, NetworkConfigSchema } from '../../simulators/network/config.js';
import { startNetwork, type Network } from '../../simulators/network/network.js';
import { readData } from '../../simulators/lsp/data-folder.js';
import { EcdClient } from '../../simulators/ecd/client.js';
import { freePort, networkPorts } from '../helpers/ports.js';
import { auditRecords } from '../helpers/audit.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const example = (name: string) => path.join(root, 'examples', name);
const dir = mkdtempSync(path.join(tmpdir(), 'nll-netcfg-'));

/** A name other than localhost that reaches this machine: its host name when that resolves to loopback. */
async function publicHostName(): Promise<string> {
  try {
    const { address } = await lookup(hostname());
    if (address.startsWith('127.') || address === '::1') return hostname();
  } catch {
    // fall through: the host name does not resolve here
  }
  return '127.0.0.1';
}

describe('network configuration', () => {
  it('layers examples/network.yaml < NLL_* environment < flags, and says where a bad value came from', () => {
    const c = loadNetworkConfig({ file: example('network.yaml'), env: { NLL_PORTS_LSP_PUBLIC: '19080', NLL_LOG_LEVEL: 'warn' }, argv: ['--log.level=debug', '--host', 'lab.example'] });
    expect(c.ports).toEqual({ vvt: { public: 8080, internal: 8081 }, lsp: { public: 19080, internal: 9081 }, dashboard: 8000, tvs: 8400, portal: 8001, dezi: 8090 });
    expect(c.address).toEqual({ public: '0.0.0.0', internal: '127.0.0.1' });
    expect(c.log).toEqual({ level: 'debug', file: '.data/lab/network.log' });
    expect(c.host).toBe('lab.example');
    expect(c.data).toEqual(['demo', 'examples/data']);
    expect(() => loadNetworkConfig({ env: { NLL_PORTS_VVT_PUBLIC: 'eighty' } })).toThrow(/ports\.vvt\.public: .*\(from environment NLL_PORTS_VVT_PUBLIC\)/);
    expect(() => loadNetworkConfig({ argv: ['--ports.vvt.pubic=1'] })).toThrow(/unknown key 'ports\.vvt\.pubic' \(from flag --ports\.vvt\.pubic\)/);
    expect(() => loadNetworkConfig({ argv: ['--host=http://x:80'] })).toThrow(/host: a host name or IP address/);
  });

  it('--help lists every key with its flag and environment variable', () => {
    const help = networkConfigHelp();
    const keys = configKeys(NetworkConfigSchema, ['urls.vvt', 'urls.lsp', 'log.file']);
    expect(keys.length).toBeGreaterThanOrEqual(18);
    for (const k of keys) {
      expect(help).toContain(`--${k}=<v>`);
      expect(help).toContain(envNameFor(k));
    }
  });

  it('examples/node.yaml starts a node as written (ports moved by flags), logging requests to its file', async () => {
    const log = path.join(dir, 'node.log');
    const config = loadConfig({ file: example('node.yaml'), env: {}, argv: ['--http.public.port=0', '--http.internal.port=0', `--datadir=${dir}`, `--log.file=${log}`, '--database.sqlite=:memory:'] });
    expect(config).toMatchObject({ name: 'my-node', url: 'http://localhost:8180', organization: { ura: '90000303' }, log: { level: 'info' } });
    const node = createNode(config);
    await node.start();
    try {
      const res = await fetch(`${node.internalUrl}/internal/vdr/v2/subject?x=999911004`);
      expect(res.status).toBe(200);
      const requestId = res.headers.get('x-request-id');
      const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      // the mount prefix is in the path; the query string (patient identifiers) is not
      expect(lines).toContainEqual(expect.objectContaining({ method: 'GET', path: '/internal/vdr/v2/subject', status: 200, requestId, ms: expect.any(Number) }));
      expect(readFileSync(log, 'utf8')).not.toContain('999911004');
    } finally {
      await node.stop();
    }
  });
});

describe('examples/network.yaml on other ports and a public host name', () => {
  let net: Network;
  let host: string;
  const logFile = path.join(dir, 'net', 'requests.log');
  beforeAll(async () => {
    host = await publicHostName();
    const p = await networkPorts();
    const flags = [`--datadir=${path.join(dir, 'net')}`, `--host=${host}`, `--log.file=${logFile}`, '--dashboard=false', '--portal=false', '--address.public=127.0.0.1'];
    for (const [k, v] of [['vvt.public', p.vvt.public], ['vvt.internal', p.vvt.internal], ['lsp.public', p.lsp.public], ['lsp.internal', p.lsp.internal]] as const) flags.push(`--ports.${k}=${v}`);
    // data: demo (as in the file); examples/data is resolved from the repository root
    const config = loadNetworkConfig({ file: example('network.yaml'), env: {}, argv: flags, overrides: { data: ['demo', example('data')] } });
    net = await startNetwork({ config, inMemory: true, log: () => {}, sourceTimeoutMs: 1000 });
  }, 60_000);
  afterAll(async () => {
    await net?.stop();
  });

  it('DIDs, the discovery registrations and the FHIR base URLs carry the public host name', async () => {
    expect(net.seeded.vvtDid).toBe(`did:web:${host}%3A${net.ports.vvt.public}:iam:vvt`);
    expect(net.seeded.lspDid).toBe(`did:web:${host}%3A${net.ports.lsp.public}:iam:lsp`);
    // what the ECD's own node found on the LSP's discovery service
    const res = await fetch(`${net.vvt.internalUrl}/internal/discovery/v1/mp9-medicatieoverdracht`);
    expect(res.status).toBe(200);
    const text = JSON.stringify(await res.json());
    expect(text).toContain(`"fhirBaseURL":"http://${host}:${net.ports.lsp.public}/fhir"`);
    expect(text).toContain(`"fhirBaseURL":"http://${host}:${net.ports.vvt.public}/fhir"`);
    expect(text).not.toContain('localhost:');
  });

  it('the client from examples/data is there: the ECD gets its medication through the reference node', async () => {
    expect(net.seeded.clients.map((c) => c.bsn)).toContain('999911065');
    const ecd = new EcdClient({ nodeUrl: net.vvt.internalUrl, subject: 'vvt', serviceId: 'mp9-medicatieoverdracht' });
    const r = await ecd.fetchMedicationData({ careWorker: { name: 'Chris Jansen', roleName: 'Verpleegkundige', roleCode: '30.000', identifier: 'chris' }, bsn: '999911065' });
    expect(r.ok, r.ok ? '' : r.reason).toBe(true);
    const ids = r.ok ? Object.values(r.bundles).flatMap((b) => (b?.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`)) : [];
    expect(ids).toEqual(expect.arrayContaining(['MedicationRequest/example-deboer-AML-MA', 'MedicationDispense/example-deboer-AML-TA']));
  });

  it('writes request logs of both nodes to the log file: method, path with mount prefix, status, duration, request id', () => {
    const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(expect.objectContaining({ node: 'lsp', method: 'POST', path: '/oauth2/lsp/token', status: 200, requestId: expect.any(String), ms: expect.any(Number) }));
    expect(lines).toContainEqual(expect.objectContaining({ node: 'vvt', method: 'POST', path: '/internal/auth/v2/vvt/request-service-access-token', status: 200 }));
    expect(lines.some((l) => l.node === 'lsp' && String(l.path).startsWith('/fhir/Medication'))).toBe(true);
  });

  it('a port in use stops the start with a message naming the flag that moves it', async () => {
    const busy = await freePort();
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(busy, '127.0.0.1', () => r()));
    try {
      const p = await networkPorts();
      await expect(startNetwork({ datadir: path.join(dir, 'busy'), ports: { ...p, lsp: { ...p.lsp, internal: busy } }, inMemory: true, dashboard: false, log: () => {}, logLevel: 'silent' })).rejects.toThrow(
        `port ${busy} on 127.0.0.1 is in use (EADDRINUSE): choose another with --ports.lsp.internal=<port> (or NLL_PORTS_LSP_INTERNAL)`,
      );
    } finally {
      blocker.close();
    }
  });

  it('the data API records every import (refused ones too), consent change, list and export in the LSP\'s NEN 7513 log', async () => {
    const api = `${net.lsp.node.internalUrl}/internal/lsp/v1/data`;
    const [batch] = readData(example('data'), { sources: net.lsp.sources.map((s) => s.config) });
    const post = (body: unknown) => fetch(api, { method: 'POST', headers: { 'content-type': 'application/json', 'x-user-id': 'tester', 'x-user-name': 'T. Ester' }, body: JSON.stringify(body) });
    expect((await post({ source: batch!.source, consent: 'nee', resources: batch!.resources })).status).toBe(200);
    const broken = batch!.resources.map((r) => (r.resourceType === 'MedicationRequest' ? { ...r, status: undefined } : r));
    const refused = await post({ source: batch!.source, resources: broken });
    expect(refused.status).toBe(400);
    expect((await fetch(`${api}/export?bsn=999911065`)).status).toBe(200);
    const records = await auditRecords(net.lsp.node, { patient: '999911065' });
    const seen = records.map((r) => `${r.event} ${r.action} ${r.outcome.code}`);
    expect(seen).toEqual(expect.arrayContaining(['fhir.transaction E 0', 'consent.update U 0', 'fhir.transaction E 4', 'fhir.search E 0']));
    expect(records.find((r) => r.event === 'fhir.transaction' && r.outcome.code === '0')).toMatchObject({ actor: { userId: 'tester', organisation: { ura: '90000999' } }, object: { type: 'Bundle' } });
    // and the consent asked for is what Mitz now answers
    const consent = (await (await fetch(`${net.lsp.node.internalUrl}/internal/lsp/v1/consent?bsn=999911065`)).json()) as Array<{ choice: string }>;
    expect(consent.map((c) => c.choice)).toEqual(['nee']);
  });

  it('an own data folder is read into per-source batches by building block, and bad input names the file', () => {
    const sources = net.lsp.sources.map((s) => s.config);
    const batches = readData(example('data'), { sources });
    expect(batches.map((b) => [b.source, b.consent, b.resources.length])).toEqual([
      ['huisarts-de-linde', 'ja', 9],
      ['apotheek-de-vijzel', 'ja', 9],
    ]);
    expect(batches[0]!.resources.some((r) => r.id === 'example-deboer-AML-TA')).toBe(false);
    expect(() => readData(path.join(dir, 'missing'), { sources })).toThrow(/no such file or folder/);
    expect(() => readData(example('data'), { sources, source: 'nope' })).toThrow(/unknown source 'nope' \(--source\)/);
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));
