// Every route in node/api/vcr-v2.yaml is served: none falls through to the generic 'Unknown route' problem.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { UNKNOWN_ROUTE_TITLE } from '../../node/src/core/errors.js';
import type { LabNode } from '../../node/src/main.js';
import { startTestNode } from '../helpers/node.js';

let node: LabNode;
beforeAll(async () => {
  node = await startTestNode('openapi');
});
afterAll(async () => node?.stop());

const spec = parse(readFileSync(new URL('../../node/api/vcr-v2.yaml', import.meta.url), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
const METHODS = ['get', 'post', 'put', 'delete', 'patch'];

it('lists the VCR routes', () => {
  expect(Object.keys(spec.paths).length).toBeGreaterThanOrEqual(14);
});

for (const [p, ops] of Object.entries(spec.paths)) {
  for (const method of Object.keys(ops).filter((m) => METHODS.includes(m))) {
    it(`${method.toUpperCase()} ${p} is served`, async () => {
      const concrete = p.replace(/\{[^}]+\}/g, (m) => (m === '{page}' ? '1' : 'x'));
      const base = p.startsWith('/internal') ? node.internalUrl : node.url;
      const res = await fetch(base + concrete, { method: method.toUpperCase(), headers: { 'content-type': 'application/json' }, body: method === 'get' ? undefined : '{}' });
      const body = await res.text();
      expect(res.status).toBeLessThan(500);
      if (res.status === 404) expect(JSON.parse(body).title).not.toBe(UNKNOWN_ROUTE_TITLE);
    });
  }
}

it('a path outside the spec does answer the unknown-route problem (so the check above can fail)', async () => {
  const res = await fetch(`${node.internalUrl}/internal/vcr/v2/not-a-route`);
  expect(res.status).toBe(404);
  expect((await res.json()).title).toBe(UNKNOWN_ROUTE_TITLE);
});
