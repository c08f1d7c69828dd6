// DeziUserCredential verification with an injected fetch: allow-list before any fetch, bounded key sets, status on the Dezi origin only, credential = verklaring, binding rules.
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckFailure } from './errors.js';
import { DeziVerifier, checkDeziBinding, deziUserCredential } from './dezi.js';

const DEZI = 'https://auth.dezi.example';
const JKU = `${DEZI}/jwks.json`;
const HOLDER = 'did:web:vvt.example';
const NOW = Date.parse('2026-12-06T10:00:00Z');
let sign: (claims?: Record<string, unknown>, header?: Record<string, unknown>) => Promise<string>;
let jwks: { keys: unknown[] };

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  jwks = { keys: [{ ...jwk, kid, alg: 'RS256' }] };
  sign = (claims = {}, header = {}) =>
    new SignJWT({
      verklaring_id: 'v-1',
      dezi_nummer: '900010001',
      voorletters: 'C.',
      voorvoegsel: null,
      achternaam: 'Jansen',
      abonnee_nummer: '90000303',
      abonnee_naam: 'Thuiszorg De Zonnebloem',
      rol_code: '30.000',
      rol_naam: 'Verpleegkundige',
      rol_code_bron: 'http://www.dezi.nl/rol_code_bron/big',
      status_uri: `${DEZI}/status/v1/verklaring/v-1`,
      ...claims,
    })
      .setProtectedHeader({ alg: 'RS256', kid, jku: JKU, ...header })
      .setIssuer(DEZI)
      .setNotBefore(NOW / 1000 - 60)
      .setExpirationTime(NOW / 1000 + 3600)
      .sign(privateKey);
});

/** A fake network that records what was asked: the Dezi key set and status, and whatever else a test adds. */
function network(routes: Record<string, () => Response> = {}) {
  const asked: string[] = [];
  const f = (async (url: string | URL) => {
    asked.push(String(url));
    const route = routes[String(url)] ?? { [JKU]: () => Response.json(jwks), [`${DEZI}/status/v1/verklaring/v-1`]: () => Response.json({ status: 'active' }) }[String(url)];
    return route ? route() : new Response('not found', { status: 404 });
  }) as typeof fetch;
  return { f, asked };
}

const verifier = (f: typeof fetch, allowedJku = [JKU]) => new DeziVerifier({ allowedJku, fetch: f, clock: () => NOW });

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'valid';
  } catch (e) {
    if (e instanceof CheckFailure) return `${e.code}: ${e.message}`;
    throw e;
  }
}

describe('DeziVerifier', () => {
  it('accepts a verklaring of an allowed key set and reads its status', async () => {
    const net = network();
    const c = await verifier(net.f).verify(deziUserCredential(await sign(), HOLDER));
    expect(c.types).toContain('DeziUserCredential');
    expect(net.asked).toEqual([JKU, `${DEZI}/status/v1/verklaring/v-1`]);
  });

  it('refuses a jku not on the allow-list without fetching anything', async () => {
    const net = network();
    const vc = deziUserCredential(await sign({}, { jku: 'https://evil.example/jwks.json' }), HOLDER);
    expect(await codeOf(verifier(net.f).verify(vc))).toMatch(/^untrusted_issuer: .*evil\.example.* not an allowed Dezi key set/);
    expect(net.asked).toEqual([]);
  });

  it('refuses a key set larger than the limit', async () => {
    const net = network({ [JKU]: () => new Response(JSON.stringify({ keys: [], pad: 'x'.repeat(100_000) }), { headers: { 'content-type': 'application/json' } }) });
    expect(await codeOf(verifier(net.f).verify(deziUserCredential(await sign(), HOLDER)))).toMatch(/^unresolvable: .*exceeds 65536 bytes/);
  });

  it('never follows a status_uri off the Dezi origin', async () => {
    const net = network();
    const vc = deziUserCredential(await sign({ status_uri: 'http://169.254.169.254/latest/meta-data' }), HOLDER);
    expect(await codeOf(verifier(net.f).verify(vc))).toMatch(/^untrusted_issuer: verklaring status_uri http:\/\/169\.254\.169\.254 is not on the Dezi origin/);
    expect(net.asked).toEqual([JKU]);
  });

  it('refuses when the status cannot be read, and when it says revoked', async () => {
    const down = network({ [`${DEZI}/status/v1/verklaring/v-1`]: () => new Response('', { status: 503 }) });
    expect(await codeOf(verifier(down.f).verify(deziUserCredential(await sign(), HOLDER)))).toMatch(/^status_unavailable: /);
    const revoked = network({ [`${DEZI}/status/v1/verklaring/v-1`]: () => Response.json({ status: 'revoked' }) });
    expect(await codeOf(verifier(revoked.f).verify(deziUserCredential(await sign(), HOLDER)))).toMatch(/^revoked: verklaring v-1 is revoked/);
  });

  it('refuses a credential that says more than the signed verklaring', async () => {
    const vc = deziUserCredential(await sign(), HOLDER);
    const subject = vc.credentialSubject as { employee: { role: string } };
    subject.employee.role = '01.015';
    expect(await codeOf(verifier(network().f).verify(vc))).toBe('malformed: credentialSubject does not match the verklaring claims');
    const later = { ...deziUserCredential(await sign(), HOLDER), expirationDate: '2030-01-01T00:00:00.000Z' };
    expect(await codeOf(verifier(network().f).verify(later))).toMatch(/^malformed: verklaring 'exp' does not match/);
  });

  it('refuses other algorithms, a missing kid, and an unknown proof type', async () => {
    const noKid = deziUserCredential(await sign({}, { kid: undefined }), HOLDER);
    expect(await codeOf(verifier(network().f).verify(noKid))).toMatch(/^signature: verklaring has no 'kid' header/);
    const other = { ...deziUserCredential(await sign(), HOLDER), proof: { type: 'DeziIDJWT2025', jwt: await sign() } };
    expect(await codeOf(verifier(network().f).verify(other))).toMatch(/^signature: unsupported Dezi proof type 'DeziIDJWT2025'/);
  });
});

describe('checkDeziBinding', () => {
  const ura = (value: string, proof = true) => ({
    '@context': ['https://www.w3.org/2018/credentials/v1'],
    type: ['VerifiableCredential', 'NutsUraCredential'],
    issuer: 'did:web:lsp.example',
    credentialSubject: { id: HOLDER, organization: { ura: value, name: 'x', city: 'y' } },
    ...(proof ? { proof: { type: 'JsonWebSignature2020', jws: 'a..b' } } : {}),
  });

  it('accepts a Dezi credential with the organisation URA credential of the same holder and URA', async () => {
    expect(checkDeziBinding([ura('90000303'), deziUserCredential(await sign(), HOLDER)], HOLDER)).toEqual({ ok: true });
  });

  it('refuses it alone, next to a proof-less URA claim, or next to another holder’s URA credential', async () => {
    const d = deziUserCredential(await sign(), HOLDER);
    for (const set of [[d], [ura('90000303', false), d]]) expect(checkDeziBinding(set, HOLDER)).toMatchObject({ ok: false, code: 'dezi_alone' });
    expect(checkDeziBinding([ura('90000303'), d], 'did:web:other.example')).toMatchObject({ ok: false, code: 'dezi_alone' });
  });

  it('refuses another organisation and two verklaringen in one presentation', async () => {
    const d = deziUserCredential(await sign(), HOLDER);
    expect(checkDeziBinding([ura('90000101'), d], HOLDER)).toMatchObject({ ok: false, code: 'dezi_organisation' });
    expect(checkDeziBinding([ura('90000303'), ura('90000101'), d], HOLDER)).toMatchObject({ ok: false, code: 'dezi_organisation' });
    expect(checkDeziBinding([ura('90000303'), d, d], HOLDER)).toMatchObject({ ok: false, code: 'dezi_multiple' });
  });
});
