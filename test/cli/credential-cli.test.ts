// The CLI as a user runs it (a child process `node bin/nuts-lsp-lab.mjs …`): pki init, then credential issue/verify/list against a test node.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { internal, startTestNode } from '../helpers/node.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(root, 'bin', 'nuts-lsp-lab.mjs');

function cli(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { cwd: root, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    if (stdin !== undefined) child.stdin!.end(stdin);
  });
}

let dir: string;
let node: LabNode;
let did: string;
let pkiOut: { root: { file: string }; organisations: Array<{ id: string; did: string; ura: string }> };

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nll-cli-'));
  const init = await cli(['pki', 'init', '--dir', path.join(dir, 'pki'), '--org', 'Zorg Oost,Utrecht,90000380,11223344', '--json']);
  expect(init.code, init.stderr).toBe(0);
  pkiOut = JSON.parse(init.stdout);
  node = await startTestNode('cli', { pki: { dir: path.join(dir, 'pki') }, vcr: { x509: { trustedRoots: [pkiOut.root.file] } } });
  did = (await internal(node, 'POST', '/internal/vdr/v2/subject', { subject: 'acme' })).json.documents[0].id;
  expect((await internal(node, 'POST', '/internal/pki/v1/subjects/acme/certificate', { organisation: pkiOut.organisations[0]!.id })).status).toBe(200);
}, 30_000);
afterAll(async () => {
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('nuts-lsp-lab pki init + credential issue|verify|list', () => {
  it('pki init made a UZI-style certificate with its did:x509', () => {
    expect(pkiOut.organisations).toEqual([expect.objectContaining({ id: 'zorg-oost', ura: '90000380', did: expect.stringMatching(/^did:x509:0:sha256:.*::san:otherName:2\.16\.528\.1\.1007\.99\.2110-1-990000380-S-90000380-00\.000-11223344::subject:O:Zorg%20Oost:L:Utrecht$/) })]);
  });

  it('issues, verifies (exit 0 / 1; bad --claims is a usage error, 2) and lists', async () => {
    const n = ['--node', node.internalUrl];
    const [ura, x509, badClaims] = await Promise.all([
      cli(['credential', 'issue', ...n, '--issuer', 'acme', '--type', 'NutsUraCredential', '--subject', did, '--claims', '{"organization":{"ura":"90000380","name":"Zorg Oost","city":"Utrecht"}}', '--json']),
      cli(['credential', 'issue', ...n, '--issuer', 'acme', '--type', 'X509Credential', '--subject', did, '--days', '30']),
      cli(['credential', 'issue', ...n, '--issuer', 'acme', '--type', 'NutsUraCredential', '--subject', did, '--claims', 'not json']),
    ]);
    expect(ura.code, ura.stderr).toBe(0);
    const issued = JSON.parse(ura.stdout);
    expect(issued).toMatchObject({ issuer: did, subject: did, types: ['NutsUraCredential'] });
    expect(x509.code, x509.stderr).toBe(0);
    expect(decodeJwt(x509.stdout.trim()).iss).toBe(pkiOut.organisations[0]!.did);
    expect(badClaims).toMatchObject({ code: 2, stderr: expect.stringMatching(/--claims is not JSON/) });

    const file = path.join(dir, 'ura.jwt');
    writeFileSync(file, issued.credential);
    expect((await internal(node, 'POST', '/internal/vcr/v2/holder/acme/vc', JSON.stringify(issued.credential))).status).toBe(204);
    const [s0, s1] = [issued.credential.split('.')[2][0], issued.credential.split('.')[2].slice(1)];
    const tampered = issued.credential.replace(/\.[^.]+$/, `.${s0 === 'A' ? 'B' : 'A'}${s1}`);
    const [valid, invalid, x509Valid, list] = await Promise.all([
      cli(['credential', 'verify', file, ...n]),
      cli(['credential', 'verify', '-', ...n, '--json'], tampered),
      cli(['credential', 'verify', '-', ...n], x509.stdout),
      cli(['credential', 'list', ...n, '--subject', 'acme']),
    ]);
    expect(valid).toMatchObject({ code: 0, stdout: expect.stringMatching(/^valid: NutsUraCredential issued by did:web:/) });
    expect(invalid.code).toBe(1);
    expect(JSON.parse(invalid.stdout)).toMatchObject({ validity: false, reason: 'signature' });
    expect(x509Valid).toMatchObject({ code: 0, stdout: expect.stringMatching(/^valid: X509Credential issued by did:x509:/) });
    expect(list).toMatchObject({ code: 0, stdout: expect.stringMatching(/^NutsUraCredential {2}issuer did:web:.* expires .* id did:web:/) });
  }, 40_000);
});
