// Parity: nuts-node v6.2.10's e2e-tests/oauth-flow/openid4vp replayed against two lab nodes: upstream's nuts.yaml and
// presentationexchangemapping.json per node, its request bodies verbatim (hosts and ports adapted), its assertions;
// the same-device browser part (upstream: curl with a cookie jar) driven by a real Chromium, the nginx oauth2.js
// resource server emulated as upstream configures it (introspect at A, then dpop/validate with https://$host$uri).
import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { launchChromium } from '../helpers/browser.js';
import { internal } from '../helpers/node.js';
import { freePort } from '../helpers/ports.js';
import { conformance } from './openapi.js';
import { body, HAS_UPSTREAM, readUpstream, scriptBodies, skipNote, upstreamPath } from './upstream.js';
import { startUpstreamConfiguredNode } from './nodes.js';

const FLOW = ['e2e-tests', 'oauth-flow', 'openid4vp'];
skipNote('oauth-flow/openid4vp');

/** `curl … -d '{…}' http://localhost:18081/…` bodies of the DID set-up script (didweb-user.sh), in order */
interface Exchange {
  method: string;
  url: string;
  status: number;
  contentType: string | null;
  text: string;
}
/** the upstream path template of a flow URL (undefined: not an upstream operation checked here) */
function templateOf(url: string): string | undefined {
  const p = new URL(url).pathname;
  if (/^\/oauth2\/[^/]+\/request\.jwt\/[^/]+$/.test(p)) return '/oauth2/{subjectID}/request.jwt/{id}';
  const m = /^\/oauth2\/[^/]+\/(authorize|callback|response)$/.exec(p);
  return m ? `/oauth2/{subjectID}/${m[1]}` : undefined;
}

function curlBodies(script: string): Array<Record<string, unknown>> {
  return [...readUpstream(...FLOW, script).matchAll(/-d '(\{[^']*\})'/g)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>);
}

describe.skipIf(!HAS_UPSTREAM)('parity: oauth-flow/openid4vp (nuts-node v6.2.10 e2e)', () => {
  let a: LabNode;
  let b: LabNode;
  let browser: Browser;
  let caller: Server;
  const vars: Record<string, string> = {};
  let bodies: ReturnType<typeof scriptBodies>;
  let location: string;
  let session: string;
  let accessToken: string;
  let dpop: string;
  const hops: string[] = [];
  /** what the browser and the nodes' outgoing calls saw of the flow's upstream operations */
  const exchanges: Exchange[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (templateOf(url)) exchanges.push({ method: init?.method ?? 'GET', url, status: res.status, contentType: res.headers.get('content-type'), text: await res.clone().text() });
    return res;
  };

  beforeAll(async () => {
    bodies = scriptBodies(...FLOW, 'do-test.sh');
    a = await startUpstreamConfiguredNode('nodeA', upstreamPath(...FLOW, 'node-A', 'nuts.yaml'), { policyDirectory: upstreamPath(...FLOW, 'node-A'), deps: { fetch: recordingFetch } });
    b = await startUpstreamConfiguredNode('nodeB', upstreamPath(...FLOW, 'node-B', 'nuts.yaml'), { policyDirectory: upstreamPath(...FLOW, 'node-B'), deps: { fetch: recordingFetch } });
    // upstream's caller is http://callback: a loopback server answers as the calling application would, the browser
    // resolving the name to it (redirects are not interceptable in the page)
    caller = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('callback reached'));
    const port = await freePort();
    await new Promise<void>((r) => caller.listen(port, '127.0.0.1', r));
    browser = await launchChromium([`--host-resolver-rules=MAP callback 127.0.0.1:${port}`]);
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => caller?.close(r));
    await b?.stop();
    await a?.stop();
  });

  it('registers subjectA and subjectB (didweb-user.sh: POST /internal/vdr/v2/subject)', async () => {
    const [ba, bb] = curlBodies('didweb-user.sh');
    expect(ba).toEqual({ subject: 'subjectA' });
    const ra = await internal(a, 'POST', '/internal/vdr/v2/subject', ba);
    const rb = await internal(b, 'POST', '/internal/vdr/v2/subject', bb);
    expect(ra.status).toBe(200);
    expect(rb.status).toBe(200);
    vars.PARTY_A_DID = ra.json.documents[0].id;
    vars.PARTY_B_DID = rb.json.documents[0].id;
    expect(vars.PARTY_B_DID).toMatch(/^did:web:/);
  });

  it('B self-issues a NutsOrganizationCredential (withStatusList2021Revocation false) and loads it into its wallet', async () => {
    const r = await internal(b, 'POST', '/internal/vcr/v2/issuer/vc', body(bodies, 'REQUEST', 0, vars));
    expect(r.text).toContain('VerifiableCredential');
    const loaded = await internal(b, 'POST', '/internal/vcr/v2/holder/subjectB/vc', r.json);
    expect(loaded.text).toBe('');
    expect(loaded.status).toBe(204);
  });

  it('A and B publish the OpenID4VP metadata upstream serves (AS metadata, oauth-client, openid-configuration)', async () => {
    for (const [node, subject] of [[a, 'subjectA'], [b, 'subjectB']] as const) {
      const md = await fetch(`${node.url}/.well-known/oauth-authorization-server/oauth2/${subject}`);
      const mdText = await md.text();
      expect(conformance('iam', 'GET', '/.well-known/oauth-authorization-server/oauth2/{subjectID}', { status: md.status, contentType: md.headers.get('content-type'), text: mdText })).toEqual([]);
      const json = JSON.parse(mdText) as Record<string, unknown>;
      expect(json.authorization_endpoint).toBe(`${node.url}/oauth2/${subject}/authorize`);
      expect(json.grant_types_supported).toContain('authorization_code');
      expect(json.require_signed_request_object).toBe(true);
      const client = await fetch(`${node.url}/oauth2/${subject}/oauth-client`);
      const clientText = await client.text();
      expect(conformance('iam', 'GET', '/oauth2/{subjectID}/oauth-client', { status: client.status, contentType: client.headers.get('content-type'), text: clientText })).toEqual([]);
      expect(JSON.parse(clientText)).toMatchObject({ client_id_scheme: 'entity_id', token_endpoint_auth_method: 'none' });
      const oidc = await fetch(`${node.url}/.well-known/openid-configuration/oauth2/${subject}`);
      const jwt = await oidc.text();
      expect(oidc.headers.get('content-type')).toMatch(/^application\/entity-statement\+jwt/);
      const claims = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as { iss: string; metadata: { openid_provider: { issuer: string } } };
      expect(claims.iss).toBe(`${node.url}/oauth2/${subject}`);
      expect(claims.metadata.openid_provider.issuer).toBe(claims.iss);
    }
  });

  it('B starts the user flow (request-user-access-token with preauthorized_user): redirect_uri and session_id', async () => {
    const req = body(bodies, 'REQUEST', 1, vars);
    expect(req.authorization_server).toBe('https://nodeA/oauth2/subjectA');
    expect(req.preauthorized_user).toEqual({ id: '1', name: 'John Doe', role: 'Janitor' });
    req.authorization_server = `${a.url}/oauth2/subjectA`;
    const r = await internal(b, 'POST', '/internal/auth/v2/subjectB/request-user-access-token', req);
    expect(r.text).toContain('redirect_uri');
    expect(conformance('auth', 'POST', '/internal/auth/v2/{subjectID}/request-user-access-token', { status: r.status, contentType: r.headers.get('content-type'), text: r.text })).toEqual([]);
    location = r.json.redirect_uri;
    session = r.json.session_id;
    expect(location.startsWith(`${b.url}/oauth2/subjectB/`)).toBe(true);
    const pending = await internal(b, 'GET', `/internal/auth/v2/accesstoken/${session}`);
    expect(pending.json.status).toBe('pending');
  });

  it('a browser follows the redirects and cookies: B user → A authorize → B (wallet) → A response → B callback → the caller', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('request', (r) => hops.push(r.url()));
    page.on('response', (r) => {
      if (templateOf(r.url())) exchanges.push({ method: r.request().method(), url: r.url(), status: r.status(), contentType: r.headers()['content-type'] ?? null, text: '' });
    });
    const res = await page.goto(location);
    expect(await res!.text()).toBe('callback reached');
    expect(page.url()).toBe('http://callback/');
    const path = (u: string) => (u.startsWith(a.url) ? `A${new URL(u).pathname}` : u.startsWith(b.url) ? `B${new URL(u).pathname}` : u);
    expect(hops.map(path)).toEqual(['B/oauth2/subjectB/user', 'A/oauth2/subjectA/authorize', 'B/oauth2/subjectB/authorize', 'B/oauth2/subjectB/callback', 'http://callback/']);
    // the session cookie the user landing set, scoped to B's subject
    const cookies = await context.cookies(`${b.url}/oauth2/subjectB/callback`);
    expect(cookies.map((c) => [c.path, c.httpOnly])).toEqual([['/oauth2/subjectB', true]]);
    await context.close();
  });

  it('every hop and server-to-server call of the flow conforms to upstream\'s OpenAPI (authorize, request.jwt GET/POST, response, callback)', () => {
    const seen = new Set(exchanges.map((e) => `${e.method} ${templateOf(e.url)}`));
    expect([...seen].sort()).toEqual(['GET /oauth2/{subjectID}/authorize', 'GET /oauth2/{subjectID}/callback', 'GET /oauth2/{subjectID}/request.jwt/{id}', 'POST /oauth2/{subjectID}/request.jwt/{id}', 'POST /oauth2/{subjectID}/response']);
    const problems = exchanges.flatMap((e) => conformance('iam', e.method, templateOf(e.url)!, e).map((p) => `${e.method} ${new URL(e.url).pathname} ${e.status}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('B hands out the access token for the session (accesstoken/{sessionID}) with dpop_kid, once', async () => {
    const r = await internal(b, 'GET', `/internal/auth/v2/accesstoken/${session}`);
    expect(r.text).toContain('access_token');
    expect(conformance('auth', 'GET', '/internal/auth/v2/accesstoken/{sessionID}', { status: r.status, contentType: r.headers.get('content-type'), text: r.text })).toEqual([]);
    expect(r.json.token_type).toBe('DPoP');
    accessToken = r.json.access_token;
    vars.ACCESS_TOKEN = accessToken;
    vars.DPOP_KID = encodeURIComponent(r.json.dpop_kid);
    const spent = await internal(b, 'GET', `/internal/auth/v2/accesstoken/${session}`);
    expect(spent.status).toBe(404);
    expect(conformance('auth', 'GET', '/internal/auth/v2/accesstoken/{sessionID}', { status: spent.status, contentType: spent.headers.get('content-type'), text: spent.text })).toEqual([]);
  });

  it('request-user-access-token without preauthorized_user is a 400 problem as upstream declares it', async () => {
    const { preauthorized_user: _user, ...req } = body(bodies, 'REQUEST', 1, vars);
    const r = await internal(b, 'POST', '/internal/auth/v2/subjectB/request-user-access-token', { ...req, authorization_server: `${a.url}/oauth2/subjectA` });
    expect(r.status).toBe(400);
    expect(conformance('auth', 'POST', '/internal/auth/v2/{subjectID}/request-user-access-token', { status: r.status, contentType: r.headers.get('content-type'), text: r.text })).toEqual([]);
  });

  it('B creates a DPoP proof for https://resource:80/resource', async () => {
    const r = await internal(b, 'POST', `/internal/auth/v2/dpop/${vars.DPOP_KID}`, body(bodies, 'REQUEST', 2, vars));
    expect(r.text).toContain('dpop');
    dpop = r.json.dpop;
  });

  it('the resource call through the oauth2.js pattern succeeds (introspection at A, DPoP validated)', async () => {
    const intro = await internal(a, 'POST', '/internal/auth/v2/accesstoken/introspect', `token=${accessToken}`, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(intro.json).toMatchObject({ active: true, scope: 'test', client_id: `${b.url}/oauth2/subjectB` });
    const v = await internal(a, 'POST', '/internal/auth/v2/dpop/validate', { dpop_proof: dpop, method: 'GET', thumbprint: intro.json.cnf?.jkt, token: accessToken, url: 'https://resource/resource' });
    expect(v.json?.valid ? 'OK' : 'Unauthorized').toBe('OK');
  });

  it('A recorded the grant in its NEN 7513 log', async () => {
    const r = await internal(a, 'GET', '/internal/audit/v1/records?event=oauth.token.granted');
    const granted = (r.json.records ?? r.json) as Array<{ actor?: { userName?: string; role?: { code?: string } }; peer?: { url?: string } }>;
    expect(granted.some((g) => g.peer?.url === `${b.url}/oauth2/subjectB`)).toBe(true);
  });
}, 90_000);
