// The hand-written PKI v1 OpenAPI file is the contract: every operation in it is served.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { operations, unservedOperations } from '../helpers/openapi.js';
import { startTestNode } from '../helpers/node.js';

let node: LabNode;
beforeAll(async () => {
  node = await startTestNode('openapi-pki');
});
afterAll(() => node?.stop());

it('serves every operation of node/api/pki-v1.yaml', async () => {
  expect(operations('node/api/pki-v1.yaml').length).toBe(4);
  expect(await unservedOperations(node, 'node/api/pki-v1.yaml')).toEqual([]);
});
