// Import boundaries of the project, checked by dependency-cruiser (`npm run lint`): each rule says why it exists.
/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle means two modules cannot be understood (or loaded) one without the other: move the shared part down.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'simulators-use-capability-index',
      severity: 'error',
      comment:
        "Simulators are users of the node like any supplier's code: they import a capability only through its public node/src/<capability>/index.ts (or the composition root node/src/main.ts).",
      from: { path: '^simulators/' },
      to: { path: '^node/src/[^/]+/', pathNot: '^node/src/[^/]+/index\\.ts$' },
    },
    {
      name: 'node-not-from-simulators',
      severity: 'error',
      comment: 'The node is the lower layer: simulators are built on it, never the other way round (its own tests excepted).',
      from: { path: '^node/', pathNot: '\\.test\\.ts$' },
      to: { path: '^simulators/' },
    },
    {
      name: 'simulators-shared-stands-alone',
      severity: 'error',
      comment: 'simulators/shared holds what several simulators use; it imports no simulator itself, so every simulator can import it.',
      from: { path: '^simulators/shared/' },
      to: { path: '^simulators/', pathNot: '^simulators/shared/' },
    },
    {
      name: 'lsp-not-from-network',
      severity: 'error',
      comment: 'The network composes the LSP; the LSP never reaches back into the network (what both need is in simulators/shared).',
      from: { path: '^simulators/lsp/' },
      to: { path: '^simulators/network/' },
    },
    {
      name: 'production-not-from-test',
      severity: 'error',
      comment: 'Production code (node, simulators, bin) never imports from test/: a clone installed without tests must still run.',
      from: { path: '^(node|simulators|bin)/', pathNot: '\\.test\\.ts$' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|\\.data)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
