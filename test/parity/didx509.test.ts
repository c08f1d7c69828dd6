// Parity: nuts-node v6.2.10's e2e-tests/oauth-flow/didx509: node A configured by its compose environment (NUTS_*),
// upstream's access policy and discovery definition (PDs on $.credentialSubject[0]…), an X509Credential from the
// Fake UZI Root CA chain in the wallet, discovery by subject.O, a Bearer token ("bearer") and introspection claims.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { internal } from '../helpers/node.js';
import { body, HAS_UPSTREAM, readUpstream, readUpstreamJson, scriptBodies, skipNote, upstreamPath } from './upstream.js';
import { startUpstreamConfiguredNode } from './nodes.js';

const FLOW = ['e2e-tests', 'oauth-flow', 'didx509'];
skipNote('oauth-flow/didx509');

describe.skipIf(!HAS_UPSTREAM)('parity: oauth-flow/didx509 (nuts-node v6.2.10 e2e)', () => {
  let a: LabNode;
  const vars: Record<string, string> = {};
  let bodies: ReturnType<typeof scriptBodies>;
  let accessToken: string;

  beforeAll(async () => {
    bodies = scriptBodies(...FLOW, 'run-test.sh');
    const compose = parse(readUpstream(...FLOW, 'docker-compose.yml')) as { services: Record<string, { environment: Record<string, string> }> };
    const env = Object.fromEntries(Object.entries(compose.services['nodeA-backend']!.environment).map(([k, v]) => [k, String(v)]));
    const policies = mkdtempSync(path.join(tmpdir(), 'parity-x509-policy-'));
    writeFileSync(path.join(policies, 'accesspolicy.json'), readFileSync(upstreamPath(...FLOW, 'accesspolicy.json')));
    const def = readUpstreamJson(...FLOW, 'discovery.json');
    const disco = mkdtempSync(path.join(tmpdir(), 'parity-x509-disco-'));
    a = await startUpstreamConfiguredNode('nodeA', env, {
      policyDirectory: policies,
      discovery: (url) => {
        writeFileSync(path.join(disco, 'discovery.json'), JSON.stringify({ ...def, endpoint: `${url}/discovery/${def.id}` }));
        return disco;
      },
      // upstream pins the root by the PD's issuer pattern; the lab also wants the root configured as trusted
      x509Roots: [upstreamPath(...FLOW, 'certs', 'nodeA-chain.pem')],
    });
  });
  afterAll(async () => a?.stop());

  it('creates subject vendorA', async () => {
    const r = await internal(a, 'POST', '/internal/vdr/v2/subject', body(bodies, 'REQUEST', 0, vars));
    expect(r.status, r.text).toBe(200);
    vars.VENDOR_A_DID = r.json.documents[0].id;
  });

  it('loads an X509Credential from the Fake UZI Root CA chain into the wallet (204)', async () => {
    // upstream mints it with go-didx509-toolkit (`vc chain key "CN=Fake UZI Root CA" did`, PS256); the lab's issuer API does the same
    const minted = await internal(a, 'POST', '/internal/vcr/v2/issuer/vc', {
      type: 'X509Credential',
      format: 'jwt_vc',
      issuer: vars.VENDOR_A_DID,
      credentialSubject: { id: vars.VENDOR_A_DID },
      expirationDate: new Date(Date.now() + 86_400_000).toISOString(),
      x509: { chain: [readUpstream(...FLOW, 'certs', 'nodeA-chain.pem')], privateKeyPem: readUpstream(...FLOW, 'certs', 'nodeA.key'), alg: 'PS256' },
    });
    expect(minted.status, minted.text).toBe(200);
    const r = await internal(a, 'POST', '/internal/vcr/v2/holder/vendorA/vc', `"${minted.json}"`);
    expect(r.status, r.text).toBe(204);
  });

  it('registers on e2e-test and is found by credentialSubject.subject.O=Because*', async () => {
    const r = await internal(a, 'POST', '/internal/discovery/v1/e2e-test/vendorA', body(bodies, 'REQUEST', 1, vars));
    expect(r.status, r.text).toBe(200);
    await a.discovery.refreshNow();
    const found = await internal(a, 'GET', '/internal/discovery/v1/e2e-test?credentialSubject.subject.O=Because*');
    expect(found.json).toHaveLength(1);
  });

  it('gets a token with token_type "bearer" and introspects URA 00001, Because We Care, Healthland', async () => {
    const req = body(bodies, 'REQUEST', 2, vars);
    expect(req.token_type).toBe('bearer');
    req.authorization_server = `${a.url}/oauth2/vendorA`;
    const r = await internal(a, 'POST', '/internal/auth/v2/vendorA/request-service-access-token', req);
    expect(r.text).toContain('access_token');
    accessToken = r.json.access_token;
    const intro = await internal(a, 'POST', '/internal/auth/v2/accesstoken/introspect', `token=${accessToken}`, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(intro.json.organization_ura).toBe('00001');
    expect(intro.json.organization_name).toBe('Because We Care');
    expect(intro.json.organization_city).toBe('Healthland');
  });
});
