import { defineConfig } from 'vitest/config';

/** The kit's own tests (`npm test`). The graded suites have their own config: grader/vitest.config.ts. */
export default defineConfig({
  test: {
    include: ['grader/tests/**/*.test.ts'],
    pool: 'forks',
    // Two test files at a time: most of them drive the grader, which is itself a process tree.
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default', './grader/tests/summary-reporter.ts'],
  },
});
