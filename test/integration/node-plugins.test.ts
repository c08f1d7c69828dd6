// createNode's plug-in seam: what a plug-in brings (engines, routes, middleware, FHIR backend) is wired while the node is built.
import { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNode, type LabNode, type NodePlugin } from '../../node/src/main.js';
import type { FhirBackend } from '../../node/src/fhir/index.js';
import { internal, startTestNode, testNodeConfig } from '../helpers/node.js';

describe('createNode plug-ins', () => {
  let node: LabNode;
  const events: string[] = [];
  const plugin: NodePlugin = {
    name: 'probe',
    build(parts) {
      return {
        engines: [{ name: 'probe', start: () => void events.push(`probe start, listening: ${safeUrl(parts.url) !== undefined}`), stop: () => void events.push('probe stop') }],
        afterListening: [{ name: 'probe-after', start: () => void events.push(`after start, internal ${new URL(parts.internalUrl()).port !== '0'}`), stop: () => void events.push('after stop') }],
        internalRoutes: [{ prefix: '/internal/probe', router: Router().get('/hello', (_req, res) => void res.json({ node: parts.config.name })) }],
        publicMiddleware: [(_req, res, next) => (res.setHeader('x-probe', 'yes'), next())],
      };
    },
  };

  beforeAll(async () => {
    node = await startTestNode('plugins', {}, { plugins: [plugin] });
  });
  afterAll(async () => {
    await node?.stop();
    expect(events.slice(-2)).toEqual(['after stop', 'probe stop']);
  });

  it('starts the plug-in engines before the node listens and the after-listening ones once it does', () => {
    expect(events).toEqual(['probe start, listening: false', 'after start, internal true']);
  });

  it('mounts its internal routes in the problem+json family', async () => {
    expect(await internal(node, 'GET', '/internal/probe/hello')).toMatchObject({ status: 200, json: { node: 'plugins' } });
    const missing = await internal(node, 'GET', '/internal/probe/nothing');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
  });

  it('puts its public middleware in front of every public response, errors and monitoring included', async () => {
    for (const p of ['/status', '/no-such-route', '/fhir/metadata']) expect((await fetch(node.url + p)).headers.get('x-probe'), p).toBe('yes');
  });

  it('refuses a FHIR backend given twice', () => {
    const backend = (embedded: FhirBackend) => embedded;
    expect(() => createNode(testNodeConfig('twice'), { fhirBackend: backend, plugins: [{ name: 'other', build: () => ({ fhirBackend: backend }) }] })).toThrow(/fhirBackend is given by NodeDeps and plug-in other/);
  });
});

function safeUrl(url: () => string): string | undefined {
  try {
    return url();
  } catch {
    return undefined;
  }
}
