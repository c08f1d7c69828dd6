import { defineConfig } from 'vitest/config';

// Unit tests live next to the code; integration/contract suites under test/. The PostgreSQL run has its own config.
export default defineConfig({
  test: {
    include: ['node/src/**/*.test.ts', 'simulators/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/browser/**', 'test/pg/**', '**/node_modules/**'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
