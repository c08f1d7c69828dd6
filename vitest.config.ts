import { defineConfig } from 'vitest/config';

// Unit tests live next to the code; integration/contract suites under test/. PostgreSQL, browser, CLI (child
// process), Nictiz TestScript and install (npm pack) suites have their own configs and scripts, all run by .ci/run.
export default defineConfig({
  test: {
    include: ['node/src/**/*.test.ts', 'simulators/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/browser/**', 'test/pg/**', 'test/cli/**', 'test/parity/**', 'test/testscript/**', 'test/install/**', '**/node_modules/**'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
