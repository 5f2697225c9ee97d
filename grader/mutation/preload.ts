/**
 * Setup file for `npm run mutation` only. The suites import the graded module lazily, inside the first check that
 * needs it, so Stryker would credit whatever that module runs at import (a `new Set([...])` of retryable statuses,
 * say) to that one check, and test its mutants against that check alone. Loading the module here, before any test,
 * makes Stryker see that code as static, and test its mutants against every check.
 */
import { basename } from 'node:path';
import { beforeAll } from 'vitest';
import { loadSubmission } from '../lab/submission.ts';

// biome-ignore lint/correctness/noEmptyPattern: vitest reads a hook's fixtures from this pattern; it needs none
beforeAll(async ({}, suite) => {
  const exercise = basename(suite.file.filepath).replace(/(\.hidden)?\.test\.ts$/, '');
  // A module that fails to load fails the checks themselves, with the suite's own message.
  await loadSubmission(exercise).catch(() => {});
});
