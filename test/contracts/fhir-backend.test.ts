// Runs the FhirBackend contract against the embedded store on SQLite (memory, file), an upstream FHIR server (a lab
// node's /internal/fhir behind a second node), and the mock LSP's broker; PostgreSQL runs in test/pg.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { internalCaller, UpstreamBackend, type FhirBackend } from '../../node/src/fhir/index.js';
import { startTestLsp } from '../helpers/lsp.js';
import { startTestNode } from '../helpers/node.js';
import { freePort } from '../helpers/ports.js';
import { brokerRefusals, fhirBackendContract, nodeBackend } from './fhir-backend.contract.js';

const dir = mkdtempSync(path.join(tmpdir(), 'nll-fhir-backend-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

fhirBackendContract('embedded, SQLite :memory:', async () => nodeBackend(await startTestNode('fb-memory')), { patientSearch: true });
fhirBackendContract('embedded, SQLite file', async () => nodeBackend(await startTestNode('fb-file', { database: { sqlite: path.join(dir, 'node.db') } })), { patientSearch: true });
fhirBackendContract(
  'upstream FHIR server (a lab node’s /internal/fhir)',
  async () => {
    const upstream = await startTestNode('fb-upstream');
    const proxy = await startTestNode('fb-proxy', { fhir: { upstream: `${upstream.internalUrl}/internal/fhir` } });
    return nodeBackend(proxy, async () => {
      await proxy.stop();
      await upstream.stop();
    });
  },
  { patientSearch: true },
);
const lsp = async () => {
  const { lsp } = await startTestLsp();
  return nodeBackend(lsp.node);
};
fhirBackendContract('broker (mock LSP): List and Consent, kept in its embedded store', lsp, { patientSearch: false });
brokerRefusals('broker (mock LSP)', lsp);

describe('FhirBackend: upstream unreachable', () => {
  it('answers 502 transient, never a resource or an empty result', async () => {
    const backend: FhirBackend = new UpstreamBackend(`http://127.0.0.1:${await freePort()}/fhir`, () => 'http://node.test/fhir');
    await expect(backend.read('List', 'x', internalCaller())).rejects.toMatchObject({ status: 502, message: expect.stringMatching(/upstream FHIR server unavailable/) });
  });
});
