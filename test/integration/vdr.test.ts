// VDR v2 over real HTTP: subjects, did:web documents, resolution across two nodes, and every error case.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { internal, startTestNode } from '../helpers/node.js';

let a: LabNode;
let b: LabNode;

beforeAll(async () => {
  a = await startTestNode('a');
  b = await startTestNode('b');
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

const port = (n: LabNode) => new URL(n.url).port;

describe('subjects', () => {
  it('creates a subject with a did:web document that the public port serves', async () => {
    const res = await internal(a, 'POST', '/internal/vdr/v2/subject', { subject: 'acme' });
    expect(res.status).toBe(200);
    expect(res.json.subject).toBe('acme');
    const doc = res.json.documents[0];
    expect(doc.id).toBe(`did:web:localhost%3A${port(a)}:iam:acme`);
    expect(doc.verificationMethod[0].type).toBe('JsonWebKey2020');
    expect(doc.verificationMethod[0].publicKeyJwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(doc.verificationMethod[0].publicKeyJwk.d).toBeUndefined();
    expect(doc.assertionMethod).toEqual([doc.verificationMethod[0].id]);
    expect(doc.authentication).toEqual([doc.verificationMethod[0].id]);

    const served = await fetch(`${a.url}/iam/acme/did.json`);
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual(doc);
  });

  it('generates a UUID subject id when none is given', async () => {
    const res = await internal(a, 'POST', '/internal/vdr/v2/subject');
    expect(res.status).toBe(200);
    expect(res.json.subject).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a JSON body sent as a form (curl -d without -H): a web page could send that cross-site', async () => {
    const res = await internal(a, 'POST', '/internal/vdr/v2/subject', '{"subject":"curl-style"}', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(415);
    expect(res.json.detail).toBe('send the body as application/json (got application/x-www-form-urlencoded)');
    expect((await internal(a, 'GET', '/internal/vdr/v2/subject')).json['curl-style']).toBeUndefined();
  });

  it('lists subjects and the DIDs of one subject', async () => {
    const list = await internal(a, 'GET', '/internal/vdr/v2/subject');
    expect(list.json.acme).toEqual([`did:web:localhost%3A${port(a)}:iam:acme`]);
    const dids = await internal(a, 'GET', '/internal/vdr/v2/subject/acme');
    expect(dids.json).toEqual([`did:web:localhost%3A${port(a)}:iam:acme`]);
  });

  it('creates an Ed25519 subject on request', async () => {
    const res = await internal(a, 'POST', '/internal/vdr/v2/subject', { subject: 'ed', keyType: 'Ed25519' });
    expect(res.json.documents[0].verificationMethod[0].publicKeyJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
  });

  it('adds a verification method to the document', async () => {
    const res = await internal(a, 'POST', '/internal/vdr/v2/subject/acme/verificationmethod', { assertionKey: true, encryptionKey: false });
    expect(res.status).toBe(200);
    expect(res.json).toHaveLength(1);
    const doc = await (await fetch(`${a.url}/iam/acme/did.json`)).json();
    expect(doc.verificationMethod).toHaveLength(2);
    expect(doc.assertionMethod).toContain(res.json[0].id);
  });
});

describe('services', () => {
  let serviceId: string;
  it('adds, finds, updates and deletes a service', async () => {
    const add = await internal(a, 'POST', '/internal/vdr/v2/subject/acme/service', { type: 'fhir', serviceEndpoint: 'https://acme.example/fhir' });
    expect(add.status).toBe(200);
    expect(add.json[0]).toMatchObject({ type: 'fhir', serviceEndpoint: 'https://acme.example/fhir' });
    serviceId = add.json[0].id;
    expect(serviceId.startsWith(`did:web:localhost%3A${port(a)}:iam:acme#`)).toBe(true);

    const dup = await internal(a, 'POST', '/internal/vdr/v2/subject/acme/service', { type: 'fhir', serviceEndpoint: 'https://acme.example/fhir' });
    expect(dup.json[0].id).toBe(serviceId);

    await internal(a, 'POST', '/internal/vdr/v2/subject/acme/service', { type: 'contact', serviceEndpoint: { email: 'it@acme.example' } });
    expect((await internal(a, 'GET', '/internal/vdr/v2/subject/acme/service?type=fhir')).json).toHaveLength(1);
    expect((await internal(a, 'GET', '/internal/vdr/v2/subject/acme/service?endpointType=object')).json.map((s: { type: string }) => s.type)).toEqual(['contact']);

    const doc = await (await fetch(`${a.url}/iam/acme/did.json`)).json();
    expect(doc.service.map((s: { type: string }) => s.type).sort()).toEqual(['contact', 'fhir']);

    const fragment = serviceId.split('#')[1];
    const upd = await internal(a, 'POST', `/internal/vdr/v2/subject/acme/service/${encodeURIComponent('#' + fragment)}`, { type: 'fhir', serviceEndpoint: 'https://acme.example/fhir/r4' });
    expect(upd.status).toBe(200);
    expect(upd.json[0].serviceEndpoint).toBe('https://acme.example/fhir/r4');
    expect(upd.json[0].id).not.toBe(serviceId);

    const conflictRes = await internal(a, 'POST', `/internal/vdr/v2/subject/acme/service/${encodeURIComponent(upd.json[0].id)}`, { type: 'contact', serviceEndpoint: 'https://x.example' });
    expect(conflictRes.status).toBe(409);
    expect(conflictRes.headers.get('content-type')).toMatch(/application\/problem\+json/);

    const del = await internal(a, 'DELETE', `/internal/vdr/v2/subject/acme/service/${encodeURIComponent(upd.json[0].id)}`);
    expect(del.status).toBe(204);
    expect((await internal(a, 'GET', '/internal/vdr/v2/subject/acme/service?type=fhir')).json).toEqual([]);
    const gone = await internal(a, 'DELETE', `/internal/vdr/v2/subject/acme/service/${encodeURIComponent(upd.json[0].id)}`);
    expect(gone.status).toBe(404);
  });
});

describe('resolution', () => {
  it('resolves its own DID through the internal API, with the DID sent raw or URL-encoded', async () => {
    const did = `did:web:localhost%3A${port(a)}:iam:acme`;
    const raw = await internal(a, 'GET', `/internal/vdr/v2/did/${did}`);
    expect(raw.status).toBe(200);
    expect(raw.json.document.id).toBe(did);
    expect(raw.json.documentMetadata.created).toMatch(/Z$/);
    const enc = await internal(a, 'GET', `/internal/vdr/v2/did/${encodeURIComponent(did)}`);
    expect(enc.json.document.id).toBe(did);
  });

  it('resolves another node’s did:web over real HTTP', async () => {
    await internal(b, 'POST', '/internal/vdr/v2/subject', { subject: 'pharmacy' });
    const did = `did:web:localhost%3A${port(b)}:iam:pharmacy`;
    const res = await internal(a, 'GET', `/internal/vdr/v2/did/${encodeURIComponent(did)}`);
    expect(res.status).toBe(200);
    expect(res.json.document.id).toBe(did);
    expect(res.json.document.verificationMethod[0].publicKeyJwk.kty).toBe('EC');
  });

  it('resolves did:jwk and did:key without network', async () => {
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' };
    const didJwk = 'did:jwk:' + Buffer.from(JSON.stringify(jwk)).toString('base64url');
    const r1 = await internal(a, 'GET', `/internal/vdr/v2/did/${encodeURIComponent(didJwk)}`);
    expect(r1.status).toBe(200);
    expect(r1.json.document.verificationMethod[0].publicKeyJwk).toEqual(jwk);
    // did:key test vector (Ed25519) from the did:key spec
    const didKey = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    const r2 = await internal(a, 'GET', `/internal/vdr/v2/did/${didKey}`);
    expect(r2.status).toBe(200);
    expect(r2.json.document.verificationMethod[0].publicKeyJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
  });
});

describe('errors (problem+json)', () => {
  const expectProblem = (res: { status: number; headers: Headers; json: { title: string; status: number; detail: string } }, status: number, detail?: RegExp) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.json.status).toBe(status);
    expect(typeof res.json.title).toBe('string');
    if (detail) expect(res.json.detail).toMatch(detail);
  };

  it('404 for an unknown subject', async () => {
    expectProblem(await internal(a, 'GET', '/internal/vdr/v2/subject/nobody'), 404, /subject 'nobody' not found/);
    expectProblem(await internal(a, 'POST', '/internal/vdr/v2/subject/nobody/service', { type: 'x', serviceEndpoint: 'https://x.example' }), 404);
    expect((await fetch(`${a.url}/iam/nobody/did.json`)).status).toBe(404);
  });
  it('409 for a duplicate subject', async () => {
    expectProblem(await internal(a, 'POST', '/internal/vdr/v2/subject', { subject: 'acme' }), 409, /already exists/);
  });
  it('400 for a malformed body, an invalid subject id, and a bad service', async () => {
    expectProblem(await internal(a, 'POST', '/internal/vdr/v2/subject', '{"subject":', { 'content-type': 'application/json' }), 400, /malformed JSON/);
    expectProblem(await internal(a, 'POST', '/internal/vdr/v2/subject', { subject: 'no spaces allowed' }), 400, /\[a-zA-Z0-9._-\]\+/);
    expectProblem(await internal(a, 'POST', '/internal/vdr/v2/subject', { subject: 42 }), 400, /subject/);
    expectProblem(await internal(a, 'POST', '/internal/vdr/v2/subject/acme/service', { type: 'fhir' }), 400, /serviceEndpoint/);
    expectProblem(await internal(a, 'POST', '/internal/vdr/v2/subject/acme/service', { type: 'fhir', serviceEndpoint: 'not a uri' }), 400, /not a valid URI/);
    expectProblem(await internal(a, 'GET', '/internal/vdr/v2/subject/acme/service?endpointType=number'), 400, /endpointType/);
    expectProblem(await internal(a, 'POST', '/internal/vdr/v2/subject/acme/verificationmethod', { assertionKey: false, encryptionKey: true }), 400, /key agreement/);
    expectProblem(await internal(a, 'GET', '/internal/vdr/v2/did/not-a-did'), 400, /invalid DID/);
  });
  it('404 for an unresolvable DID', async () => {
    expectProblem(await internal(a, 'GET', `/internal/vdr/v2/did/${encodeURIComponent('did:web:localhost%3A1:iam:x')}`), 404, /unreachable/);
    expectProblem(await internal(a, 'GET', '/internal/vdr/v2/did/did:example:123'), 404, /unsupported DID method/);
  });
  it('413 for a body over 1 MB', async () => {
    expectProblem(await internal(a, 'POST', '/internal/vdr/v2/subject', JSON.stringify({ subject: 'big', pad: 'x'.repeat(1_100_000) })), 413, /1 MB/);
  });
  it('404 problem for an unknown route on both ports', async () => {
    expectProblem(await internal(a, 'GET', '/internal/vdr/v2/nothing'), 404, /no route/);
    const pub = await fetch(`${a.url}/nothing/here`);
    expect(pub.status).toBe(404);
    expect(pub.headers.get('content-type')).toMatch(/problem\+json/);
  });
  it('deactivates a subject: 204, then its document is gone and a second delete is 409', async () => {
    await internal(a, 'POST', '/internal/vdr/v2/subject', { subject: 'leaving' });
    // looked up first, so the brief memory of active subjects holds it: the deactivation must still show at once
    expect((await internal(a, 'GET', '/internal/vdr/v2/subject/leaving')).status).toBe(200);
    expect((await internal(a, 'DELETE', '/internal/vdr/v2/subject/leaving')).status).toBe(204);
    const refused = await fetch(`${a.url}/oauth2/leaving/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=vp_token-bearer' });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/subject 'leaving' not found/) });
    expect((await fetch(`${a.url}/iam/leaving/did.json`)).status).toBe(404);
    expectProblem(await internal(a, 'GET', '/internal/vdr/v2/subject/leaving'), 404);
    expectProblem(await internal(a, 'DELETE', '/internal/vdr/v2/subject/leaving'), 409, /already deactivated/);
    expectProblem(await internal(a, 'DELETE', '/internal/vdr/v2/subject/never'), 404);
    expectProblem(await internal(a, 'POST', '/internal/vdr/v2/subject', { subject: 'leaving' }), 409);
  });
});
