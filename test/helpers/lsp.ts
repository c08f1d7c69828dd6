// Test helper: the mock LSP on ephemeral ports with a test token verifier on /fhir, and a public FHIR GET/PUT that returns status + body.
import { readBody } from '../../node/src/core/http.js';
import { createLspNode, type LspNode } from '../../simulators/lsp/main.js';
import { testTokens, type TestTokens } from './fhir-tokens.js';
import { testNodeConfig } from './node.js';

export { BSN_SYSTEM } from '../../node/src/fhir/types.js';

/** `noRateLimit`: for suites that send many refused requests on purpose (the rate limit has its own tests). */
export async function startTestLsp(opts: { noRateLimit?: boolean } = {}): Promise<{ lsp: LspNode; tokens: TestTokens }> {
  const tokens = await testTokens();
  const http = opts.noRateLimit ? { http: { public: { address: '127.0.0.1', port: 0 }, internal: { address: '127.0.0.1', port: 0 }, rateLimit: { requestsPerSecond: 0, burst: 0 } } } : {};
  const lsp = createLspNode(testNodeConfig('lsp', { organization: { ura: '90000999', name: 'Mock LSP' }, ...http }), { sourceTimeoutMs: 2000, deps: { fhirTokenVerifier: tokens.verifier } });
  await lsp.node.start();
  return { lsp, tokens };
}

/** A request on the LSP's public /fhir with a bearer token; `path` is below /fhir. */
export async function publicFhir(lsp: LspNode, method: string, path: string, token: string | undefined, opts: { body?: unknown; requestId?: string } = {}) {
  const res = await fetch(`${lsp.node.url}/fhir/${path}`, {
    method,
    headers: {
      accept: 'application/fhir+json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(opts.requestId ? { 'x-request-id': opts.requestId } : {}),
      ...(opts.body !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const { text, json } = await readBody(res);
  return { status: res.status, text, json: json as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
}
