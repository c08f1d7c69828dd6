// The outgoing-HTTP policy: which addresses are refused, which hosts are trusted, and the limits on answers.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoundedCache } from './cache.js';
import { OutgoingHttp, hostMatcher, refusedRange } from './outgoing.js';

describe('refusedRange', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.31.0.1', 'private'],
    ['192.168.0.10', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['0.0.0.0', 'unspecified'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fd00::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'link-local (cloud metadata)'],
  ])('%s is %s', (ip, range) => expect(refusedRange(ip)).toBe(range));

  it.each(['93.184.216.34', '8.8.8.8', '2a00:1450:4001:80b::200e', '172.32.0.1'])('%s is public', (ip) => expect(refusedRange(ip)).toBeUndefined());
});

describe('hostMatcher', () => {
  const m = hostMatcher(['localhost:8080', 'lsp', '[::1]:9080']);
  it('matches a host on its listed port, or on any port when none is listed', () => {
    expect(m(new URL('http://localhost:8080/x'))).toBe(true);
    expect(m(new URL('http://localhost:8081/x'))).toBe(false);
    expect(m(new URL('http://lsp:1234/x'))).toBe(true);
    expect(m(new URL('http://[::1]:9080/'))).toBe(true);
    expect(m(new URL('http://127.0.0.1:8080/'))).toBe(false);
  });
});

describe('OutgoingHttp', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/redirect') return void res.writeHead(302, { location: 'http://169.254.169.254/' }).end();
      if (req.url === '/big') return void res.writeHead(200, { 'content-length': '5000' }).end('x'.repeat(5000));
      if (req.url === '/stream') {
        res.writeHead(200);
        for (let i = 0; i < 10; i++) res.write('y'.repeat(1000));
        return void res.end();
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const limits = { purpose: 'test', maxBytes: 2048, timeoutMs: 2000 };
  const trusted = () => new OutgoingHttp({ trustedHosts: [new URL(base).host] });

  it('fetches from a trusted host and hands back the answer', async () => {
    const r = await trusted().fetch(`${base}/`, limits);
    expect(await r.json()).toEqual({ ok: true });
  });

  it('refuses plain http and loopback addresses for a host that is not trusted, before connecting', async () => {
    await expect(new OutgoingHttp().fetch(`${base}/`, limits)).rejects.toMatchObject({ kind: 'refused', message: expect.stringMatching(/plain http/) });
    await expect(new OutgoingHttp().fetch('https://127.0.0.1:1/', limits)).rejects.toMatchObject({ kind: 'refused', message: expect.stringMatching(/loopback/) });
  });

  it('judges the addresses a name resolves to (all of them)', async () => {
    const o = new OutgoingHttp({ lookup: async () => [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.5', family: 4 }] });
    await expect(o.fetch('https://rebind.example/', limits)).rejects.toMatchObject({ kind: 'refused', message: expect.stringMatching(/10\.0\.0\.5 \(private\)/) });
  });

  it('does not follow redirects', async () => {
    await expect(trusted().fetch(`${base}/redirect`, limits)).rejects.toMatchObject({ kind: 'redirect' });
  });

  it('refuses a body over the limit, declared or streamed', async () => {
    await expect(trusted().fetch(`${base}/big`, limits)).rejects.toMatchObject({ kind: 'too_large' });
    await expect(trusted().fetch(`${base}/stream`, limits)).rejects.toMatchObject({ kind: 'too_large' });
  });

  it('applies the same limits through an injected transport', async () => {
    const o = new OutgoingHttp({ trustedHosts: [new URL(base).host], fetch });
    await expect(o.fetch(`${base}/stream`, limits)).rejects.toMatchObject({ kind: 'too_large' });
    await expect(o.fetch(`${base}/redirect`, limits)).rejects.toMatchObject({ kind: 'redirect' });
  });
});

describe('BoundedCache', () => {
  it('evicts the least recently used entry by count and by bytes, and skips a value larger than the whole budget', () => {
    const c = new BoundedCache<string, number>({ maxEntries: 2, maxBytes: 100 });
    c.set('a', 1, 10);
    c.set('b', 2, 10);
    c.get('a');
    c.set('c', 3, 10);
    expect([c.get('a'), c.get('b'), c.get('c')]).toEqual([1, undefined, 3]);
    c.set('d', 4, 95);
    expect(c.size).toBe(1);
    expect(c.bytes).toBe(95);
    expect(c.set('e', 5, 101)).toBe(false);
    expect(c.get('e')).toBeUndefined();
  });
});
