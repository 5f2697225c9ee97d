import { mergeConfig } from 'vitest/config';
import graded from '../vitest.config.ts';

/**
 * The graded suites as `npm run mutation` runs them under Stryker (see stryker.config.mjs): the graded config, plus a
 * setup file that loads the graded module before the first check (grader/mutation/preload.ts).
 */
export default mergeConfig(graded, {
  test: { setupFiles: ['grader/mutation/preload.ts'] },
});
