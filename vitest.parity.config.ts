import { defineConfig } from 'vitest/config';

// Parity suite: nuts-node v6.2.10's own e2e flows and OpenAPI files replayed against lab nodes (`npm run test:parity`,
// run by .ci/run); each file skips with one line naming ../shared/external/nuts-node-v6.2.10 when it is absent.
export default defineConfig({
  test: {
    include: ['test/parity/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/parity/reporter.ts'],
  },
});
