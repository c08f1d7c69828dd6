// Crash test: `nuts-lsp-lab up` as a child process under load on the LSP's /fhir, killed with SIGKILL (its whole
// process group), then restarted on the same data directory. Every 2xx answered before the kill has its access record,
// both chains verify against their witness, and a DPoP proof used before the crash is still refused after it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { auditVerify } from '../../simulators/network/audit-cli.js';
import type { Io } from '../../simulators/shared/io.js';
import { parseNdjsonExport } from '../../node/src/audit/index.js';
import { networkPorts } from '../helpers/ports.js';
import { CARE_WORKERS } from '../../simulators/network/seed.js';
import { readDemoFile } from '../../node/src/fhir/demo.js';
import type { PresentationDefinition } from '../../node/src/pe/index.js';
import { SCOPE, employee, honestSubmission, selfMade, tokenRequest, vpJwt, type Signer } from '../security/attacker.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const dir = mkdtempSync(path.join(tmpdir(), 'nll-crash-'));
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NLL_') && k !== 'DATABASE_URL'));
let child: ChildProcess | undefined;

/** Starts the network in its own process group; resolves once it prints that it runs. */
function up(ports: Awaited<ReturnType<typeof networkPorts>>): Promise<ChildProcess> {
  const flags = [`--datadir=${dir}`, `--ports.vvt.public=${ports.vvt.public}`, `--ports.vvt.internal=${ports.vvt.internal}`, `--ports.lsp.public=${ports.lsp.public}`, `--ports.lsp.internal=${ports.lsp.internal}`, `--ports.dashboard=${ports.dashboard}`, '--dashboard=false', '--portal=false', '--log.level=warn'];
  const c = spawn('node', ['bin/nuts-lsp-lab.mjs', 'up', ...flags], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child = c;
  let output = '';
  return new Promise((resolve, reject) => {
    c.stdout!.on('data', (b: Buffer) => {
      output += b.toString();
      if (output.includes('nuts-lsp-lab is running')) resolve(c);
    });
    c.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    c.once('exit', (code, signal) => reject(new Error(`up exited ${code ?? signal} before it ran:\n${output}`)));
  });
}

function kill(c: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
  process.kill(-c.pid!, 'SIGKILL');
  return exited;
}

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

const json = async (res: Response) => (await res.json()) as Record<string, unknown>;

async function verify(node: string, witness: string): Promise<{ code: number; out: string }> {
  let out = '';
  const io: Io = { out: (s) => (out += s), err: (s) => (out += s) };
  return { code: await auditVerify({ node, witness: [witness] }, io), out };
}

it('after SIGKILL under load and a restart: every 2xx is recorded, chains and witnesses verify, used proofs stay refused', async () => {
  const ports = await networkPorts();
  const vvtInternal = `http://127.0.0.1:${ports.vvt.internal}`;
  const lspInternal = `http://127.0.0.1:${ports.lsp.internal}`;
  const lspPublic = `http://localhost:${ports.lsp.public}`;
  let c = await up(ports);

  const w = CARE_WORKERS[0]!;
  const worker = { name: w.name, roleName: w.roleName, roleCode: w.roleCode, identifier: w.id };
  const tokenFor = async (tokenType: 'Bearer' | 'DPoP') =>
    json(
      await fetch(`${vvtInternal}/internal/auth/v2/vvt/request-service-access-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          authorization_server: `${lspPublic}/oauth2/lsp`,
          scope: 'medicatieoverdracht-employee',
          token_type: tokenType,
          credentials: [{ '@context': ['https://www.w3.org/2018/credentials/v1', 'https://nuts.nl/credentials/v1'], type: ['VerifiableCredential', 'NutsEmployeeCredential'], credentialSubject: worker }],
        }),
      }),
    );
  const bearer = (await tokenFor('Bearer')).access_token as string;
  expect(bearer).toBeTruthy();
  const bsn = readDemoFile().clients[0]!.bsn;
  const search = `${lspPublic}/fhir/MedicationDispense`;
  const query = `?patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|${bsn}&category=http://snomed.info/sct|422037009`;

  // a DPoP-bound token and a proof, used once before the crash
  const dpopToken = await tokenFor('DPoP');
  expect(dpopToken.token_type).toBe('DPoP');
  const proof = (await json(await fetch(`${vvtInternal}/internal/auth/v2/dpop/${encodeURIComponent(dpopToken.dpop_kid as string)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ htm: 'GET', htu: search, token: dpopToken.access_token }) }))).dpop as string;
  const dpopCall = () => fetch(search + query, { headers: { authorization: `DPoP ${dpopToken.access_token}`, dpop: proof } });
  const first = await dpopCall();
  expect(first.status, await first.text()).toBe(200);

  // a presentation (signed by the VVT node's key over its internal API) whose nonce is spent before the crash
  const kid = dpopToken.dpop_kid as string;
  const vvtSigner: Signer = {
    did: kid.split('#')[0]!,
    kid,
    sign: async (claims) => (await fetch(`${vvtInternal}/internal/crypto/v1/sign_jwt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kid, claims }) })).text(),
  };
  const lspAs = `${lspPublic}/oauth2/lsp`;
  const pd = (await json(await fetch(`${lspAs}/presentation_definition?scope=${SCOPE}`))) as unknown as PresentationDefinition;
  const wallet = (await (await fetch(`${vvtInternal}/internal/vcr/v2/holder/vvt/vc`)).json()) as unknown[];
  const { submission, credentials } = honestSubmission(pd, [...wallet, selfMade(vvtSigner.did, 'NutsEmployeeCredential', employee('30.000'))]);
  const vp = await vpJwt(vvtSigner, credentials, { aud: lspAs });
  const presented = await tokenRequest(lspAs, vp, submission, `http://localhost:${ports.vvt.public}/oauth2/vvt`);
  expect(presented.status, JSON.stringify(presented.json)).toBe(200);

  // both heads signed and witnessed before the load (the LSP signs more on its own every 100 records under load)
  for (const node of [vvtInternal, lspInternal]) {
    await fetch(`${node}/internal/audit/v1/checkpoints`, { method: 'POST' });
    await expect.poll(async () => ((await json(await fetch(`${node}/internal/audit/v1/witnesses`))).witnesses as Array<{ witnessedThroughSeq?: number }>)[0]?.witnessedThroughSeq ?? 0, { timeout: 10_000 }).toBeGreaterThan(0);
  }

  // load: concurrent searches until the kill; each 2xx answer's request id is kept
  const answered: string[] = [];
  let stop = false;
  const loop = async () => {
    while (!stop) {
      try {
        const res = await fetch(search + query, { headers: { authorization: `Bearer ${bearer}` } });
        await res.arrayBuffer();
        if (res.status >= 200 && res.status < 300) answered.push(res.headers.get('x-request-id')!);
      } catch {
        // the kill cuts requests in flight: those got no answer, so nothing is owed to them
      }
    }
  };
  const loops = Array.from({ length: 6 }, loop);
  await new Promise((r) => setTimeout(r, 3000));
  await kill(c);
  stop = true;
  await Promise.all(loops);
  expect(answered.length).toBeGreaterThan(20);

  c = await up(ports);

  // every answered search has its record in the LSP's log
  const exported = parseNdjsonExport(await (await fetch(`${lspInternal}/internal/audit/v1/export?format=ndjson`)).text());
  const recorded = new Set(exported.rows.map((r) => r.record?.requestId));
  const missing = answered.filter((id) => !recorded.has(id));
  expect(missing, `${missing.length} of ${answered.length} answered requests have no access record`).toEqual([]);
  process.stdout.write(`crash: ${answered.length} searches answered 2xx before SIGKILL, all recorded (${exported.rows.length} records after restart)\n`);

  // both chains hold, and each agrees with what its peer witnessed
  for (const [node, witness, name] of [[lspInternal, vvtInternal, 'vvt'], [vvtInternal, lspInternal, 'lsp']] as const) {
    const r = await verify(node, witness);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`witness ${name} agrees`);
  }

  // the proof used before the crash is spent: replaying it is refused
  const replay = await dpopCall();
  expect(replay.status).toBe(401);
  expect(await replay.text()).toMatch(/jti|replay|already used/i);
  // a presentation from before the crash gets no token either. Its nonce is kept for the presentation's whole
  // validity (5 s + skew), shorter than a restart, so after one it is its expiry that refuses it; the nonce lives in
  // the same SQL session store as the DPoP jti above, which outlived the crash
  const again = await tokenRequest(lspAs, vp, submission, `http://localhost:${ports.vvt.public}/oauth2/vvt`);
  expect(again.status).toBe(400);
  expect(again.json.error).toMatch(/^invalid_(request|grant)$/);
  await kill(c);
}, 180_000);
