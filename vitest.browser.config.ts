import { defineConfig } from 'vitest/config';

// Browser suite: Playwright drives Debian's chromium against the dashboard (.ci/run installs chromium first).
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    fileParallelism: false,
  },
});
