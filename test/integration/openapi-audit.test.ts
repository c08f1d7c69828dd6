// The hand-written audit v1 OpenAPI file is the contract: every operation in it is served.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { operations, unservedOperations } from '../helpers/openapi.js';
import { startTestNode } from '../helpers/node.js';

let node: LabNode;
beforeAll(async () => {
  node = await startTestNode('openapi-audit');
});
afterAll(() => node?.stop());

it('serves every operation of node/api/audit-v1.yaml', async () => {
  expect(operations('node/api/audit-v1.yaml').length).toBe(15);
  expect(await unservedOperations(node, 'node/api/audit-v1.yaml', (p) => (p === 'bsn' ? '999911120' : '00000000-0000-0000-0000-000000000000'))).toEqual([]);
});
