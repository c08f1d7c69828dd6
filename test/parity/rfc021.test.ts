// Parity: nuts-node v6.2.10's e2e-tests/oauth-flow/rfc021 replayed against two lab nodes: upstream's node-A policy and
// discovery definition, its request bodies verbatim (hosts and ports adapted), its assertions; the nginx oauth2.js
// resource server emulated as upstream configures it (introspect, then dpop/validate with https://<host><uri>).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { internal } from '../helpers/node.js';
import { body, HAS_UPSTREAM, readUpstreamJson, scriptBodies, skipNote, upstreamPath } from './upstream.js';
import { startUpstreamConfiguredNode, trustAt } from './nodes.js';

const FLOW = ['e2e-tests', 'oauth-flow', 'rfc021'];
skipNote('oauth-flow/rfc021');

describe.skipIf(!HAS_UPSTREAM)('parity: oauth-flow/rfc021 (nuts-node v6.2.10 e2e)', () => {
  let a: LabNode;
  let b: LabNode;
  const vars: Record<string, string> = {};
  let bodies: ReturnType<typeof scriptBodies>;
  let credential: Record<string, unknown>;
  let accessToken: string;
  let dpop: string;

  beforeAll(async () => {
    bodies = scriptBodies(...FLOW, 'do-test.sh');
    // the shared discovery definition, its endpoint pointed at node A (upstream: http://nodeA-backend:8080/...)
    const def = readUpstreamJson(...FLOW, 'shared', 'discovery', 'definition.json');
    const disco = mkdtempSync(path.join(tmpdir(), 'parity-disco-'));
    a = await startUpstreamConfiguredNode('nodeA', upstreamPath(...FLOW, 'node-A', 'nuts.yaml'), {
      policyDirectory: upstreamPath(...FLOW, 'node-A'),
      discovery: (url) => {
        writeFileSync(path.join(disco, 'definition.json'), JSON.stringify({ ...def, endpoint: `${url}/discovery/${def.id}` }));
        return disco;
      },
    });
    b = await startUpstreamConfiguredNode('nodeB', upstreamPath(...FLOW, 'node-B', 'nuts.yaml'), { discovery: () => disco });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('registers vendors A and B (POST /internal/vdr/v2/subject)', async () => {
    const ra = await internal(a, 'POST', '/internal/vdr/v2/subject', body(bodies, 'REQUEST', 0, vars));
    const rb = await internal(b, 'POST', '/internal/vdr/v2/subject', body(bodies, 'REQUEST', 1, vars));
    expect(ra.status).toBe(200);
    expect(rb.status).toBe(200);
    vars.VENDOR_A_DID = ra.json.documents[0].id;
    vars.VENDOR_B_DID = rb.json.documents[0].id;
    expect(vars.VENDOR_B_DID).toMatch(/^did:web:/);
  });

  it('B self-issues a NutsOrganizationCredential with StatusList2021 and loads it into its wallet', async () => {
    const r = await internal(b, 'POST', '/internal/vcr/v2/issuer/vc', body(bodies, 'REQUEST', 2, vars));
    expect(r.text).toContain('VerifiableCredential');
    credential = r.json;
    const loaded = await internal(b, 'POST', '/internal/vcr/v2/holder/vendorB/vc', credential);
    expect(loaded.text).toBe('');
    expect(loaded.status).toBe(204);
    // lab adaptation (PARITY.md): a self-attested credential counts only next to an organisation credential from a
    // trusted issuer (for the AS and for every discovery client), so both trust it through the trust API upstream has
    for (const node of [a, b]) expect((await trustAt(node, vars.VENDOR_B_DID!, 'NutsOrganizationCredential')).status).toBe(204);
  });

  it('serves the status list credential at credentialStatus.statusListCredential (#3451 regression)', async () => {
    const url = (credential.credentialStatus as { statusListCredential: string }).statusListCredential;
    const res = await fetch(url);
    expect(await res.text()).toContain(`"id":"${url}"`);
  });

  it('B registers on the discovery service, is active, and a wildcard search finds it', async () => {
    const reg = await internal(b, 'POST', '/internal/discovery/v1/e2e-test/vendorB', body(bodies, 'REQUEST', 3, vars));
    expect(reg.status, reg.text).toBe(200);
    const status = await internal(b, 'GET', '/internal/discovery/v1/e2e-test/vendorB');
    expect(status.text).toContain('true');
    await b.discovery.refreshNow();
    const found = await internal(b, 'GET', '/internal/discovery/v1/e2e-test?credentialSubject.organization.name=*');
    expect(found.json).toHaveLength(1);
  });

  it('B gets an access token from A with a self-attested NutsEmployeeCredential (request-service-access-token)', async () => {
    const req = body(bodies, 'REQUEST', 4, vars);
    expect(req.authorization_server).toBe('https://nodeA/oauth2/vendorA');
    req.authorization_server = `${a.url}/oauth2/vendorA`;
    const traceparent = `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01`;
    const r = await internal(b, 'POST', '/internal/auth/v2/vendorB/request-service-access-token', req, { traceparent });
    expect(r.text).toContain('access_token');
    accessToken = r.json.access_token;
    vars.ACCESS_TOKEN = accessToken;
    vars.DPOP_KID = encodeURIComponent(r.json.dpop_kid);
  });

  it('B creates a DPoP proof for https://nodeA:443/resource', async () => {
    const req = body(bodies, 'REQUEST', 5, vars);
    const r = await internal(b, 'POST', `/internal/auth/v2/dpop/${vars.DPOP_KID}`, req);
    expect(r.text).toContain('dpop');
    dpop = r.json.dpop;
  });

  it('A introspects the token from a form post: active, employee_name John Doe', async () => {
    const r = await internal(a, 'POST', '/internal/auth/v2/accesstoken/introspect', `token=${accessToken}`, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(r.text).toMatch(/active.*true/);
    expect(r.text).toMatch(/employee_name.*John Doe/);
  });

  /** nginx + oauth2.js on node A: introspect, then validate the DPoP proof against https://$host$request_uri. */
  async function resource(): Promise<string> {
    const intro = await internal(a, 'POST', '/internal/auth/v2/accesstoken/introspect', `token=${accessToken}`, { 'content-type': 'application/x-www-form-urlencoded' });
    if (!intro.json?.active) return 'Unauthorized';
    const v = await internal(a, 'POST', '/internal/auth/v2/dpop/validate', { dpop_proof: dpop, method: 'GET', thumbprint: intro.json.cnf?.jkt, token: accessToken, url: 'https://nodeA/resource' });
    return v.json?.valid ? 'OK' : 'Unauthorized';
  }

  it('the resource call through the oauth2.js pattern succeeds (DPoP URL normalised as upstream does)', async () => {
    expect(await resource()).toBe('OK');
  });

  it('after B revokes its organisation credential, the resource call is Unauthorized', async () => {
    const id = String(credential.id);
    const res = await fetch(`${b.internalUrl}/internal/vcr/v2/issuer/vc/${id.replace(/#/g, '%23')}`, { method: 'DELETE' });
    expect(await res.text()).toBe('');
    expect(await resource()).toBe('Unauthorized');
  });
}, 60_000);
