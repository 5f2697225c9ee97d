import { mergeConfig } from 'vitest/config';
import graded from '../vitest.config.ts';

/**
 * The graded suites as `npm run mutation` runs them under Stryker (see stryker.config.mjs): the graded config, plus a
 * setup file that loads the graded module before the first check (grader/mutation/preload.ts).
 */
export default mergeConfig(graded, {
  test: {
    setupFiles: ['grader/mutation/preload.ts'],
    // Stryker switches mutants inside the process that imports the solution, so the reference code (never a
    // submission) is imported into the check worker here instead of running in a subject.
    provide: { awaitlings: { isolation: 'worker' } },
  },
});
