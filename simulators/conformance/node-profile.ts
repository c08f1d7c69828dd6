// Profile 'node': a Nuts node's APIs checked through documented nuts-node v6 calls only (reference nuts-node.md §2), so the
// same run means the same against a real nuts-node as against this lab's node.
import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, type JWK } from 'jose';
import { answerOf, brief, trimSlash, type Http } from './http.js';
import type { NodeClient } from '../../node/src/api-client/index.js';
import type { WireCredential } from '../../node/src/vcr/index.js';
import { CaseRunner, fail, type SuiteReport } from './report.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface NodeProfileOptions {
  /** public base URL of the node (serves /iam/…/did.json, /oauth2/…, /.well-known/…) */
  target: string;
  /** internal API base (serves /internal/…), named in the report */
  internal: string;
  /** the typed client of that internal API, with `refusals: 'return'` */
  api: NodeClient;
  /** for the public routes */
  http: Http;
  /** scope the node's policy must know (presentation_definition) */
  scope: string;
  onCase?: ConstructorParameters<typeof CaseRunner>[1];
}

const OAUTH_ERRORS = ['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'access_denied', 'server_error', 'invalid_dpop_proof'];
const FORMATS = ['jwt_vc', 'ldp_vc'] as const;

/** The did.json URL of a did:web (did:web spec): https, except http for loopback hosts as the lab allows. */
export function didWebUrl(did: string): string {
  const parts = did.split(':');
  if (parts[0] !== 'did' || parts[1] !== 'web' || parts.length < 3) throw new Error(`${did} is not a did:web`);
  const host = decodeURIComponent(parts[2]!);
  const path = parts.slice(3).map(decodeURIComponent).join('/');
  const scheme = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(host) ? 'http' : 'https';
  return `${scheme}://${host}/${path ? `${path}/did.json` : '.well-known/did.json'}`;
}

const idOf = (vm: any) => (typeof vm === 'string' ? vm : vm?.id);

export async function runNodeProfile(o: NodeProfileOptions): Promise<SuiteReport> {
  const run = new CaseRunner('node', o.onCase);
  const report: SuiteReport = { name: 'node', target: `${o.target} (internal ${o.internal})`, startedAt: new Date().toISOString(), cases: run.cases };
  const pub = trimSlash(o.target);
  const subject = `conformance-${randomBytes(4).toString('hex')}`;

  // reachability probe of both bases: no answer at all ends the run (exit 3)
  await o.api.GET('/internal/vdr/v2/subject');
  await o.http('GET', `${pub}/.well-known/oauth-authorization-server/oauth2/${subject}`);

  // ---- VDR v2 ----
  let did = '';
  let document: any;
  const created = await run.check('vdr', 'POST /internal/vdr/v2/subject creates a subject with a did:web', async () => {
    const a = await answerOf(o.api.POST('/internal/vdr/v2/subject', { body: { subject } }));
    if (a.status !== 200) fail('subject not created', 200, brief(a));
    if (a.json?.subject !== subject) fail('the answer does not name the requested subject', subject, a.json?.subject ?? brief(a));
    const docs: any[] = Array.isArray(a.json?.documents) ? a.json.documents : [];
    document = docs.find((d) => typeof d?.id === 'string' && d.id.startsWith('did:web:'));
    if (!document) fail('no did:web document in documents[]', 'documents[].id = did:web:…', docs.map((d) => d?.id));
    did = document.id;
    return did;
  });
  const needSubject = (group: string, name: string) => {
    if (!created) run.skip(group, name, 'no subject was created');
    return created;
  };

  if (needSubject('vdr', 'GET /internal/vdr/v2/subject lists it'))
    await run.check('vdr', 'GET /internal/vdr/v2/subject lists it', async () => {
      const a = await answerOf(o.api.GET('/internal/vdr/v2/subject'));
      if (a.status !== 200) fail('listing subjects failed', 200, brief(a));
      const dids = a.json?.[subject];
      if (!Array.isArray(dids) || !dids.includes(did)) fail(`subject ${subject} is not listed with its DID`, { [subject]: [did] }, dids ?? Object.keys(a.json ?? {}));
    });
  if (needSubject('vdr', 'GET /internal/vdr/v2/did/{did} resolves it'))
    await run.check('vdr', 'GET /internal/vdr/v2/did/{did} resolves it', async () => {
      const a = await answerOf(o.api.GET('/internal/vdr/v2/did/{did}', { params: { path: { did } } }));
      if (a.status !== 200) fail('DID not resolved', 200, brief(a));
      const doc = a.json?.document;
      if (doc?.id !== did) fail('document.id differs from the DID', did, doc?.id ?? brief(a));
      if (!a.json?.documentMetadata) fail('no documentMetadata', '{document, documentMetadata}', Object.keys(a.json ?? {}));
      if (!(doc.verificationMethod ?? []).length || !(doc.assertionMethod ?? []).length) fail('no verificationMethod or assertionMethod', 'a key for assertionMethod', { verificationMethod: doc.verificationMethod?.length ?? 0, assertionMethod: doc.assertionMethod?.length ?? 0 });
      document = doc;
    });
  if (needSubject('vdr', 'did.json is served on the public URL'))
    await run.check('vdr', 'did.json is served on the public URL', async () => {
      // the DID names the host; the path is fetched at --target, which may be the same host behind a proxy
      const url = `${pub}${new URL(didWebUrl(did)).pathname}`;
      const a = await o.http('GET', url, { headers: { accept: 'application/did+json, application/json' } });
      if (a.status !== 200) fail(`GET ${url} failed`, 200, brief(a));
      if (a.json?.id !== did) fail('the served document is another DID', did, a.json?.id ?? brief(a));
      const served = (a.json.verificationMethod ?? []).map(idOf).sort();
      const resolved = (document.verificationMethod ?? []).map(idOf).sort();
      if (JSON.stringify(served) !== JSON.stringify(resolved)) fail('served keys differ from the resolved document', resolved, served);
      return url;
    });

  // ---- VCR v2 ----
  const issued: Record<string, unknown> = {};
  for (const format of FORMATS) {
    if (!needSubject('vcr', `issue a NutsOrganizationCredential as ${format}`)) continue;
    await run.check('vcr', `issue a NutsOrganizationCredential as ${format}`, async () => {
      const a = await answerOf(
        o.api.POST('/internal/vcr/v2/issuer/vc', {
          body: { type: 'NutsOrganizationCredential', issuer: did, credentialSubject: { id: did, organization: { name: 'Conformance B.V.', city: 'Utrecht' } }, format, withStatusList2021Revocation: true },
        }),
      );
      if (a.status !== 200) fail('not issued', 200, brief(a));
      const vc = a.json;
      if (format === 'jwt_vc') {
        if (typeof vc !== 'string' || vc.split('.').length !== 3) fail('a jwt_vc is a compact JWT string', 'header.payload.signature', brief(a));
        const claims = decodeJwt(vc) as any;
        if (claims.iss !== did || claims.sub !== did) fail('iss/sub are not the subject DID', { iss: did, sub: did }, { iss: claims.iss, sub: claims.sub });
        if (!(claims.vc?.type ?? []).includes('NutsOrganizationCredential')) fail('vc.type lacks NutsOrganizationCredential', 'NutsOrganizationCredential', claims.vc?.type);
      } else {
        if (vc?.proof?.type !== 'JsonWebSignature2020') fail('an ldp_vc carries a JsonWebSignature2020 proof', 'JsonWebSignature2020', vc?.proof?.type ?? brief(a));
        if ((vc.issuer?.id ?? vc.issuer) !== did) fail('issuer is not the subject DID', did, vc.issuer);
      }
      issued[format] = vc;
    });
  }
  const vcId = (vc: unknown) => (typeof vc === 'string' ? (decodeJwt(vc) as any).jti : (vc as any).id) as string;
  const verify = (vc: unknown) => answerOf(o.api.POST('/internal/vcr/v2/verifier/vc', { body: { verifiableCredential: vc as WireCredential, verificationOptions: { allowUntrustedIssuer: true } } }));
  const withIssued = (format: string, name: string) => {
    if (!issued[format]) run.skip('vcr', name, `no ${format} was issued`);
    return issued[format];
  };
  for (const format of FORMATS) {
    const name = `POST /internal/vcr/v2/verifier/vc accepts the ${format}`;
    const vc = withIssued(format, name);
    if (vc)
      await run.check('vcr', name, async () => {
        const a = await verify(vc);
        if (a.status !== 200 || a.json?.validity !== true) fail('the fresh credential does not verify', { validity: true }, brief(a));
      });
  }
  for (const format of FORMATS) {
    const name = `POST /internal/vcr/v2/holder/{subject}/vc loads the ${format} into the wallet`;
    const vc = withIssued(format, name);
    if (vc)
      await run.check('vcr', name, async () => {
        const a = await answerOf(o.api.POST('/internal/vcr/v2/holder/{subjectID}/vc', { params: { path: { subjectID: subject } }, body: vc as WireCredential }));
        if (a.status !== 204 && a.status !== 200) fail('not loaded', 204, brief(a));
      });
  }
  if (Object.keys(issued).length)
    await run.check('vcr', 'GET /internal/vcr/v2/holder/{subject}/vc lists them', async () => {
      const a = await answerOf(o.api.GET('/internal/vcr/v2/holder/{subjectID}/vc', { params: { path: { subjectID: subject } } }));
      if (a.status !== 200 || !Array.isArray(a.json)) fail('the wallet is not listed as an array', 'array of credentials', brief(a));
      const ids = a.json.map((c: unknown) => vcId(c));
      const missing = Object.values(issued).map(vcId).filter((id) => !ids.includes(id));
      if (missing.length) fail('loaded credentials are missing from the wallet', Object.values(issued).map(vcId), ids);
      return `${a.json.length} credentials`;
    });
  for (const format of FORMATS) {
    const name = `DELETE /internal/vcr/v2/issuer/vc/{id} revokes the ${format}; verify then says revoked`;
    const vc = withIssued(format, name);
    if (vc)
      await run.check('vcr', name, async () => {
        const del = await answerOf(o.api.DELETE('/internal/vcr/v2/issuer/vc/{id}', { params: { path: { id: vcId(vc) } } }));
        if (del.status !== 204 && del.status !== 200) fail('not revoked', 204, brief(del));
        const a = await verify(vc);
        if (a.json?.validity !== false || !/revoked/i.test(String(a.json?.message ?? ''))) fail('verification does not report the revocation', { validity: false, message: '…revoked…' }, brief(a));
      });
  }

  // ---- Auth v2 ----
  let metadata: any;
  await run.check('auth', 'GET /.well-known/oauth-authorization-server/oauth2/{subject} is RFC 8414 metadata with the RFC021 fields', async () => {
    const a = await o.http('GET', `${pub}/.well-known/oauth-authorization-server/oauth2/${subject}`);
    if (a.status !== 200) fail('no metadata', 200, brief(a));
    metadata = a.json;
    const missing = ['issuer', 'token_endpoint', 'presentation_definition_endpoint', 'grant_types_supported', 'dpop_signing_alg_values_supported'].filter((k) => metadata?.[k] === undefined);
    if (!metadata?.vp_formats_supported && !metadata?.vp_formats) missing.push('vp_formats_supported');
    if (missing.length) fail(`metadata lacks ${missing.join(', ')}`, 'issuer, token_endpoint, presentation_definition_endpoint, grant_types_supported, vp_formats_supported, dpop_signing_alg_values_supported', Object.keys(metadata ?? {}));
    if (!String(metadata.issuer).endsWith(`/oauth2/${subject}`)) fail('issuer is not the subject’s /oauth2 URL (RFC 8414: it must equal the requested identifier)', `…/oauth2/${subject}`, metadata.issuer);
    if (!(metadata.grant_types_supported ?? []).includes('vp_token-bearer')) fail('grant_types_supported lacks vp_token-bearer (RFC021)', 'vp_token-bearer', metadata.grant_types_supported);
    return metadata.issuer;
  });
  const pdEndpoint = () => String(metadata?.presentation_definition_endpoint ?? `${pub}/oauth2/${subject}/presentation_definition`);
  await run.check('auth', `presentation_definition for scope '${o.scope}'`, async () => {
    const a = await o.http('GET', `${pdEndpoint()}?scope=${encodeURIComponent(o.scope)}`);
    if (a.status !== 200) fail(`no presentation definition for scope '${o.scope}' (configure the node's policy, or pass --scope)`, 200, brief(a));
    if (typeof a.json?.id !== 'string' || !Array.isArray(a.json?.input_descriptors) || !a.json.input_descriptors.length) fail('not a presentation definition', '{id, input_descriptors[]}', brief(a));
    return a.json.id;
  });
  await run.check('auth', 'presentation_definition for an unknown scope → 400 invalid_scope', async () => {
    const a = await o.http('GET', `${pdEndpoint()}?scope=conformance-unknown-${randomBytes(3).toString('hex')}`);
    if (a.status !== 400 || a.json?.error !== 'invalid_scope') fail('an unknown scope is not refused as invalid_scope', { status: 400, error: 'invalid_scope' }, brief(a));
  });

  let proof = '';
  let thumbprint = '';
  const token = `conformance-${randomBytes(16).toString('hex')}`;
  const htu = `${pub}/fhir/Patient`;
  const kid = idOf(document?.assertionMethod?.[0]) ?? idOf(document?.verificationMethod?.[0]);
  if (needSubject('auth', 'POST /internal/auth/v2/dpop/{kid} creates a DPoP proof'))
    await run.check('auth', 'POST /internal/auth/v2/dpop/{kid} creates a DPoP proof', async () => {
      const a = await answerOf(o.api.POST('/internal/auth/v2/dpop/{kid}', { params: { path: { kid } }, body: { htm: 'GET', htu, token } }));
      if (a.status !== 200 || typeof a.json?.dpop !== 'string') fail('no proof', '{dpop: <JWT>}', brief(a));
      proof = a.json.dpop;
      const header = decodeProtectedHeader(proof);
      const claims = decodeJwt(proof) as any;
      if (header.typ !== 'dpop+jwt' || !header.jwk) fail('the proof header is not typ dpop+jwt with a jwk', { typ: 'dpop+jwt', jwk: '{…}' }, { typ: header.typ, jwk: header.jwk ? '{…}' : undefined });
      if (claims.htm !== 'GET' || claims.htu !== htu || !claims.jti || !claims.ath) fail('the proof claims do not bind method, URL and token', { htm: 'GET', htu, jti: '…', ath: '…' }, claims);
      thumbprint = await calculateJwkThumbprint(header.jwk as JWK);
    });
  const validate = (p: string, method = 'GET') => answerOf(o.api.POST('/internal/auth/v2/dpop/validate', { body: { dpop_proof: p, method, thumbprint, token, url: htu } }));
  if (!proof) run.skip('auth', 'POST /internal/auth/v2/dpop/validate accepts the proof', 'no DPoP proof was created');
  else {
    await run.check('auth', 'POST /internal/auth/v2/dpop/validate accepts the proof', async () => {
      const a = await validate(proof);
      if (a.status !== 200 || a.json?.valid !== true) fail('a fresh, matching proof is not valid', { valid: true }, brief(a));
    });
    await run.check('auth', 'POST /internal/auth/v2/dpop/validate refuses the replayed proof', async () => {
      const a = await validate(proof);
      if (a.status !== 200 || a.json?.valid !== false || !a.json?.reason) fail('a replayed proof (same jti) is not refused with a reason', { valid: false, reason: 'jti already used' }, brief(a));
      return a.json.reason;
    });
  }

  // ---- Discovery v1 ----
  await run.check('discovery', 'GET /internal/discovery/v1 lists the service definitions', async () => {
    const a = await answerOf(o.api.GET('/internal/discovery/v1'));
    if (a.status !== 200 || !Array.isArray(a.json)) fail('not a list of service definitions', 'array of ServiceDefinition', brief(a));
    const bad = a.json.filter((s: any) => typeof s?.id !== 'string' || typeof s?.endpoint !== 'string' || typeof s?.presentation_definition !== 'object');
    if (bad.length) fail('service definitions without id, endpoint or presentation_definition', '{id, endpoint, presentation_definition, presentation_max_validity}', bad.slice(0, 2));
    return `${a.json.length} service(s)${a.json.length ? `: ${a.json.map((s: any) => s.id).join(', ')}` : ''}`;
  });

  // ---- error dialects ----
  await run.check('errors', '/internal answers errors as problem+json', async () => {
    const a = await answerOf(o.api.GET('/internal/vdr/v2/subject/{id}', { params: { path: { id: `conformance-missing-${randomBytes(4).toString('hex')}` } } }));
    if (a.status !== 404) fail('an unknown subject is not 404', 404, brief(a));
    if (!String(a.headers.get('content-type')).startsWith('application/problem+json')) fail('not application/problem+json', 'application/problem+json', a.headers.get('content-type'));
    if (a.json?.status !== 404 || typeof a.json?.detail !== 'string') fail('the problem lacks status or detail', '{title, status: 404, detail}', brief(a));
  });
  await run.check('errors', '/oauth2 answers errors as OAuth error JSON', async () => {
    const a = await o.http('POST', `${pub}/oauth2/${subject}/token`, { form: { grant_type: 'urn:conformance:unsupported' } });
    if (a.status !== 400) fail('an unsupported grant type is not 400', 400, brief(a));
    if (!OAUTH_ERRORS.includes(a.json?.error) || typeof a.json?.error_description !== 'string') fail('not an RFC 6749 error body', '{error, error_description}', brief(a));
    return a.json.error;
  });

  // clean up on the supplier's node; a real check too, since deactivation is part of VDR v2
  if (needSubject('vdr', 'DELETE /internal/vdr/v2/subject/{id} deactivates it'))
    await run.check('vdr', 'DELETE /internal/vdr/v2/subject/{id} deactivates it', async () => {
      const a = await answerOf(o.api.DELETE('/internal/vdr/v2/subject/{id}', { params: { path: { id: subject } } }));
      if (a.status !== 204 && a.status !== 200) fail('not deactivated', 204, brief(a));
    });
  return report;
}
