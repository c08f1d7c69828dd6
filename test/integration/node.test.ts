// The node as a process would see it: both ports, health, tracing headers, restart with its SQLite file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createNode } from '../../node/src/main.js';
import { loadConfig } from '../../node/src/core/config.js';
import { compactVerify, importJWK } from 'jose';
import { internal, startTestNode } from '../helpers/node.js';

const dir = mkdtempSync(path.join(tmpdir(), 'nll-node-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a running node', () => {
  it('answers /health, /status and /status/diagnostics on both ports', async () => {
    const node = await startTestNode('health');
    try {
      for (const base of [node.url, node.internalUrl]) {
        const h = await fetch(`${base}/health`);
        expect(h.status).toBe(200);
        const body = await h.json();
        expect(body.status).toBe('UP');
        expect(Object.keys(body.details)).toEqual(expect.arrayContaining(['store', 'crypto', 'vdr']));
        const s = await fetch(`${base}/status`);
        expect(await s.text()).toBe('OK');
        const d = await (await fetch(`${base}/status/diagnostics`)).json();
        expect(d.name).toBe('health');
      }
    } finally {
      await node.stop();
    }
  });

  it('returns a request id and a traceparent continuing the caller’s trace', async () => {
    const node = await startTestNode('trace');
    try {
      const res = await fetch(`${node.url}/health`, { headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'x-request-id': 'abc-123' } });
      expect(res.headers.get('x-request-id')).toBe('abc-123');
      expect(res.headers.get('traceparent')).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
      const fresh = await fetch(`${node.url}/health`);
      expect(fresh.headers.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await node.stop();
    }
  });

  it('signs JWTs through the crypto API with a subject key and never exposes private keys', async () => {
    const node = await startTestNode('crypto');
    try {
      const created = await internal(node, 'POST', '/internal/vdr/v2/subject', { subject: 'signer' });
      expect(created.text).not.toMatch(/"d"\s*:/);
      const kid = created.json.documents[0].verificationMethod[0].id;
      const res = await internal(node, 'POST', '/internal/crypto/v1/sign_jwt', { kid, claims: { iss: 'x', n: 1 } });
      expect(res.status).toBe(200);
      const jwk = created.json.documents[0].verificationMethod[0].publicKeyJwk;
      const { payload, protectedHeader } = await compactVerify(res.text, await importJWK(jwk, 'ES256'));
      expect(protectedHeader.kid).toBe(kid);
      expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ iss: 'x', n: 1 });
      const missing = await internal(node, 'POST', '/internal/crypto/v1/sign_jwt', { kid: 'nope', claims: {} });
      expect(missing.status).toBe(404);
      const bad = await internal(node, 'POST', '/internal/crypto/v1/sign_jwt', { kid, claims: 'text' });
      expect(bad.status).toBe(400);
    } finally {
      await node.stop();
    }
  });

  it('keeps subjects and keys across a restart on its SQLite file', async () => {
    const overrides = { name: 'persist', datadir: dir, http: { public: { address: '127.0.0.1', port: 0 }, internal: { address: '127.0.0.1', port: 0 } }, url: 'http://localhost:18080', log: { level: 'silent' as const } };
    const first = createNode(loadConfig({ env: {}, overrides }));
    await first.start();
    const created = await internal(first, 'POST', '/internal/vdr/v2/subject', { subject: 'keeper' });
    const doc = created.json.documents[0];
    await first.stop();

    const second = createNode(loadConfig({ env: {}, overrides }));
    await second.start();
    try {
      expect(second.store.db.location).toBe(`sqlite:${path.join(dir, 'persist', 'node.db')}`);
      // the DID keeps the configured URL's host; the document is served on whatever port this run bound
      const again = await fetch(`http://127.0.0.1:${second.http.publicPort}/iam/keeper/did.json`);
      expect(await again.json()).toEqual(doc);
      const key = await second.vdr.subjects.signingKey('keeper');
      const jwt = await second.crypto.service.signJwt({ ok: true }, key.kid);
      await compactVerify(jwt, await importJWK(doc.verificationMethod[0].publicKeyJwk, 'ES256'));
    } finally {
      await second.stop();
    }
  });

  it('fails to start with a clear error when its port is taken', async () => {
    const a = await startTestNode('porta');
    try {
      const port = Number(new URL(a.url).port);
      await expect(startTestNode('portb', { http: { public: { address: '127.0.0.1', port }, internal: { address: '127.0.0.1', port: 0 } } })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await a.stop();
    }
  });
});
