// The exit-code contract of every command (0 ok, 1 check failed or refused, 2 usage, 3 unreachable), run in-process
// through runCli against a real network (in-memory stores) and against a port nothing listens on.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../simulators/network/cli.js';
import { startNetwork, type Network } from '../../simulators/network/network.js';
import { freePort, networkPorts } from '../helpers/ports.js';

const dir = mkdtempSync(path.join(tmpdir(), 'nll-exit-'));
let net: Network;
let closed = '';
let err = '';

/** Runs one command line; stdout is discarded, stderr kept for the assertion message. */
async function code(...args: string[]): Promise<number> {
  err = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write; // commands that print directly
  try {
    return await runCli(['node', 'nuts-lsp-lab', ...args], { out: () => {}, err: (s) => void (err += s + '\n') });
  } finally {
    process.stdout.write = write;
    process.exitCode = undefined;
  }
}

beforeAll(async () => {
  net = await startNetwork({ datadir: dir, ports: await networkPorts(), inMemory: true, dashboard: false, log: () => {}, logLevel: 'silent', sourceTimeoutMs: 1000 });
  closed = `http://127.0.0.1:${await freePort()}`;
}, 60_000);
afterAll(async () => {
  await net?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const vvt = () => net.vvt.internalUrl;
const lsp = () => net.lsp.node.internalUrl;

describe('exit codes per command', () => {
  it('up, node, lsp: a bad configuration value or unknown key is a usage error (2), before anything listens', async () => {
    expect(await code('up', '--ports.vvt.public=eighty'), err).toBe(2);
    expect(err).toContain('ports.vvt.public');
    expect(await code('up', '--no.such.key=1'), err).toBe(2);
    expect(await code('node', '--http.public.port=x'), err).toBe(2);
    expect(await code('lsp', '--unknown.key=1'), err).toBe(2);
  });

  it('seed and dashboard: 0 seeded, 2 usage, 3 nodes unreachable', async () => {
    expect(await code('seed', '--node', vvt(), '--lsp', lsp(), '--wait', '5'), err).toBe(0);
    expect(await code('seed', '--wait', 'soon')).toBe(2);
    expect(await code('seed', '--node', closed, '--lsp', closed, '--wait', '0'), err).toBe(3);
    expect(await code('dashboard', '--port', '-1')).toBe(2);
    expect(await code('dashboard', '--node', closed, '--lsp', closed, '--wait', '0'), err).toBe(3);
  });

  it('audit verify|export|overview: 0 ok, 1 refused, 2 usage, 3 unreachable; the local node by default', async () => {
    expect(await code('audit', 'verify', '--node', vvt()), err).toBe(0);
    expect(await code('audit', 'verify', '--node', closed), err).toBe(3);
    expect(await code('audit', 'verify', '--db', 'a.db', '--file', 'b.ndjson')).toBe(2);
    // the public port has no internal API: the node refuses
    expect(await code('audit', 'verify', '--node', net.vvt.url), err).toBe(1);
    expect(await code('audit', 'export', '--node', vvt()), err).toBe(0);
    expect(await code('audit', 'export', '--node', vvt(), '--format', 'xml')).toBe(2);
    expect(await code('audit', 'export', '--node', closed)).toBe(3);
    expect(await code('audit', 'overview', '999911004', '--node', vvt()), err).toBe(0);
    expect(await code('audit', 'overview', '999911005', '--node', vvt())).toBe(2);
    expect(err).toContain('11-check');
    expect(await code('audit', 'overview', '999911004', '--node', closed)).toBe(3);
    expect(await code('audit', 'verify', '--help')).toBe(0);
  });

  it('pki init: 0 created, 2 usage', async () => {
    expect(await code('pki', 'init', '--dir', path.join(dir, 'pki'), '--key-type', 'P-256', '--org', 'Zorg,Utrecht,90000303,03030303'), err).toBe(0);
    expect(await code('pki', 'init', '--dir', path.join(dir, 'pki'), '--key-type', 'DSA')).toBe(2);
  });

  it('credential issue|verify|list: 0 ok, 1 refused or invalid, 2 usage, 3 unreachable', async () => {
    const file = path.join(dir, 'vc.jwt');
    const issue = ['credential', 'issue', '--issuer', 'vvt', '--type', 'NutsOrganizationCredential', '--subject', net.seeded.vvtDid, '--claims', '{"organization":{"name":"Zorg","city":"Utrecht"}}'];
    let out = '';
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
    try {
      expect(await runCli(['node', 'nuts-lsp-lab', ...issue, '--node', vvt()], { out: () => {}, err: () => {} })).toBe(0);
    } finally {
      process.stdout.write = write;
      process.exitCode = undefined;
    }
    writeFileSync(file, out.trim());
    expect(await code(...issue, '--node', closed)).toBe(3);
    expect(await code(...issue, '--node', vvt(), '--days', '-1')).toBe(2);
    expect(await code('credential', 'issue', '--node', vvt(), '--issuer', 'nobody-here', '--type', 'X', '--subject', 'did:web:x')).toBe(1);
    expect(await code('credential', 'verify', file, '--node', vvt()), err).toBe(0);
    expect(await code('credential', 'verify', path.join(dir, 'missing.json'), '--node', vvt())).toBe(2);
    expect(await code('credential', 'verify', file, '--node', closed)).toBe(3);
    const [h, p] = out.trim().split('.');
    writeFileSync(path.join(dir, 'forged.jwt'), `${h}.${p}.${'A'.repeat(86)}`);
    expect(await code('credential', 'verify', path.join(dir, 'forged.jwt'), '--node', vvt())).toBe(1);
    expect(await code('credential', 'list', '--subject', 'vvt', '--node', vvt()), err).toBe(0);
    expect(await code('credential', 'list', '--subject', 'vvt', '--node', closed)).toBe(3);
  });

  it('data import|list|export: 0 ok, 1 refused, 2 usage (before any call), 3 unreachable', async () => {
    const examples = path.resolve(import.meta.dirname, '..', '..', 'examples', 'data');
    expect(await code('data', 'import', examples, '--lsp', lsp()), err).toBe(0);
    expect(await code('data', 'import', path.join(dir, 'nothing-here'), '--lsp', lsp())).toBe(2);
    expect(await code('data', 'import', examples, '--lsp', lsp(), '--consent', 'maybe')).toBe(2);
    expect(await code('data', 'import', examples, '--lsp', closed)).toBe(3);
    // a Patient with a BSN failing the 11-check is refused locally; an MA the MP9 rules reject is refused by the LSP
    writeFileSync(path.join(dir, 'bad-bsn.json'), JSON.stringify({ resourceType: 'Patient', id: 'p1', identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911005' }] }));
    expect(await code('data', 'import', path.join(dir, 'bad-bsn.json'), '--lsp', lsp(), '--source', 'huisarts-de-linde')).toBe(2);
    expect(err).toContain('11-check');
    writeFileSync(
      path.join(dir, 'bad-ma.json'),
      JSON.stringify({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: { resourceType: 'Patient', id: 'p2', identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911077' }] } },
          { resource: { resourceType: 'MedicationRequest', id: 'ma2', meta: { profile: ['http://nictiz.nl/fhir/StructureDefinition/mp-MedicationAgreement'] }, category: [{ coding: [{ system: 'http://snomed.info/sct', code: '33633005' }] }], subject: { reference: 'Patient/p2' } } },
        ],
      }),
    );
    expect(await code('data', 'import', path.join(dir, 'bad-ma.json'), '--lsp', lsp()), err).toBe(1);
    expect(await code('data', 'list', '--lsp', lsp())).toBe(0);
    expect(await code('data', 'list', '--lsp', closed)).toBe(3);
    expect(await code('data', 'export', '--lsp', lsp(), '--bsn', '999911065', '--out', path.join(dir, 'export')), err).toBe(0);
    expect(await code('data', 'export', '--lsp', lsp(), '--bsn', '999911005')).toBe(2);
    expect(await code('data', 'export', '--lsp', lsp(), '--bsn', '999911089')).toBe(1);
    expect(await code('data', 'export', '--lsp', closed)).toBe(3);
  });

  it('status, scenario, ecd, conformance: 2 usage (a BSN failing the 11-check included), 3 unreachable, 1 refused', async () => {
    expect(await code('status', '--node', vvt(), '--lsp', lsp(), '--dashboard', closed)).toBe(3);
    expect(await code('status', '--timeout', 'x')).toBe(2);
    expect(await code('scenario', 'list', '--lsp', lsp())).toBe(0);
    expect(await code('scenario', 'list', '--lsp', closed)).toBe(3);
    expect(await code('scenario', 'apply', 'no-such-scenario', '--lsp', lsp())).toBe(1);
    expect(await code('scenario', 'apply', 'bad name!', '--lsp', lsp())).toBe(2);
    expect(await code('ecd', 'toedienlijst', '--node', vvt(), '--bsn', '999911005', '--role', '30.000')).toBe(2);
    expect(err).toContain('11-check');
    expect(await code('ecd', 'toedienlijst', '--node', closed, '--bsn', '999911004', '--role', '30.000', '-q')).toBe(3);
    expect(await code('conformance', '--profile', 'fhir', '--target', `${net.lsp.node.url}/fhir`, '--token', 't', '--bsn', '999911005')).toBe(2);
    expect(await code('no-such-command')).toBe(2);
  });
});
