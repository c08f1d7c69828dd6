import { defineConfig } from 'vitest/config';

// The supplier's path from a tarball (`npm run test:install`): npm pack, install into an empty project, run the network,
// import data, the ECD and conformance from there. Minutes (npm install builds better-sqlite3), so not in `npm test`.
export default defineConfig({
  test: {
    include: ['test/install/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
