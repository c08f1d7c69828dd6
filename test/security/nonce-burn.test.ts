// Attack: nonce burning. Someone who sees (or guesses) the nonce or jti of a care organisation's presentation sends a
// forgery first: same claims, the victim's kid, a signature of its own. The forgery must be refused without spending
// the nonce, so the organisation's genuine presentation still gets its token (vp_token-bearer and the pilot's jwt-bearer).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PILOT_VENDOR_SUBJECT, startNetwork, type Network } from '../../simulators/network/network.js';
import { PILOT_SCOPE } from '../../simulators/lsp/pilot-seed.js';
import { JWT_BEARER, JWT_BEARER_CLIENT_ASSERTION_TYPE } from '../../node/src/auth/jwtbearer.js';
import { networkPorts } from '../helpers/ports.js';
import { SCOPE, employee, freshDidJwk, honestSubmission, nodeSigner, selfMade, tokenRequest, vpJwt, type Signer } from './attacker.js';

const dir = mkdtempSync(path.join(tmpdir(), 'nll-sec-nonce-'));
let net: Network;
let victim: Signer;
let forger: Signer;

beforeAll(async () => {
  net = await startNetwork({ datadir: dir, ports: await networkPorts(), inMemory: true, log: () => {}, logLevel: 'silent', dashboard: false, sourceTimeoutMs: 1000 });
  victim = await nodeSigner(net.vvt, 'vvt');
  const own = await freshDidJwk();
  // the forger claims the victim's identity in the header and signs with its own key
  forger = { did: victim.did, kid: victim.kid, sign: async (claims) => {
    const jwt = await own.sign(claims);
    const [, payload, signature] = jwt.split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: victim.kid, typ: 'JWT' })).toString('base64url');
    return `${header}.${payload}.${signature}`;
  } };
}, 60_000);
afterAll(async () => {
  await net?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const lspAs = () => `${net.lsp.node.url}/oauth2/lsp`;

describe('attack: burning a victim\'s nonce with a forged presentation', () => {
  it('vp_token-bearer: the forgery is refused and the genuine presentation with the same nonce still gets a token', async () => {
    const pd = net.lsp.node.policy.policies.definition(SCOPE);
    const wallet = (await net.vvt.vcr.wallet.search('vvt', { type: 'NutsUraCredential' })) as unknown[];
    const { submission, credentials } = honestSubmission(pd, [...wallet, selfMade(victim.did, 'NutsEmployeeCredential', employee('30.000'))]);
    const nonce = randomUUID();
    const forged = await tokenRequest(lspAs(), await vpJwt(forger, credentials, { aud: lspAs(), nonce }), submission, `${net.vvt.url}/oauth2/vvt`);
    expect(forged.status).toBe(400);
    expect(forged.json).toMatchObject({ error: 'invalid_grant' });
    expect(forged.json.error_description).toMatch(/signature/);
    const genuine = await tokenRequest(lspAs(), await vpJwt(victim, credentials, { aud: lspAs(), nonce }), submission, `${net.vvt.url}/oauth2/vvt`);
    expect(genuine.status, JSON.stringify(genuine.json)).toBe(200);
    expect(genuine.json.access_token).toEqual(expect.any(String));
    // spent now: the genuine presentation itself cannot be replayed
    const replay = await tokenRequest(lspAs(), await vpJwt(victim, credentials, { aud: lspAs(), nonce }), submission, `${net.vvt.url}/oauth2/vvt`);
    expect(replay.json).toMatchObject({ error: 'invalid_request', error_description: 'presentation nonce has already been used' });
  });

  it('jwt-bearer: a forged assertion with the care provider\'s jti does not burn it', async () => {
    const sp = await nodeSigner(net.vvt, PILOT_VENDOR_SUBJECT);
    const first = async (subject: string, type: string) => ((await net.vvt.vcr.wallet.search(subject, { type })) as unknown[])[0]!;
    const orgCreds = [await first('vvt', 'HealthcareProviderCredential'), await first('vvt', 'HealthCareProfessionalDelegationCredential'), await first('vvt', 'PatientEnrollmentCredential')];
    const spCreds = [await first(PILOT_VENDOR_SUBJECT, 'ServiceProviderCredential'), await first(PILOT_VENDOR_SUBJECT, 'ServiceProviderDelegationCredential')];
    const jti = randomUUID();
    const send = async (assertion: string) => {
      const res = await fetch(`${lspAs()}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: JWT_BEARER, assertion, client_assertion_type: JWT_BEARER_CLIENT_ASSERTION_TYPE, client_assertion: await vpJwt(sp, spCreds, { aud: lspAs() }), scope: PILOT_SCOPE }).toString(),
      });
      return { status: res.status, json: (await res.json()) as Record<string, string> };
    };
    const forged = await send(await vpJwt(forger, orgCreds, { aud: lspAs(), jti }));
    expect(forged.status).toBe(400);
    expect(forged.json.error_description).toMatch(/^assertion: .*signature/);
    const genuine = await send(await vpJwt(victim, orgCreds, { aud: lspAs(), jti }));
    expect(genuine.status, JSON.stringify(genuine.json)).toBe(200);
    expect(genuine.json.access_token).toEqual(expect.any(String));
  });
});
