import { defineConfig } from 'vitest/config';

// Storage contract suites against a real PostgreSQL (TEST_DATABASE_URL), run by .ci/run after starting one.
export default defineConfig({
  test: {
    include: ['test/pg/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    fileParallelism: false,
  },
});
