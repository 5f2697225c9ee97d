import { defineConfig } from 'vitest/config';

/** The kit's own tests (`npm test`). The graded suites have their own config: grader/vitest.config.ts. */
export default defineConfig({
  test: {
    include: ['grader/tests/**/*.test.ts'],
    pool: 'forks',
    // Two test files at a time: most of them drive the grader, which is itself a process tree.
    maxWorkers: 2,
    // 4x the slowest test without a limit of its own (grading.test.ts's same-seed-twice, 70 s on 2 loaded cores),
    // so a machine 4x slower still passes; a test that hangs fails after 5 minutes.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    reporters: ['default', './grader/tests/summary-reporter.ts'],
  },
});
