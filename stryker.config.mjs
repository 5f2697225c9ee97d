/**
 * `npm run mutation`: how much the graded suites catch. Stryker mutates the reference solutions and runs the suites
 * against each mutant (grader/vitest.config.ts grades `solutions` when no grader provides a context, and
 * grader/mutation/vitest.config.ts adds what Stryker needs); a mutant the suites still pass "survived". One exercise: `npm run mutation -- --mutate solutions/01-fetch-all/index.ts`.
 * Reports: the table in the terminal, reports/mutation/index.html and reports/mutation/mutation.json.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: {
    configFile: 'grader/mutation/vitest.config.ts',
    // The suites import the graded file at run time, not statically: vitest cannot tell which tests are related.
    related: false,
  },
  mutate: ['solutions/*/index.ts'],
  coverageAnalysis: 'perTest',
  // Only the files a suite run needs; node_modules is linked, not copied.
  ignorePatterns: ['/*', '!/grader', '!/solutions', '!/exercises', '!/package.json', '!/tsconfig.json'],
  concurrency: 2,
  timeoutMS: 10_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: true, logTests: false, reportScoreTable: true },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
};
