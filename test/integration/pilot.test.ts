// LSPxNuts pilot mode over real HTTP: a vendor node (care-provider and service-provider wallets) gets an RFC 7523 jwt-bearer token from the mock LSP's AS and uses it on /fhir; each rejection says why.
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { createLspNode, type LspNode } from '../../simulators/lsp/main.js';
import { issuePilotCredentials, MEDGEG_ACTION, PILOT_SCOPE, type PilotCredentials } from '../../simulators/lsp/pilot-seed.js';
import { demoPatients } from '../../simulators/lsp/scenarios.js';
import { internal, startTestNode, testNodeConfig } from '../helpers/node.js';
import { tempPki } from '../helpers/pki.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const URA_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/ura';
// the care provider is in the LSP's address book (Thuiszorg De Zonnebloem, T2), so Mitz consent can place it
const ZONNEBLOEM = { name: 'Thuiszorg De Zonnebloem', city: 'Utrecht', ura: '90000303', agb: '33445566', uzi: '900040404' };
const BSN = demoPatients()[1]!;
const OTHER_BSN = demoPatients()[2]!;

type Pki = Awaited<ReturnType<typeof tempPki>>;
let pki: Pki;
let rogue: Pki;
let vendor: LabNode;
let lsp: LspNode;
let plain: LabNode;
let seeded: PilotCredentials;
let shift = 0;
const clock = () => Date.now() + shift;
const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString();

/** the vendor's outgoing token requests and the AS's answers, as they went over the wire */
const wire: Array<{ form: URLSearchParams; status: number; body: Record<string, unknown> }> = [];
const recordingFetch: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  if (String(input).endsWith('/token')) wire.push({ form: new URLSearchParams(String(init?.body)), status: res.status, body: (await res.clone().json()) as Record<string, unknown> });
  return res;
};

beforeAll(async () => {
  [pki, rogue] = await Promise.all([tempPki([ZONNEBLOEM]), tempPki([{ ...ZONNEBLOEM, name: 'Rogue Zorg' }])]);
  vendor = await startTestNode('vendor', { pki: { dir: pki.dir } }, { clock, fetch: recordingFetch });
  const config = testNodeConfig('lsp', {
    organization: { ura: '90000999', name: 'Mock LSP' },
    vcr: { x509: { trustedRoots: [pki.root.file] } },
  });
  lsp = createLspNode(config, { sourceTimeoutMs: 2000, deps: { clock } });
  await lsp.node.start();
  seeded = await issuePilotCredentials({
    vendorNode: vendor,
    hcpSubject: 'zonnebloem',
    spSubject: 'ecd-vendor',
    lspNode: lsp.node,
    pki: { organisation: pki.organisations[0]!.id },
    vendorName: 'ECD Leverancier B.V.',
    professional: { uzi: '900012345', roleCode: '30.000', facilityType: 'T2' },
    patients: [BSN],
  });
}, 30_000);
afterAll(async () => {
  await vendor?.stop();
  await lsp?.node.stop();
  await plain?.stop();
  pki?.cleanup();
  rogue?.cleanup();
});

const asUrl = () => `${lsp.node.url}/oauth2/lsp`;
const requestToken = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  internal(vendor, 'POST', '/internal/auth/v2/zonnebloem/request-service-access-token', { authorization_server: asUrl(), scope: PILOT_SCOPE, service_provider_subject_id: 'ecd-vendor', ...body }, headers);
const introspect = async (token: string) => {
  const res = await fetch(`${lsp.node.internalUrl}/internal/auth/v2/accesstoken/introspect`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }) });
  return (await res.json()) as Record<string, unknown>;
};
const fhirSearch = (token: string, bsn: string) =>
  // a nurse (30.000) reads medication agreements (MA), not dispense requests (VV)
  fetch(`${lsp.node.url}/fhir/MedicationRequest?patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|${bsn}&category=http://snomed.info/sct|33633005`, { headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } });

describe('pilot-mode token flow end to end', () => {
  it('the LSP advertises the jwt-bearer grant because its policy has a service_provider definition', async () => {
    const md = (await (await fetch(`${lsp.node.url}/.well-known/oauth-authorization-server/oauth2/lsp`)).json()) as Record<string, unknown>;
    expect(md.grant_types_supported).toEqual(['vp_token-bearer', JWT_BEARER]);
  });

  it('grants a 20 s Bearer token; the wire request has two VPs with iss = holder, no vp.holder, no client_id, no presentation_submission', async () => {
    const before = wire.length;
    const r = await requestToken({ credential_selection: { patient_enrollment_bsn: BSN } });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ token_type: 'Bearer', expires_in: 20, scope: PILOT_SCOPE });
    const sent = wire[before]!;
    expect(sent.status).toBe(200);
    expect([...sent.form.keys()].sort()).toEqual(['assertion', 'client_assertion', 'client_assertion_type', 'grant_type', 'scope']);
    expect(sent.form.get('grant_type')).toBe(JWT_BEARER);
    expect(sent.form.get('client_assertion_type')).toBe(CLIENT_ASSERTION_TYPE);
    for (const [vp, holder] of [[sent.form.get('assertion')!, seeded.hcpDid], [sent.form.get('client_assertion')!, seeded.spDid]] as const) {
      const c = decodeJwt(vp) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      expect(c.iss).toBe(holder);
      expect(c.aud).toBe(asUrl());
      expect(c.vp).not.toHaveProperty('holder');
      expect(c.exp - c.nbf).toBeLessThanOrEqual(5);
      expect(Array.isArray(c.vp.verifiableCredential) && Array.isArray(c.vp.type)).toBe(true);
    }
    const orgTypes = (decodeJwt(sent.form.get('assertion')!) as any).vp.verifiableCredential.map((vc: string) => (decodeJwt(vc) as any).vc.type[1]); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(orgTypes).toEqual(['HealthcareProviderCredential', 'HealthCareProfessionalDelegationCredential', 'PatientEnrollmentCredential']);
  });

  it('introspection shows the URA, the mandating role, the enrolled BSN and the service provider as client', async () => {
    const token = (await requestToken({ credential_selection: { patient_enrollment_bsn: BSN } })).json.access_token as string;
    const i = await introspect(token);
    expect(i).toMatchObject({
      active: true,
      iss: asUrl(),
      client_id: seeded.spDid,
      scope: PILOT_SCOPE,
      organization_ura: ZONNEBLOEM.ura,
      organization_name: ZONNEBLOEM.name,
      employee_identifier: '900012345',
      employee_role_code: '30.000',
      patient_enrollment_bsn: BSN,
      service_provider_name: 'ECD Leverancier B.V.',
      delegated_by_ura: ZONNEBLOEM.ura,
    });
    expect((i.exp as number) - (i.iat as number)).toBe(20);
  });

  it('the token reads the enrolled patient on the LSP /fhir, not another patient, and is cached by the client', async () => {
    const first = await requestToken({ credential_selection: { patient_enrollment_bsn: BSN } }, { 'cache-control': 'no-cache' });
    const again = await requestToken({ credential_selection: { patient_enrollment_bsn: BSN } });
    expect(again.json.access_token).toBe(first.json.access_token);
    const token = first.json.access_token as string;
    const ok = await fhirSearch(token, BSN);
    expect(ok.status).toBe(200);
    const bundle = (await ok.json()) as { entry: Array<{ search: { mode: string } }> };
    expect(bundle.entry.filter((e) => e.search.mode === 'match').length).toBeGreaterThan(0);
    const other = await fhirSearch(token, OTHER_BSN);
    expect(other.status).toBe(403);
    expect(JSON.stringify(await other.json())).toMatch(/patient\.not-enrolled.*enrolled patient BSN/);
  });

  it('expires after 20 s (injected clock): introspection inactive, /fhir 401', async () => {
    const fresh = await requestToken({}, { 'cache-control': 'no-cache' });
    const token = fresh.json.access_token as string;
    const { iat, exp } = (await introspect(token)) as { iat: number; exp: number };
    expect(exp - iat).toBe(20);
    // the clock is moved relative to the token's own times, so a slow machine cannot make this flaky
    shift = (exp - 1) * 1000 - Date.now();
    try {
      expect((await introspect(token)).active).toBe(true);
      shift = (exp + 1) * 1000 - Date.now();
      expect(await introspect(token)).toEqual({ active: false });
      expect((await fhirSearch(token, BSN)).status).toBe(401);
    } finally {
      shift = 0;
    }
  });

  it('the client refuses with a clear 400 when the AS does not advertise jwt-bearer', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nll-policy-'));
    copyFileSync(path.resolve('credentials/policies/medicatieoverdracht.json'), path.join(dir, 'medicatieoverdracht.json'));
    plain = await startTestNode('plain-as', { policy: { directory: dir } });
    await internal(plain, 'POST', '/internal/vdr/v2/subject', { subject: 'plain' });
    const r = await requestToken({ authorization_server: `${plain.url}/oauth2/plain` });
    expect(r.status).toBe(400);
    expect(r.json.detail).toMatch(/does not support the jwt-bearer grant .*not in its grant_types_supported: vp_token-bearer/);
  });

  it('the client refuses DPoP for the jwt-bearer flow and a wallet that lacks the MEDGEG delegation (412)', async () => {
    expect((await requestToken({ token_type: 'DPoP' })).json.detail).toMatch(/Bearer tokens/);
    await internal(vendor, 'POST', '/internal/vdr/v2/subject', { subject: 'sp-wrong-action' });
    const wrong = await issueDelegation({ authorizedActions: ['aorta.contextcode.OTHER'], subject: 'sp-wrong-action' });
    await internal(vendor, 'POST', '/internal/vcr/v2/holder/sp-wrong-action/vc', JSON.stringify(wrong));
    await internal(vendor, 'POST', '/internal/vcr/v2/holder/sp-wrong-action/vc', JSON.stringify(seeded.serviceProvider));
    const r = await requestToken({ service_provider_subject_id: 'sp-wrong-action' });
    expect(r.status).toBe(412);
    expect(r.json.detail).toMatch(/wallet of 'sp-wrong-action' cannot fulfil .*id_service_provider_delegation/);
  });
});

/** Issues a ServiceProviderDelegationCredential on the vendor node (default: the seeded, valid one's content). */
async function issueDelegation(o: { issuerSubject?: string; subject?: string; ura?: string; authorizedActions?: string[]; expirationDate?: string } = {}): Promise<string> {
  const issuer = (await internal(vendor, 'GET', `/internal/vdr/v2/subject/${o.issuerSubject ?? 'zonnebloem'}`)).json[0] as string;
  const subject = (await internal(vendor, 'GET', `/internal/vdr/v2/subject/${o.subject ?? 'ecd-vendor'}`)).json[0] as string;
  const r = await internal(vendor, 'POST', '/internal/vcr/v2/issuer/vc', {
    format: 'jwt_vc',
    type: 'ServiceProviderDelegationCredential',
    issuer,
    expirationDate: o.expirationDate ?? inAYear(),
    credentialSubject: { id: subject, hasDelegation: { delegatedBy: { '@type': 'HealthcareProvider', identifier: [{ system: URA_SYSTEM, value: o.ura ?? ZONNEBLOEM.ura }] }, scope: { authorizedActions: o.authorizedActions ?? [MEDGEG_ACTION] } } },
  });
  expect(r.status).toBe(200);
  return r.json as string;
}

/** A VP JWT signed by a vendor-node subject, with every envelope claim under the test's control. */
async function vpJwt(subject: string, credentials: string[], o: { iss?: string | null; holder?: string; aud?: string; lifetimeS?: number; jti?: string } = {}): Promise<string> {
  const key = await vendor.vdr.subjects.signingKey(subject);
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    ...(o.iss === null ? {} : { iss: o.iss ?? key.did }),
    sub: key.did,
    jti: o.jti ?? `${key.did}#${randomUUID()}`,
    nbf: now,
    iat: now,
    exp: now + (o.lifetimeS ?? 5),
    nonce: randomUUID(),
    aud: o.aud ?? asUrl(),
    vp: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiablePresentation'], ...(o.holder ? { holder: o.holder } : {}), verifiableCredential: credentials },
  };
  return vendor.crypto.service.signJwt(claims as never, key.kid, { headerKid: key.kid });
}

const orgCredentials = () => [seeded.healthcareProvider, seeded.professionalDelegation, seeded.patientEnrollments[BSN]!];
async function tokenAt(form: Record<string, string | undefined>) {
  const body = new URLSearchParams(Object.entries(form).filter((e): e is [string, string] => e[1] !== undefined));
  const res = await fetch(`${asUrl()}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  return { status: res.status, json: (await res.json()) as { error?: string; error_description?: string; access_token?: string } };
}
async function grantForm(o: { assertion?: string; clientAssertion?: string; spCredentials?: string[] } = {}) {
  return {
    grant_type: JWT_BEARER,
    assertion: o.assertion ?? (await vpJwt('zonnebloem', orgCredentials())),
    client_assertion_type: CLIENT_ASSERTION_TYPE,
    client_assertion: o.clientAssertion ?? (await vpJwt('ecd-vendor', o.spCredentials ?? [seeded.serviceProvider, seeded.serviceProviderDelegation])),
    scope: PILOT_SCOPE,
  } as Record<string, string | undefined>;
}

describe('pilot-mode rejections at the LSP token endpoint', () => {
  it('accepts a hand-built request (so the refusals below are about the one thing changed), and tolerates client_id and presentation_submission', async () => {
    expect((await tokenAt(await grantForm())).status).toBe(200);
    const extra = await tokenAt({ ...(await grantForm()), client_id: 'https://vendor.example/oauth2/ecd', presentation_submission: '{"id":"x","definition_id":"y","descriptor_map":[]}' });
    expect(extra.status).toBe(200);
  });

  it('unbound URA: the delegation names another care provider', async () => {
    const r = await tokenAt(await grantForm({ spCredentials: [seeded.serviceProvider, await issueDelegation({ ura: '90000101' })] }));
    expect(r).toMatchObject({ status: 400, json: { error: 'invalid_grant', error_description: 'ServiceProviderDelegationCredential delegatedBy URA 90000101 does not match the HealthcareProviderCredential URA 90000303' } });
  });

  it('unbound DID: the delegation is not issued by the care provider', async () => {
    const r = await tokenAt(await grantForm({ spCredentials: [seeded.serviceProvider, await issueDelegation({ issuerSubject: 'ecd-vendor' })] }));
    expect(r.json.error).toBe('invalid_grant');
    expect(r.json.error_description).toBe(`ServiceProviderDelegationCredential is issued by ${seeded.spDid}, not by the care provider ${seeded.hcpDid} of the HealthcareProviderCredential`);
  });

  it('wrong action: the delegation does not authorise aorta.contextcode.MEDGEG', async () => {
    const r = await tokenAt(await grantForm({ spCredentials: [seeded.serviceProvider, await issueDelegation({ authorizedActions: ['aorta.contextcode.OTHER'] })] }));
    expect(r.json.error).toBe('invalid_grant');
    expect(r.json.error_description).toMatch(/^client_assertion: presentation definition 'pd_lspxnuts_medicatie_service_provider' not fulfilled: input descriptor 'id_service_provider_delegation'.*authorizedActions.*aorta\.contextcode\.MEDGEG/);
  });

  it('vp.holder present is refused, as AORTA does', async () => {
    const r = await tokenAt(await grantForm({ assertion: await vpJwt('zonnebloem', orgCredentials(), { holder: seeded.hcpDid }) }));
    expect(r.json).toEqual({ error: 'invalid_grant', error_description: 'assertion: vp.holder must not be present (AORTA rejects this: unknown claim; the top-level iss names the holder)' });
  });

  it('top-level iss missing, or not the holder', async () => {
    const missing = await tokenAt(await grantForm({ clientAssertion: await vpJwt('ecd-vendor', [seeded.serviceProvider, seeded.serviceProviderDelegation], { iss: null }) }));
    expect(missing.json).toEqual({ error: 'invalid_grant', error_description: 'client_assertion: the VP JWT has no top-level iss; it must be the holder DID' });
    const other = await tokenAt(await grantForm({ assertion: await vpJwt('zonnebloem', orgCredentials(), { iss: seeded.spDid }) }));
    expect(other.json.error).toBe('invalid_grant');
    expect(other.json.error_description).toBe(`assertion: top-level iss ${seeded.spDid} is not the holder that signed the presentation (${seeded.hcpDid})`);
  });

  it('expired delegation', async () => {
    shift = -3_600_000; // the vendor issues "an hour ago" a delegation that expired half an hour ago
    let expired: string;
    try {
      expired = await issueDelegation({ expirationDate: new Date(Date.now() - 1_800_000).toISOString() });
    } finally {
      shift = 0;
    }
    const r = await tokenAt(await grantForm({ spCredentials: [seeded.serviceProvider, expired] }));
    expect(r.json.error).toBe('invalid_grant');
    expect(r.json.error_description).toMatch(/^client_assertion: credential ServiceProviderDelegationCredential .* is invalid \(expired\): credential is expired/);
  });

  it('missing client_assertion, wrong client_assertion_type, unknown grant', async () => {
    expect(await tokenAt({ ...(await grantForm()), client_assertion: undefined })).toMatchObject({ status: 400, json: { error: 'invalid_request', error_description: `client_assertion is required for grant_type ${JWT_BEARER}` } });
    expect((await tokenAt({ ...(await grantForm()), client_assertion_type: 'urn:x' })).json).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/^client_assertion_type must be/) });
    expect((await tokenAt({ ...(await grantForm()), grant_type: 'password' })).json.error).toBe('unsupported_grant_type');
  });

  it('replayed presentation, wrong audience, too long a validity', async () => {
    const form = await grantForm();
    expect((await tokenAt(form)).status).toBe(200);
    expect((await tokenAt(form)).json).toEqual({ error: 'invalid_grant', error_description: 'assertion: presentation jti has already been used' });
    const aud = await tokenAt(await grantForm({ assertion: await vpJwt('zonnebloem', orgCredentials(), { aud: `${vendor.url}/oauth2/x` }) }));
    expect(aud.json.error_description).toMatch(/^assertion: audience .* does not match the authorization server/);
    const long = await tokenAt(await grantForm({ clientAssertion: await vpJwt('ecd-vendor', [seeded.serviceProvider, seeded.serviceProviderDelegation], { lifetimeS: 60 }) }));
    expect(long.json.error_description).toMatch(/^client_assertion: presentation is valid for too long \(max 5s/);
  });

  it('a HealthcareProviderCredential from an untrusted did:x509 root', async () => {
    const org = rogue.organisations[0]!;
    await internal(vendor, 'POST', '/internal/vdr/v2/subject', { subject: 'rogue' });
    expect((await internal(vendor, 'POST', '/internal/pki/v1/subjects/rogue/certificate', { chain: readFileSync(org.files.chain, 'utf8'), privateKey: readFileSync(org.files.key, 'utf8') })).status).toBe(200);
    const rogueDid = (await internal(vendor, 'GET', '/internal/vdr/v2/subject/rogue')).json[0] as string;
    const hcp = (await internal(vendor, 'POST', '/internal/vcr/v2/issuer/vc', { format: 'jwt_vc', type: 'HealthcareProviderCredential', issuer: rogueDid, expirationDate: new Date(Date.now() + 30 * 86_400_000).toISOString(), credentialSubject: { id: rogueDid } })).json as string;
    const mandate = (await internal(vendor, 'POST', '/internal/vcr/v2/issuer/vc', { format: 'jwt_vc', type: 'HealthCareProfessionalDelegationCredential', issuer: rogueDid, expirationDate: inAYear(), credentialSubject: { id: rogueDid, registeredBy: 'urn:oid:2.16.528.1.1007.3.1.900012345', roleCode: '30.000' } })).json as string;
    const r = await tokenAt(await grantForm({ assertion: await vpJwt('rogue', [hcp, mandate]), spCredentials: [seeded.serviceProvider, await issueDelegation({ issuerSubject: 'rogue' })] }));
    expect(r.json.error).toBe('invalid_grant');
    expect(r.json.error_description).toMatch(/^assertion: credential HealthcareProviderCredential .* is invalid \(untrusted_issuer\)/);
  });

  it('a ServiceProviderCredential not issued by the LSP (pilot governance)', async () => {
    const self = (await internal(vendor, 'POST', '/internal/vcr/v2/issuer/vc', { format: 'jwt_vc', type: 'ServiceProviderCredential', issuer: seeded.spDid, expirationDate: inAYear(), credentialSubject: { id: seeded.spDid, name: 'Self-admitted B.V.' } })).json as string;
    const r = await tokenAt(await grantForm({ spCredentials: [self, seeded.serviceProviderDelegation] }));
    expect(r.json.error).toBe('invalid_grant');
    expect(r.json.error_description).toMatch(/^client_assertion: credential ServiceProviderCredential .* is invalid \(untrusted_issuer\)/);
  });
});
