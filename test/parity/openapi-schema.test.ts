// Parity: real requests to every upstream v6.2.10 route the lab implements (success and error cases), each answer
// checked against upstream's own OpenAPI files (status declared, content type declared, body valid per ajv); and every
// upstream operation is either exercised here or named as not served, with the reason in PARITY.md.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { HAS_UPSTREAM, skipNote, upstreamPath } from './upstream.js';
import { startUpstreamConfiguredNode, trustAt } from './nodes.js';
import { conformance, upstreamOperations, type SpecName } from './openapi.js';
import { CHECKED_IN_FLOWS, NOT_SERVED } from './deviations.js';

skipNote('OpenAPI schemas');

interface Step {
  spec: SpecName;
  method: string;
  /** the upstream path template */
  template: string;
  /** the concrete path (filled from the context) */
  path: (c: Ctx) => string;
  body?: (c: Ctx) => unknown;
  form?: (c: Ctx) => string;
  status: number;
  /** node A (the authorization server / discovery server) or B (the requester) */
  on?: 'a' | 'b';
  after?: (c: Ctx, json: any) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
}

interface Ctx {
  a: LabNode;
  b: LabNode;
  didA: string;
  didB: string;
  vc: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  vp: unknown;
  vcId: string;
  serviceId: string;
  token: string;
  dpopKid: string;
  dpop: string;
  jkt: string;
}

const enc = encodeURIComponent;
const ORG = (c: Ctx) => ({ '@context': ['https://www.w3.org/2018/credentials/v1', 'https://nuts.nl/credentials/v1'], type: 'NutsOrganizationCredential', issuer: c.didB, credentialSubject: { id: c.didB, organization: { name: 'Caresoft B.V.', city: 'Caretown' } }, withStatusList2021Revocation: true });
const EMPLOYEE = { '@context': ['https://www.w3.org/2018/credentials/v1', 'https://nuts.nl/credentials/v1'], type: ['VerifiableCredential', 'NutsEmployeeCredential'], credentialSubject: { name: 'John Doe', roleName: 'Janitor', identifier: '123456' } };

const STEPS: Step[] = [
  { spec: 'monitoring', method: 'GET', template: '/health', path: () => '/health', status: 200 },
  { spec: 'monitoring', method: 'GET', template: '/status', path: () => '/status', status: 200 },
  { spec: 'monitoring', method: 'GET', template: '/status/diagnostics', path: () => '/status/diagnostics', status: 200 },
  { spec: 'vdr', method: 'POST', template: '/internal/vdr/v2/subject', path: () => '/internal/vdr/v2/subject', body: () => ({ subject: 'extra' }), status: 200 },
  { spec: 'vdr', method: 'POST', template: '/internal/vdr/v2/subject', path: () => '/internal/vdr/v2/subject', body: () => ({ subject: 'extra' }), status: 409 },
  { spec: 'vdr', method: 'GET', template: '/internal/vdr/v2/subject', path: () => '/internal/vdr/v2/subject', status: 200 },
  { spec: 'vdr', method: 'GET', template: '/internal/vdr/v2/subject/{id}', path: () => '/internal/vdr/v2/subject/extra', status: 200 },
  { spec: 'vdr', method: 'GET', template: '/internal/vdr/v2/subject/{id}', path: () => '/internal/vdr/v2/subject/nobody', status: 404 },
  { spec: 'vdr', method: 'POST', template: '/internal/vdr/v2/subject/{id}/service', path: () => '/internal/vdr/v2/subject/extra/service', body: () => ({ type: 'ExampleService', serviceEndpoint: 'https://example.com/x' }), status: 200, after: (c, j) => (c.serviceId = `#${String(j[0]?.id ?? j.id).split('#')[1]}`) },
  { spec: 'vdr', method: 'GET', template: '/internal/vdr/v2/subject/{id}/service', path: () => '/internal/vdr/v2/subject/extra/service', status: 200 },
  { spec: 'vdr', method: 'POST', template: '/internal/vdr/v2/subject/{id}/service/{serviceId}', path: (c) => `/internal/vdr/v2/subject/extra/service/${enc(c.serviceId)}`, body: () => ({ type: 'ExampleService', serviceEndpoint: 'https://example.com/y' }), status: 200, after: (c, j) => (c.serviceId = `#${String(j[0]?.id ?? j.id).split('#')[1]}`) },
  { spec: 'vdr', method: 'DELETE', template: '/internal/vdr/v2/subject/{id}/service/{serviceId}', path: (c) => `/internal/vdr/v2/subject/extra/service/${enc(c.serviceId)}`, status: 204 },
  { spec: 'vdr', method: 'POST', template: '/internal/vdr/v2/subject/{id}/verificationmethod', path: () => '/internal/vdr/v2/subject/extra/verificationmethod', body: () => ({ assertionKey: true, encryptionKey: false }), status: 200 },
  { spec: 'vdr', method: 'GET', template: '/internal/vdr/v2/did/{did}', path: (c) => `/internal/vdr/v2/did/${enc(c.didB)}`, status: 200 },
  { spec: 'vdr', method: 'GET', template: '/internal/vdr/v2/did/{did}', path: () => `/internal/vdr/v2/did/${enc('did:web:localhost%3A1:iam:nobody')}`, status: 404 },
  { spec: 'vdr', method: 'DELETE', template: '/internal/vdr/v2/subject/{id}', path: () => '/internal/vdr/v2/subject/extra', status: 204 },
  { spec: 'vdr', method: 'GET', template: '/.well-known/did.json', path: () => '/.well-known/did.json', status: 404 },
  { spec: 'vdr', method: 'GET', template: '/iam/{id}/did.json', path: () => '/iam/vendorB/did.json', status: 200 },
  { spec: 'vcr', method: 'POST', template: '/internal/vcr/v2/issuer/vc', path: () => '/internal/vcr/v2/issuer/vc', body: ORG, status: 200, after: (c, j) => ((c.vc = j), (c.vcId = j.id)) },
  { spec: 'vcr', method: 'POST', template: '/internal/vcr/v2/issuer/vc', path: () => '/internal/vcr/v2/issuer/vc', body: (c) => ({ ...ORG(c), withStatusList2021Revocation: undefined }), status: 400 },
  { spec: 'vcr', method: 'GET', template: '/internal/vcr/v2/issuer/vc/search', path: (c) => `/internal/vcr/v2/issuer/vc/search?credentialType=NutsOrganizationCredential&issuer=${enc(c.didB)}`, status: 200 },
  { spec: 'vcr', method: 'POST', template: '/internal/vcr/v2/holder/{subjectID}/vc', path: () => '/internal/vcr/v2/holder/vendorB/vc', body: (c) => c.vc, status: 204 },
  { spec: 'vcr', method: 'POST', template: '/internal/vcr/v2/holder/{subjectID}/vc', path: () => '/internal/vcr/v2/holder/vendorB/vc', body: (c) => ({ ...c.vc, id: `${c.didB}#forged`, credentialSubject: { ...c.vc.credentialSubject, organization: { name: 'Forged', city: 'X' } } }), status: 400 },
  { spec: 'vcr', method: 'GET', template: '/internal/vcr/v2/holder/{subjectID}/vc', path: () => '/internal/vcr/v2/holder/vendorB/vc', status: 200 },
  { spec: 'vcr', method: 'GET', template: '/internal/vcr/v2/holder/{subjectID}/vc/search', path: () => '/internal/vcr/v2/holder/vendorB/vc/search?type=NutsOrganizationCredential', status: 200 },
  { spec: 'vcr', method: 'GET', template: '/internal/vcr/v2/vc/{id}', path: (c) => `/internal/vcr/v2/vc/${enc(c.vcId)}`, status: 200 },
  { spec: 'vcr', method: 'GET', template: '/internal/vcr/v2/vc/{id}', path: (c) => `/internal/vcr/v2/vc/${enc(`${c.didB}#nope`)}`, status: 404 },
  { spec: 'vcr', method: 'POST', template: '/internal/vcr/v2/verifier/vc', path: () => '/internal/vcr/v2/verifier/vc', body: (c) => ({ verifiableCredential: c.vc }), status: 200 },
  { spec: 'vcr', method: 'POST', template: '/internal/vcr/v2/holder/vp', path: () => '/internal/vcr/v2/holder/vp', body: (c) => ({ subjectID: 'vendorB', verifiableCredentials: [c.vc], format: 'jwt_vp' }), status: 200, after: (c, j) => (c.vp = j) },
  { spec: 'vcr', method: 'POST', template: '/internal/vcr/v2/verifier/vp', path: () => '/internal/vcr/v2/verifier/vp', body: (c) => ({ verifiablePresentation: c.vp }), status: 200 },
  { spec: 'vcr', method: 'POST', template: '/internal/vcr/v2/verifier/trust', path: () => '/internal/vcr/v2/verifier/trust', body: (c) => ({ issuer: c.didB, credentialType: 'NutsOrganizationCredential' }), status: 204, on: 'a' },
  { spec: 'vcr', method: 'GET', template: '/internal/vcr/v2/verifier/{credentialType}/trusted', path: () => '/internal/vcr/v2/verifier/NutsOrganizationCredential/trusted', status: 200, on: 'a' },
  { spec: 'vcr', method: 'GET', template: '/internal/vcr/v2/verifier/{credentialType}/untrusted', path: () => '/internal/vcr/v2/verifier/NutsOrganizationCredential/untrusted', status: 200, on: 'a' },
  { spec: 'vcr', method: 'POST', template: '/internal/vcr/v2/search', path: () => '/internal/vcr/v2/search', body: () => ({ query: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiableCredential', 'NutsOrganizationCredential'] } }), status: 200 },
  { spec: 'iam', method: 'GET', template: '/statuslist/{did}/{page}', path: (c) => c.vc.credentialStatus.statusListCredential.slice(c.b.url.length), status: 200 },
  { spec: 'iam', method: 'GET', template: '/.well-known/oauth-authorization-server/oauth2/{subjectID}', path: () => '/.well-known/oauth-authorization-server/oauth2/vendorA', status: 200, on: 'a' },
  { spec: 'iam', method: 'GET', template: '/oauth2/{subjectID}/presentation_definition', path: () => '/oauth2/vendorA/presentation_definition?scope=test', status: 200, on: 'a' },
  { spec: 'iam', method: 'GET', template: '/oauth2/{subjectID}/presentation_definition', path: () => '/oauth2/vendorA/presentation_definition?scope=nothing', status: 400, on: 'a' },
  { spec: 'iam', method: 'POST', template: '/oauth2/{subjectID}/token', path: () => '/oauth2/vendorA/token', form: () => 'grant_type=vp_token-bearer&scope=test', status: 400, on: 'a' },
  { spec: 'iam', method: 'GET', template: '/.well-known/openid-configuration/oauth2/{subjectID}', path: () => '/.well-known/openid-configuration/oauth2/vendorA', status: 200, on: 'a' },
  { spec: 'iam', method: 'GET', template: '/.well-known/openid-configuration/oauth2/{subjectID}', path: () => '/.well-known/openid-configuration/oauth2/nobody', status: 404, on: 'a' },
  { spec: 'iam', method: 'GET', template: '/oauth2/{subjectID}/oauth-client', path: () => '/oauth2/vendorB/oauth-client', status: 200 },
  // the rfc021 nodes run without the authorization endpoint (its nuts.yaml does not enable it): the user flow's
  // successes are checked in the openid4vp replay, its refusals here
  { spec: 'auth', method: 'POST', template: '/internal/auth/v2/{subjectID}/request-user-access-token', path: () => '/internal/auth/v2/vendorB/request-user-access-token', body: () => ({ scope: 'test' }), status: 400 },
  { spec: 'auth', method: 'GET', template: '/internal/auth/v2/accesstoken/{sessionID}', path: () => '/internal/auth/v2/accesstoken/nope', status: 400 },
  { spec: 'auth', method: 'POST', template: '/internal/auth/v2/{subjectID}/request-credential', path: () => '/internal/auth/v2/vendorB/request-credential', body: () => ({}), status: 400 },
  { spec: 'auth', method: 'POST', template: '/internal/auth/v2/{subjectID}/request-service-access-token', path: () => '/internal/auth/v2/vendorB/request-service-access-token', body: (c) => ({ authorization_server: `${c.a.url}/oauth2/vendorA`, scope: 'test', credentials: [EMPLOYEE] }), status: 200, after: (c, j) => ((c.token = j.access_token), (c.dpopKid = j.dpop_kid)) },
  { spec: 'auth', method: 'POST', template: '/internal/auth/v2/{subjectID}/request-service-access-token', path: () => '/internal/auth/v2/vendorB/request-service-access-token', body: () => ({ scope: 'test' }), status: 400 },
  { spec: 'auth', method: 'POST', template: '/internal/auth/v2/dpop/{kid}', path: (c) => `/internal/auth/v2/dpop/${enc(c.dpopKid)}`, body: (c) => ({ htm: 'GET', htu: 'https://nodeA/resource', token: c.token }), status: 200, after: (c, j) => (c.dpop = j.dpop) },
  { spec: 'auth', method: 'POST', template: '/internal/auth/v2/accesstoken/introspect', path: () => '/internal/auth/v2/accesstoken/introspect', form: (c) => `token=${c.token}`, status: 200, on: 'a', after: (c, j) => (c.jkt = j.cnf?.jkt) },
  { spec: 'auth', method: 'POST', template: '/internal/auth/v2/accesstoken/introspect', path: () => '/internal/auth/v2/accesstoken/introspect', form: () => 'token=', status: 200, on: 'a' },
  { spec: 'auth', method: 'POST', template: '/internal/auth/v2/accesstoken/introspect_extended', path: () => '/internal/auth/v2/accesstoken/introspect_extended', form: (c) => `token=${c.token}`, status: 200, on: 'a' },
  { spec: 'auth', method: 'POST', template: '/internal/auth/v2/dpop/validate', path: () => '/internal/auth/v2/dpop/validate', body: (c) => ({ dpop_proof: c.dpop, method: 'GET', thumbprint: c.jkt, token: c.token, url: 'http://nodeA:8080/resource' }), status: 200, on: 'a' },
  { spec: 'discovery', method: 'GET', template: '/internal/discovery/v1', path: () => '/internal/discovery/v1', status: 200 },
  { spec: 'discovery', method: 'POST', template: '/internal/discovery/v1/{serviceID}/{subjectID}', path: () => '/internal/discovery/v1/e2e-test/vendorB', body: () => ({ registrationParameters: { key: 'value' } }), status: 200 },
  { spec: 'discovery', method: 'GET', template: '/internal/discovery/v1/{serviceID}/{subjectID}', path: () => '/internal/discovery/v1/e2e-test/vendorB', status: 200 },
  { spec: 'discovery', method: 'GET', template: '/internal/discovery/v1/{serviceID}', path: () => '/internal/discovery/v1/e2e-test?credentialSubject.organization.name=*', status: 200 },
  { spec: 'discovery', method: 'GET', template: '/internal/discovery/v1/{serviceID}', path: () => '/internal/discovery/v1/unknown-service', status: 404 },
  { spec: 'discoveryServer', method: 'GET', template: '/discovery/{serviceID}', path: () => '/discovery/e2e-test', status: 200, on: 'a' },
  { spec: 'discoveryServer', method: 'POST', template: '/discovery/{serviceID}', path: () => '/discovery/e2e-test', body: () => 'not a presentation', status: 400, on: 'a' },
  { spec: 'discovery', method: 'DELETE', template: '/internal/discovery/v1/{serviceID}/{subjectID}', path: () => '/internal/discovery/v1/e2e-test/vendorB', status: 200 },
  { spec: 'vcr', method: 'DELETE', template: '/internal/vcr/v2/verifier/trust', path: () => '/internal/vcr/v2/verifier/trust', body: (c) => ({ issuer: c.didB, credentialType: 'NutsOrganizationCredential' }), status: 204, on: 'a' },
  { spec: 'vcr', method: 'DELETE', template: '/internal/vcr/v2/holder/{subjectID}/vc/{id}', path: (c) => `/internal/vcr/v2/holder/vendorB/vc/${enc(c.vcId)}`, status: 204 },
  { spec: 'vcr', method: 'DELETE', template: '/internal/vcr/v2/issuer/vc/{id}', path: (c) => `/internal/vcr/v2/issuer/vc/${enc(c.vcId)}`, status: 204 },
  { spec: 'vcr', method: 'DELETE', template: '/internal/vcr/v2/issuer/vc/{id}', path: (c) => `/internal/vcr/v2/issuer/vc/${enc(c.vcId)}`, status: 409 },
];

describe.skipIf(!HAS_UPSTREAM)('parity: answers conform to the nuts-node v6.2.10 OpenAPI files', () => {
  const c = {} as Ctx;
  beforeAll(async () => {
    const FLOW = ['e2e-tests', 'oauth-flow', 'rfc021'];
    const { readUpstreamJson } = await import('./upstream.js');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const def = readUpstreamJson(...FLOW, 'shared', 'discovery', 'definition.json');
    const disco = mkdtempSync(path.join(tmpdir(), 'parity-schema-'));
    c.a = await startUpstreamConfiguredNode('nodeA', upstreamPath(...FLOW, 'node-A', 'nuts.yaml'), {
      policyDirectory: upstreamPath(...FLOW, 'node-A'),
      discovery: (url) => {
        writeFileSync(path.join(disco, 'definition.json'), JSON.stringify({ ...def, endpoint: `${url}/discovery/${def.id}` }));
        return disco;
      },
    });
    c.b = await startUpstreamConfiguredNode('nodeB', upstreamPath(...FLOW, 'node-B', 'nuts.yaml'), { discovery: () => disco });
    c.didA = (await (await fetch(`${c.a.internalUrl}/internal/vdr/v2/subject`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"subject":"vendorA"}' })).json()).documents[0].id;
    c.didB = (await (await fetch(`${c.b.internalUrl}/internal/vdr/v2/subject`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"subject":"vendorB"}' })).json()).documents[0].id;
    for (const node of [c.a, c.b]) await trustAt(node, c.didB, 'NutsOrganizationCredential');
  });
  afterAll(async () => {
    await c.b?.stop();
    await c.a?.stop();
  });

  it.each(STEPS.map((s, i) => [`${s.method} ${s.template} → ${s.status}${STEPS.findIndex((x) => x.method === s.method && x.template === s.template && x.status === s.status) !== i ? ` (#${i})` : ''}`, s] as const))('%s', async (_name, s) => {
    const node = s.on === 'a' ? c.a : c.b;
    const p = s.path(c);
    const base = p.startsWith('/internal') ? node.internalUrl : p === '/health' || p === '/status' || p.startsWith('/status/') ? node.internalUrl : node.url;
    const headers: Record<string, string> = {};
    let body: string | undefined;
    if (s.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = s.form(c);
    } else if (s.body) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(s.body(c));
    }
    const res = await fetch(base + p, { method: s.method, headers, body });
    const text = await res.text();
    expect(res.status, text).toBe(s.status);
    expect(conformance(s.spec, s.method, s.template, { status: res.status, contentType: res.headers.get('content-type'), text })).toEqual([]);
    if (s.after && text) s.after(c, JSON.parse(text));
  });

  it('every upstream operation is exercised above or named as not served, with the reason', () => {
    const exercised = new Set(STEPS.map((s) => `${s.method} ${s.template}`));
    const unaccounted = upstreamOperations()
      .map((o) => `${o.method} ${o.path}`)
      .filter((op) => !exercised.has(op) && !NOT_SERVED.some((n) => n.operations.includes(op)) && !CHECKED_IN_FLOWS.some((n) => n.operations.includes(op)));
    expect(unaccounted).toEqual([]);
  });
});
