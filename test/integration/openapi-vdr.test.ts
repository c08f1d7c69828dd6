// The hand-written VDR v2 OpenAPI file is the contract: every operation in it is served.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { operations, unservedOperations } from '../helpers/openapi.js';
import { startTestNode } from '../helpers/node.js';

let node: LabNode;
beforeAll(async () => {
  node = await startTestNode('openapi');
});
afterAll(() => node?.stop());

it('serves every operation of node/api/vdr-v2.yaml', async () => {
  expect(operations('node/api/vdr-v2.yaml').length).toBe(12);
  expect(await unservedOperations(node, 'node/api/vdr-v2.yaml')).toEqual([]);
});

it('detects an operation that is not served', async () => {
  // guard against a checker that can never fail: a made-up path must be reported
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const f = `${mkdtempSync(`${tmpdir()}/nll-oa-`)}/x.yaml`;
  writeFileSync(f, 'openapi: 3.0.3\npaths:\n  /internal/vdr/v2/nope:\n    get: {}\n');
  expect(await unservedOperations(node, f)).toEqual(['GET /internal/vdr/v2/nope']);
});
