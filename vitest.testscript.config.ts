import { defineConfig } from 'vitest/config';

// Nictiz's MP9 TestScripts against lab nodes (~2 × 45 s): their own script (`npm run test:testscript`), run by .ci/run.
export default defineConfig({
  test: {
    include: ['test/testscript/**/*.test.ts'],
    environment: 'node',
    testTimeout: 300_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
