import { basename } from 'node:path';

/**
 * The exercise a file of checks belongs to, from its name: `grader/suites/01-fetch-all.test.ts` (the suite) and
 * `01-fetch-all.hidden.ts` (its hidden checks) are `01-fetch-all`.
 */
export function exerciseOfSuiteFile(file: string): string {
  return basename(file).replace(/(\.hidden\.ts|\.test\.ts)$/, '');
}
