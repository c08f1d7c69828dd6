// Attack: token requests "signed by" did:web DIDs on loopback, private, link-local and metadata addresses, to make the
// authorization server fetch inside its own network (SSRF) and to learn from the error text what answers there.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../node/src/core/logger.js';
import type { LabNode } from '../../node/src/main.js';
import { startTestNode } from '../helpers/node.js';
import { freePort } from '../helpers/ports.js';
import { didWebAt, hostileServer, signerFor, strangerTokenRequest, type HostileServer } from './attacker.js';

let node: LabNode;
/** an internal service next to the node (stands in for its internal API, a database console, …) */
let internalService: HostileServer;
/** a lab host the node is configured to trust, serving an honest DID document */
let labHost: HostileServer;
let honest: Awaited<ReturnType<typeof signerFor>>;
let closedPort: number;
const logLines: string[] = [];

beforeAll(async () => {
  internalService = await hostileServer((_req, res) => void res.writeHead(404, { 'content-type': 'application/problem+json' }).end('{"title":"Not Found","status":404}'));
  labHost = await hostileServer((_req, res) => void res.writeHead(200, { 'content-type': 'application/did+json' }).end(JSON.stringify(honest.document)));
  honest = await signerFor(didWebAt(labHost.hostPort, 'iam', 'honest'));
  closedPort = await freePort();
  const logger = createLogger({ name: 'as', level: 'warn', destination: new Writable({ write: (chunk: Buffer, _enc, cb) => (logLines.push(chunk.toString()), cb()) }) });
  // trusted: exactly the one lab host (and port) this node talks to, nothing else on loopback
  node = await startTestNode('as', { vdr: { httpHosts: [labHost.hostPort] } }, { logger });
  await node.vdr.subjects.create('lsp');
}, 30_000);

afterAll(async () => {
  await node?.stop();
  await internalService?.close();
  await labHost?.close();
});

/** The attack: a token request whose signer is `did` (the attacker holds a key, the document is wherever `did` points). */
async function signedBy(did: string) {
  return strangerTokenRequest(node, 'lsp', await signerFor(did));
}

describe('did:web resolution refuses internal addresses and tells the caller nothing about them', () => {
  it('a loopback port of the node itself is never contacted: no connection, a generic OAuth error', async () => {
    const did = didWebAt(internalService.hostPort, 'iam', 'x');
    const r = await signedBy(did);
    expect(internalService.connections()).toBe(0);
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: 'invalid_grant', error_description: expect.stringContaining(`DID ${did} could not be resolved`) });
    // the details are in the node's log, for its operator
    expect(logLines.join('')).toMatch(/127\.0\.0\.1.*loopback/);
  });

  it('a name that resolves to loopback (checked after DNS) is refused the same way', async () => {
    const did = didWebAt(`localhost:${internalService.port}`, 'iam', 'x');
    const r = await signedBy(did);
    expect(internalService.connections()).toBe(0);
    expect(r.status).toBe(400);
    expect(r.json?.error_description).toContain(`DID ${did} could not be resolved`);
  });

  it('an open port and a closed port answer alike: no reachability oracle', async () => {
    const open = await signedBy(didWebAt(internalService.hostPort, 'iam', 'probe'));
    const closed = await signedBy(didWebAt(`127.0.0.1:${closedPort}`, 'iam', 'probe'));
    const strip = (s?: string) => s?.replace(/did:web:\S+/g, 'DID');
    expect(strip(open.json?.error_description)).toBe(strip(closed.json?.error_description));
    for (const r of [open, closed]) expect(r.json?.error_description).not.toMatch(/HTTP \d|ECONN|refused|unreachable|404|answered|timeout/i);
  });

  it.each([
    ['cloud metadata', '169.254.169.254'],
    ['private (RFC 1918)', '10.0.0.1'],
    ['private (RFC 1918)', '192.168.1.1%3A8081'],
    ['carrier-grade NAT', '100.64.0.1'],
    ['unspecified', '0.0.0.0%3A8081'],
    ['IPv6 loopback', '%5B%3A%3A1%5D%3A8081'],
    ['IPv6 unique-local', '%5Bfd00%3A%3A1%5D'],
    ['IPv4-mapped loopback', '%5B%3A%3Affff%3A127.0.0.1%5D'],
  ])('%s (%s) is refused with the same generic error', async (_kind, host) => {
    const did = `did:web:${host}:iam:x`;
    const r = await signedBy(did);
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: 'invalid_grant', error_description: expect.stringContaining(`DID ${did} could not be resolved`) });
    expect(r.json?.error_description).not.toMatch(/HTTP \d|ECONN|unreachable|answered|timeout|loopback|private|link-local/i);
  });

  it('a listed lab host is still resolved (over http, on its own port only)', async () => {
    const before = labHost.requests.length;
    const r = await node.vdr.resolver.resolve(honest.did);
    expect(r.document.id).toBe(honest.did);
    expect(labHost.requests.length).toBe(before + 1);
    // the same host on another port is not the listed host
    await expect(node.vdr.resolver.resolve(didWebAt(internalService.hostPort, 'iam', 'other'))).rejects.toMatchObject({ code: 'not_found' });
    expect(internalService.connections()).toBe(0);
  });
});
