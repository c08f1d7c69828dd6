// Parity: nuts-node v6.2.10's e2e-tests/discovery: node A hosts dev:eOverdracht2023 (upstream's definition), B
// registers with a self-issued organisation credential (no revocation), both nodes find it by wildcard, B retracts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { internal } from '../helpers/node.js';
import { body, HAS_UPSTREAM, readUpstreamJson, scriptBodies, skipNote, upstreamPath } from './upstream.js';
import { startUpstreamConfiguredNode, trustAt } from './nodes.js';

const FLOW = ['e2e-tests', 'discovery'];
const SERVICE = 'dev:eOverdracht2023';
skipNote('discovery');

describe.skipIf(!HAS_UPSTREAM)('parity: discovery (nuts-node v6.2.10 e2e)', () => {
  let a: LabNode;
  let b: LabNode;
  const vars: Record<string, string> = {};
  let bodies: ReturnType<typeof scriptBodies>;

  beforeAll(async () => {
    bodies = scriptBodies(...FLOW, 'run-test.sh');
    const def = readUpstreamJson(...FLOW, 'definitions', 'definition.json');
    const dir = mkdtempSync(path.join(tmpdir(), 'parity-disco-'));
    a = await startUpstreamConfiguredNode('nodeA', upstreamPath(...FLOW, 'node-A', 'nuts.yaml'), {
      discovery: (url) => {
        writeFileSync(path.join(dir, 'definition.json'), JSON.stringify({ ...def, endpoint: `${url}/discovery/${SERVICE}` }));
        return dir;
      },
    });
    b = await startUpstreamConfiguredNode('nodeB', upstreamPath(...FLOW, 'node-B', 'nuts.yaml'), { discovery: () => dir });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('B creates a subject (empty POST with a JSON content type)', async () => {
    const r = await internal(b, 'POST', '/internal/vdr/v2/subject', undefined, { 'content-type': 'application/json' });
    expect(r.status, r.text).toBe(200);
    vars.SUBJECT = r.json.subject;
    vars.DID = r.json.documents[0].id;
  });

  it('B self-issues a NutsOrganizationCredential with withStatusList2021Revocation false and loads it', async () => {
    const r = await internal(b, 'POST', '/internal/vcr/v2/issuer/vc', body(bodies, 'REQUEST', 0, vars));
    expect(r.text).toContain('VerifiableCredential');
    const loaded = await internal(b, 'POST', `/internal/vcr/v2/holder/${vars.SUBJECT}/vc`, r.json);
    expect(loaded.text).toBe('');
    // lab adaptation (PARITY.md): the self-attested registration credential counts only next to a trusted organisation
    for (const node of [a, b]) expect((await trustAt(node, vars.DID!, 'NutsOrganizationCredential')).status).toBe(204);
  });

  it('B activates the service with an empty POST; the answer is empty', async () => {
    const r = await internal(b, 'POST', `/internal/discovery/v1/${SERVICE}/${vars.SUBJECT}`);
    expect(r.status, r.text).toBe(200);
    expect(r.text).toBe('');
  });

  it('A and B find B by name and city wildcards; the registration carries authServerURL', async () => {
    await a.discovery.refreshNow();
    await b.discovery.refreshNow();
    const onA = await internal(a, 'GET', `/internal/discovery/v1/${SERVICE}?credentialSubject.organization.name=Care*&credentialSubject.organization.city=*`);
    expect(onA.json).toHaveLength(1);
    const onB = await internal(b, 'GET', `/internal/discovery/v1/${SERVICE}?credentialSubject.organization.name=Care*`);
    expect(onB.json).toHaveLength(1);
    expect(onB.text).toContain('authServerURL');
  });

  it('B deactivates (empty answer) and neither node finds it any more', async () => {
    const del = await internal(b, 'DELETE', `/internal/discovery/v1/${SERVICE}/${vars.SUBJECT}`);
    expect(del.text).toBe('');
    await a.discovery.refreshNow();
    await b.discovery.refreshNow();
    for (const node of [a, b]) {
      const r = await internal(node, 'GET', `/internal/discovery/v1/${SERVICE}?credentialSubject.organization.name=Care*`);
      expect(r.json).toHaveLength(0);
    }
  });
});
