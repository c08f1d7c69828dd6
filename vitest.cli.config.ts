import { defineConfig } from 'vitest/config';

// CLI suites: each test runs `node bin/nuts-lsp-lab.mjs …` as a child process (tsx start-up per call), so they get
// their own script (`npm run test:cli`), which .ci/run runs after `npm test`.
export default defineConfig({
  test: {
    include: ['test/cli/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 90_000,
    pool: 'forks',
  },
});
