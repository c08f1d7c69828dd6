// The README's copy-paste blocks that are data, not prose: the audit record of the ECD walk-through is valid JSON as
// pasted and the node accepts it; the documented DPoP kid encoding is what encodeURIComponent gives.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { internal, startTestNode } from '../helpers/node.js';

const readme = readFileSync(path.resolve(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
let node: LabNode;
beforeAll(async () => {
  node = await startTestNode('readme');
});
afterAll(async () => node?.stop());

describe('README', () => {
  it('the audit-record curl body is valid JSON as pasted, and the node records it (201)', async () => {
    const m = readme.match(/internal\/audit\/v1\/records -H 'content-type: application\/json' -d '([\s\S]*?)'\n/);
    expect(m, 'the audit curl in the ECD walk-through').not.toBeNull();
    const body = JSON.parse(m![1]!) as Record<string, unknown>;
    const r = await internal(node, 'POST', '/internal/audit/v1/records', body);
    expect(r.status, r.text).toBe(201);
    expect(r.json).toMatchObject({ event: 'data.request.outgoing', patient: { bsn: '999911004' } });
  });

  it('shows the DPoP kid URL-encoded exactly as encodeURIComponent does', () => {
    const m = readme.match(/#\s+(did:web:\S+) -> (\S+)/);
    expect(m).not.toBeNull();
    expect(encodeURIComponent(m![1]!)).toBe(m![2]);
  });

  it('says what to do on a 401 for a cached token, and where the logs go', () => {
    expect(readme).toContain("-H 'Cache-Control: no-cache'");
    expect(readme).toMatch(/\*\*Where logs go:\*\*/);
    expect(readme).toContain('(simulators/network/INTEGRATION.md)');
    expect(readme).toContain('(simulators/ecd/README.md)');
  });

  it('names the suites .ci/run runs', () => {
    const ci = readFileSync(path.resolve(import.meta.dirname, '..', '..', '.ci', 'run'), 'utf8');
    const suites = [...ci.matchAll(/^npm (?:run )?([\w:]+)$/gm)].map((x) => x[1]!).filter((x) => x !== 'ci');
    expect(suites).toEqual(expect.arrayContaining(['typecheck', 'test', 'test:cli', 'test:install', 'test:browser', 'test:pg']));
    for (const s of suites) expect(readme).toContain(s === 'test' ? '`npm test`' : `\`npm run ${s}\``);
  });
});
