// Parity: nuts-node v6.2.10's e2e-tests/ops/create-subject: an empty POST creates a subject whose every DID document
// starts its @context with https://www.w3.org/ns/did/v1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { internal } from '../helpers/node.js';
import { HAS_UPSTREAM, readUpstream, skipNote, upstreamPath } from './upstream.js';
import { startUpstreamConfiguredNode } from './nodes.js';

skipNote('ops/create-subject');

describe.skipIf(!HAS_UPSTREAM)('parity: ops/create-subject (nuts-node v6.2.10 e2e)', () => {
  let a: LabNode;
  beforeAll(async () => {
    // the flow's compose file runs node A with the rfc021 node-A settings; only the subject call matters here
    a = await startUpstreamConfiguredNode('nodeA', upstreamPath('e2e-tests', 'oauth-flow', 'statuslist2021', 'node-A', 'nuts.yaml'));
  });
  afterAll(async () => a?.stop());

  it('every created DID document has @context[0] = https://www.w3.org/ns/did/v1', async () => {
    // the script's check, read from the script itself
    const expected = /if \[ "\$row" != "([^"]+)" \]/.exec(readUpstream('e2e-tests', 'ops', 'create-subject', 'run-test.sh'))![1];
    const r = await internal(a, 'POST', '/internal/vdr/v2/subject');
    expect(r.status, r.text).toBe(200);
    expect(r.json.documents.length).toBeGreaterThan(0);
    for (const d of r.json.documents) expect(d['@context'][0]).toBe(expected);
  });
});
