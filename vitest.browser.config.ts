import { defineConfig } from 'vitest/config';

// Browser suite: Playwright drives Debian's chromium against the dashboard (.ci/run installs chromium first).
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 90_000,
    fileParallelism: false,
  },
});
