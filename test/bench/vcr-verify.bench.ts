// Benchmark: our verifyCredential (cached resolution, cached signature state, cached status list) vs raw jose jwtVerify vs Veramo, same process.
import { createAgent, type ICredentialPlugin, type IResolver, type TAgent } from '@veramo/core';
import { CredentialPlugin } from '@veramo/credential-w3c';
import { CredentialProviderJWT } from '@veramo/credential-jwt';
import { DIDResolverPlugin } from '@veramo/did-resolver';
import { jwtVerify } from 'jose';
import { internal, startTestNode } from '../helpers/node.js';

const DUR_MS = Number(process.env.DUR_MS ?? 1500);
const ROUNDS = Number(process.env.ROUNDS ?? 3);

async function measure(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < DUR_MS) {
    await fn();
    n++;
  }
  return (n / (performance.now() - start)) * 1000;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const issuerNode = await startTestNode('bench-issuer');
const verifierNode = await startTestNode('bench-verifier');
try {
  const org = (await internal(issuerNode, 'POST', '/internal/vdr/v2/subject', { subject: 'org' })).json.documents[0].id as string;
  const vc = (await internal(issuerNode, 'POST', '/internal/vcr/v2/issuer/vc', {
    type: 'NutsUraCredential',
    issuer: org,
    format: 'jwt_vc',
    withStatusList2021Revocation: true,
    expirationDate: new Date(Date.now() + 3600_000).toISOString(),
    credentialSubject: { id: org, organization: { ura: '12345678', name: 'Bench Zorg' } },
  })).json as string;
  const verifier = verifierNode.vcr.verifier;
  const first = await verifier.verifyCredential(vc);
  if (!first.valid) throw new Error(`bench VC does not verify: ${first.message}`);
  const kid = JSON.parse(Buffer.from(vc.split('.')[0]!, 'base64url').toString()).kid as string;
  const { key } = await verifierNode.vdr.resolver.resolveKey(kid, 'assertionMethod');
  const agent: TAgent<IResolver & ICredentialPlugin> = createAgent({ plugins: [new DIDResolverPlugin({ resolver: verifierNode.vdr.resolver.asResolvable() }), new CredentialPlugin([new CredentialProviderJWT()])] });
  // Veramo has no status-list plugin here, so its credentialStatus policy is off (it would throw invalid_setup)
  const veramoVc = vc;
  const fetchesBefore = verifierNode.vcr.revocation.stats.fetches;

  const cases: Record<string, () => Promise<unknown>> = {
    'raw jose jwtVerify (pre-imported key)': () => jwtVerify(vc, key),
    'vcr verifyCredential (full checks incl. revocation, cached)': async () => {
      const r = await verifier.verifyCredential(vc);
      if (!r.valid) throw new Error(r.message);
    },
    'vcr verifyCredential, signature cache off (ECDSA every call)': async () => {
      verifier.cacheSignatures = false;
      try {
        const r = await verifier.verifyCredential(vc);
        if (!r.valid) throw new Error(r.message);
      } finally {
        verifier.cacheSignatures = true;
      }
    },
    'Veramo verifyCredential': () => agent.verifyCredential({ credential: veramoVc, policies: { credentialStatus: false } }),
  };
  const results: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let round = 0; round < ROUNDS; round++) for (const [name, fn] of Object.entries(cases)) results[name]!.push(await measure(fn));
  const jose = median(results['raw jose jwtVerify (pre-imported key)']!);
  console.log(`VC-JWT verification, ES256, ${ROUNDS} rounds × ${DUR_MS} ms, median ops/s (ratio to raw jose):`);
  for (const [name, xs] of Object.entries(results)) console.log(`  ${name.padEnd(62)} ${median(xs).toFixed(0).padStart(7)}  (${(median(xs) / jose).toFixed(2)}×)`);
  console.log(`  status list fetches during the run: ${verifierNode.vcr.revocation.stats.fetches - fetchesBefore} (cached list must not be refetched)`);
  const ours = median(results['vcr verifyCredential (full checks incl. revocation, cached)']!);
  console.log(ours >= 0.8 * jose ? 'target met: ≥ 0.8 × raw jose' : 'target NOT met: < 0.8 × raw jose');
} finally {
  await issuerNode.stop();
  await verifierNode.stop();
}
