// Every route in node/api/auth-v2.yaml and discovery-v1.yaml is served: none falls through to the family's unknown-route answer.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { UNKNOWN_ROUTE_TITLE } from '../../node/src/core/errors.js';
import type { LabNode } from '../../node/src/main.js';
import { startTestNode } from '../helpers/node.js';

let node: LabNode;
beforeAll(async () => {
  node = await startTestNode('openapi-auth');
});
afterAll(async () => node?.stop());

const METHODS = ['get', 'post', 'put', 'delete', 'patch'];
const routes = ['auth-v2.yaml', 'discovery-v1.yaml'].flatMap((f) => {
  const spec = parse(readFileSync(new URL(`../../node/api/${f}`, import.meta.url), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(spec.paths).flatMap(([p, ops]) => Object.keys(ops).filter((m) => METHODS.includes(m)).map((m) => ({ file: f, path: p, method: m.toUpperCase() })));
});

/** true when the answer is the unknown-route fallback of the problem or the OAuth dialect */
async function isUnknownRoute(res: Response): Promise<boolean> {
  if (res.status !== 404) return false;
  const body = (await res.json()) as { title?: string; error_description?: string };
  return body.title === UNKNOWN_ROUTE_TITLE || (body.error_description ?? '').startsWith('no route for');
}

it('the specs list the Auth v2 and Discovery routes', () => {
  expect(routes.filter((r) => r.file === 'auth-v2.yaml')).toHaveLength(19);
  expect(routes.filter((r) => r.file === 'discovery-v1.yaml')).toHaveLength(7);
});

for (const r of routes) {
  it(`${r.method} ${r.path} is served`, async () => {
    const concrete = r.path.replace(/\{[^}]+\}/g, 'x');
    const base = r.path.startsWith('/internal') ? node.internalUrl : node.url;
    const res = await fetch(base + concrete, { method: r.method, headers: { 'content-type': 'application/json' }, body: r.method === 'GET' ? undefined : '{}' });
    expect(res.status).toBeLessThan(500);
    expect(await isUnknownRoute(res)).toBe(false);
  });
}

it('paths outside the specs do answer the unknown-route fallback (so the checks above can fail)', async () => {
  expect(await isUnknownRoute(await fetch(`${node.internalUrl}/internal/auth/v2/not-a-route/x/y`, { method: 'POST' }))).toBe(true);
  expect(await isUnknownRoute(await fetch(`${node.url}/oauth2/x/not-a-route`))).toBe(true);
});
