// Parity: nuts-node v6.2.10's e2e-tests/oauth-flow/statuslist2021 on two lab nodes: B issues a revocable credential,
// verifies it, revokes it; B (local) and A (remote, downloading the status list) both answer "… credential is revoked".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { internal } from '../helpers/node.js';
import { body, HAS_UPSTREAM, scriptBodies, skipNote, upstreamPath } from './upstream.js';
import { startUpstreamConfiguredNode } from './nodes.js';

const FLOW = ['e2e-tests', 'oauth-flow', 'statuslist2021'];
skipNote('oauth-flow/statuslist2021');

describe.skipIf(!HAS_UPSTREAM)('parity: oauth-flow/statuslist2021 (nuts-node v6.2.10 e2e)', () => {
  let a: LabNode;
  let b: LabNode;
  const vars: Record<string, string> = {};
  let bodies: ReturnType<typeof scriptBodies>;
  let validation: string;

  beforeAll(async () => {
    bodies = scriptBodies(...FLOW, 'run-test.sh');
    a = await startUpstreamConfiguredNode('nodeA', upstreamPath(...FLOW, 'node-A', 'nuts.yaml'));
    b = await startUpstreamConfiguredNode('nodeB', upstreamPath(...FLOW, 'node-B', 'nuts.yaml'));
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('creates a subject on each node with an empty POST', async () => {
    for (const [node, v] of [[a, 'PARTY_A_DID'], [b, 'PARTY_B_DID']] as const) {
      const r = await internal(node, 'POST', '/internal/vdr/v2/subject');
      expect(r.status, r.text).toBe(200);
      vars[v] = r.json.documents[0].id;
    }
  });

  it('B issues a NutsOrganizationCredential with StatusList2021 revocation', async () => {
    const r = await internal(b, 'POST', '/internal/vcr/v2/issuer/vc', body(bodies, 'REQUEST', 0, vars));
    expect(r.text).toContain('VerifiableCredential');
    vars.CREDENTIAL_ID = r.json.id;
    validation = JSON.stringify({ verifiableCredential: r.json });
  });

  it('B verifies it: validity true', async () => {
    const r = await internal(b, 'POST', '/internal/vcr/v2/verifier/vc', validation);
    expect(r.json.validity).toBe(true);
  });

  it('after revocation, B answers a message ending in "credential is revoked"', async () => {
    const del = await fetch(`${b.internalUrl}/internal/vcr/v2/issuer/vc/${vars.CREDENTIAL_ID!.replace(/#/g, '%23')}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    const r = await internal(b, 'POST', '/internal/vcr/v2/verifier/vc', validation);
    expect(r.json.message).toMatch(/credential is revoked$/);
  });

  it('A, downloading B\'s status list, answers the same', async () => {
    const r = await internal(a, 'POST', '/internal/vcr/v2/verifier/vc', validation);
    expect(r.json.message).toMatch(/credential is revoked$/);
  });
});
