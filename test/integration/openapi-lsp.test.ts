// The mock LSP's control API (simulators/lsp/api/lsp-v1.yaml) and the monitoring API (node/api/monitoring-v1.yaml) are
// contracts the typed client is generated from: every operation in them is served.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LspNode } from '../../simulators/lsp/main.js';
import { operations, unservedOperations } from '../helpers/openapi.js';
import { startTestLsp } from '../helpers/lsp.js';

let lsp: LspNode;
beforeAll(async () => {
  ({ lsp } = await startTestLsp());
});
afterAll(() => lsp?.node.stop());

it('the mock LSP serves every operation of simulators/lsp/api/lsp-v1.yaml', async () => {
  expect(operations('simulators/lsp/api/lsp-v1.yaml').length).toBe(16);
  expect(await unservedOperations(lsp.node, 'simulators/lsp/api/lsp-v1.yaml')).toEqual([]);
});

it('a node serves every operation of node/api/monitoring-v1.yaml', async () => {
  expect(operations('node/api/monitoring-v1.yaml').length).toBe(3);
  expect(await unservedOperations(lsp.node, 'node/api/monitoring-v1.yaml')).toEqual([]);
});
