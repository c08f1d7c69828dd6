// The typed client's one error: what a user reads when a node refuses (problem+json, OAuth error, plain text) or is out of reach.
import { describe, expect, it } from 'vitest';
import { body, nodeClient, NodeApiError } from './index.js';
import { freePort } from '../../../test/helpers/ports.js';

const answer = (status: number, payload: unknown, type = 'application/problem+json') => async () => new Response(typeof payload === 'string' ? payload : JSON.stringify(payload), { status, headers: { 'content-type': type } });

async function failure(p: Promise<unknown>): Promise<NodeApiError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(NodeApiError);
  return e as NodeApiError;
}

describe('NodeApiError', () => {
  it('a problem+json refusal names the node, the call and the detail, and keeps the problem', async () => {
    const api = nodeClient('http://127.0.0.1:8081/', { label: 'node', fetch: answer(404, { title: 'Not Found', status: 404, detail: "subject 'x' not found" }) });
    const e = await failure(api.GET('/internal/vdr/v2/subject/{id}', { params: { path: { id: 'x' } } }));
    expect(e.message).toBe("node: GET /internal/vdr/v2/subject/x refused (404): subject 'x' not found");
    expect(e).toMatchObject({ kind: 'refused', status: 404, detail: "subject 'x' not found", problem: { title: 'Not Found', status: 404, detail: "subject 'x' not found" }, oauth: undefined });
  });

  it('an OAuth error reads error: error_description', async () => {
    const api = nodeClient('http://127.0.0.1:8081', { fetch: answer(400, { error: 'invalid_grant', error_description: 'NutsUraCredential expired' }, 'application/json') });
    const e = await failure(api.POST('/internal/auth/v2/{subjectID}/request-service-access-token', { params: { path: { subjectID: 'vvt' } }, body: { authorization_server: 'http://as', scope: 's' } }));
    expect(e.detail).toBe('invalid_grant: NutsUraCredential expired');
    expect(e.oauth).toEqual({ error: 'invalid_grant', error_description: 'NutsUraCredential expired' });
    expect(e.message).toBe('http://127.0.0.1:8081: POST /internal/auth/v2/vvt/request-service-access-token refused (400): invalid_grant: NutsUraCredential expired');
  });

  it('a body that is neither is shown on one line; an empty one as its status', async () => {
    const text = await failure(nodeClient('http://n', { fetch: answer(502, 'Bad gateway\n  upstream  down', 'text/plain') }).GET('/health'));
    expect(text.detail).toBe('Bad gateway upstream down');
    const empty = await failure(nodeClient('http://n', { fetch: answer(500, '', 'text/plain') }).GET('/health'));
    expect(empty.detail).toBe('HTTP 500');
  });

  it('a node out of reach says where and why', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const e = await failure(nodeClient(closed, { label: 'LSP' }).GET('/internal/vdr/v2/subject'));
    expect(e).toMatchObject({ kind: 'unreachable', status: undefined, detail: 'ECONNREFUSED' });
    expect(e.message).toBe(`LSP at ${closed} unreachable (ECONNREFUSED)`);
    const timeout = await failure(nodeClient('http://n', { timeoutMs: 50, fetch: (_u, init) => new Promise((_r, reject) => init!.signal!.addEventListener('abort', () => reject(init!.signal!.reason))) }).GET('/health'));
    expect(timeout.message).toBe('http://n unreachable (no answer within 50 ms)');
  });
});

describe('nodeClient', () => {
  it('hands an injected fetch the URL and a plain init, and returns the success body', async () => {
    const seen: Array<[string, RequestInit]> = [];
    const api = nodeClient('http://n/', {
      headers: { 'x-user-id': 'cli:me' },
      fetch: async (u, init) => {
        seen.push([String(u), init!]);
        return new Response(JSON.stringify({ documents: [{ id: 'did:web:n:iam:a' }] }), { status: 200, headers: { 'content-type': 'application/json' } });
      },
    });
    expect((await body(api.POST('/internal/vdr/v2/subject', { body: { subject: 'a' } }))).documents[0]!.id).toBe('did:web:n:iam:a');
    expect(seen[0]![0]).toBe('http://n/internal/vdr/v2/subject');
    expect(seen[0]![1]).toMatchObject({ method: 'POST', body: '{"subject":"a"}', headers: { 'x-user-id': 'cli:me', 'content-type': 'application/json' } });
  });

  it("with refusals: 'return' a refusal is an answer; body() still turns it into the error", async () => {
    const api = nodeClient('http://n', { refusals: 'return', fetch: answer(404, { title: 'Not Found', status: 404, detail: 'no such subject' }) });
    const r = await api.GET('/internal/vdr/v2/subject/{id}', { params: { path: { id: 'x' } } });
    expect(r.response.status).toBe(404);
    expect(r.error).toEqual({ title: 'Not Found', status: 404, detail: 'no such subject' });
    expect((await failure(body(api.GET('/internal/vdr/v2/subject/{id}', { params: { path: { id: 'x' } } })))).detail).toBe('no such subject');
  });
});
