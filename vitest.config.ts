import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Run tests against the TypeScript sources; no build is needed for unit tests.
    conditions: ['source'],
  },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
