// Attack: a flood of token requests (refused and forged) and other public calls from one client. Without a limit every
// refusal costs an audit record and every forged request left a session row behind; expired rows stayed for good.
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { auditRecords } from '../helpers/audit.js';
import { startTestNode } from '../helpers/node.js';
import { freshDidJwk, impostorOf, strangerTokenRequest } from './attacker.js';

let limited: LabNode;
let victim: LabNode;
let pruning: LabNode;

afterAll(async () => {
  for (const n of [limited, victim, pruning]) await n?.stop();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const sessionRows = async (n: LabNode) => Number((await (n.store.db.db as Kysely<any>).selectFrom('auth_sessions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

describe('rate limit on the public port', () => {
  beforeAll(async () => {
    // a limit low enough to reach in a test: 5 at once, then 1 a second
    limited = await startTestNode('limited', { http: { rateLimit: { requestsPerSecond: 1, burst: 5 } } });
    await limited.vdr.subjects.create('lsp');
  });

  it('a burst of token requests: the first few are answered, the rest get 429 + Retry-After in the OAuth dialect, with no audit record each', async () => {
    const refusedBefore = (await auditRecords(limited, { event: 'oauth.token.refused' })).length;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => fetch(`${limited.url}/oauth2/lsp/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=vp_token-bearer&assertion=x' })),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 400).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(15);
    const throttled = answers.find((r) => r.status === 429)!;
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await throttled.json()).toEqual({ error: 'temporarily_unavailable', error_description: expect.stringMatching(/too many requests/) });
    // a throttled request is turned away before the AS: it costs no audit record
    const refused = (await auditRecords(limited, { event: 'oauth.token.refused' })).length - refusedBefore;
    expect(refused).toBeLessThanOrEqual(5);
  });

  it('the same client is throttled on /fhir (OperationOutcome), metadata and discovery (problem JSON); /health stays open', async () => {
    const fhir = await fetch(`${limited.url}/fhir/MedicationRequest`);
    expect(fhir.status).toBe(429);
    expect(fhir.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await fhir.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'throttled' }] });
    for (const path of ['/.well-known/oauth-authorization-server/oauth2/lsp', '/discovery/mp9-medicatieoverdracht', '/iam/lsp/did.json']) {
      const r = await fetch(limited.url + path);
      expect(r.status, path).toBe(429);
      expect(r.headers.get('content-type'), path).toMatch(/^application\/problem\+json/);
    }
    expect((await fetch(`${limited.url}/health`)).status).toBe(200);
  });

  it('after Retry-After the client is served again', async () => {
    const first = await fetch(`${limited.url}/.well-known/oauth-authorization-server/oauth2/lsp`);
    const wait = first.status === 429 ? Number(first.headers.get('retry-after')) : 0;
    await new Promise((r) => setTimeout(r, wait * 1000 + 50));
    expect((await fetch(`${limited.url}/.well-known/oauth-authorization-server/oauth2/lsp`)).status).toBe(200);
  });
});

describe('sessions', () => {
  beforeAll(async () => {
    victim = await startTestNode('victim');
    await victim.vdr.subjects.create('lsp');
  });

  it('forged token requests (signature by another key than the DID names) leave no session row', async () => {
    const before = await sessionRows(victim);
    const forger = await impostorOf(await freshDidJwk());
    for (let i = 0; i < 20; i++) {
      const r = await strangerTokenRequest(victim, 'lsp', forger);
      expect(r.status).toBe(400);
      expect(r.json?.error).toBe('invalid_grant');
    }
    expect(await sessionRows(victim)).toBe(before);
  });

  it('expired nonces, jtis and tokens are pruned on the configured interval', async () => {
    pruning = await startTestNode('pruning', { auth: { sessionPurgeIntervalSeconds: 0.1 } });
    const victim = pruning;
    await victim.auth.sessions.put('vp_nonce', 'did:example:a|n1', true, 1);
    await victim.auth.sessions.put('dpop_jti', 'jkt|j1', true, 1);
    await victim.auth.sessions.put('access_token', 'expired-token', { exp: 0 }, 1);
    await victim.auth.sessions.put('vp_nonce', 'did:example:a|still-valid', true, 60_000);
    expect(await sessionRows(victim)).toBeGreaterThanOrEqual(4);
    await new Promise((r) => setTimeout(r, 400));
    expect(await sessionRows(victim)).toBe(1);
  });
});
