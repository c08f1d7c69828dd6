// Bench case f: verifyCredential with the signature cache off (ECDSA every call, full checks incl. revocation) vs raw jose.
import { jwtVerify } from 'jose';
import { internal, startTestNode } from '../../helpers/node.js';
import { loop, median } from '../load.js';
import type { BenchCase } from '../case.js';

export const vcVerify: BenchCase = {
  id: 'f',
  title: 'VC verify (signature cache off) vs jose',
  async run(ctx) {
    const issuerNode = await startTestNode('bench-issuer');
    const verifierNode = await startTestNode('bench-verifier');
    try {
      const org = (await internal(issuerNode, 'POST', '/internal/vdr/v2/subject', { subject: 'org' })).json.documents[0].id as string;
      const vc = (await internal(issuerNode, 'POST', '/internal/vcr/v2/issuer/vc', { type: 'NutsUraCredential', issuer: org, format: 'jwt_vc', withStatusList2021Revocation: true, expirationDate: new Date(Date.now() + 3600_000).toISOString(), credentialSubject: { id: org, organization: { ura: '12345678', name: 'Bench Zorg' } } })).json as string;
      const verifier = verifierNode.vcr.verifier;
      const first = await verifier.verifyCredential(vc);
      if (!first.valid) throw new Error(`bench VC does not verify: ${first.message}`);
      const kid = JSON.parse(Buffer.from(vc.split('.')[0]!, 'base64url').toString()).kid as string;
      const { key } = await verifierNode.vdr.resolver.resolveKey(kid, 'assertionMethod');
      const fetchesBefore = verifierNode.vcr.revocation.stats.fetches;
      const jose: number[] = [];
      const ours: number[] = [];
      verifier.cacheSignatures = false;
      try {
        for (let r = 0; r < ctx.rounds; r++) {
          jose.push(await loop(ctx.durMs, () => jwtVerify(vc, key)));
          ours.push(
            await loop(ctx.durMs, async () => {
              const v = await verifier.verifyCredential(vc);
              if (!v.valid) throw new Error(v.message);
            }),
          );
        }
      } finally {
        verifier.cacheSignatures = true;
      }
      const refetches = verifierNode.vcr.revocation.stats.fetches - fetchesBefore;
      // the list is re-read once its max-age (5 s by default) has passed, never per verification
      const allowed = Math.ceil((2 * ctx.rounds * ctx.durMs) / 5000) + 1;
      if (refetches > allowed) throw new Error(`the cached status list was fetched ${refetches} times during the run (at most ${allowed} expected)`);
      const j = median(jose);
      const o = median(ours);
      return [{ case: 'f', figure: 'verifyCredential, signature cache off', value: o, unit: 'ops/s', baseline: { name: 'jose jwtVerify', value: j }, ratio: o / j, goal: '≥ 0.8×', pass: o / j >= 0.8 }];
    } finally {
      await issuerNode.stop();
      await verifierNode.stop();
    }
  },
};
