import { defineConfig } from 'vitest/config';

// Fuzz suite (`npm run test:fuzz`): fast-check generated requests against a real network started in-process; minutes,
// so it has its own script, which .ci/run runs. FUZZ_RUNS / FUZZ_SEED override the count and the seed.
export default defineConfig({
  test: {
    include: ['test/fuzz/**/*.fuzz.ts'],
    environment: 'node',
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
