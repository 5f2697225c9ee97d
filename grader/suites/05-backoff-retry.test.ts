/**
 * Exercise 05, retry with exponential backoff. The checks live next to this file, by topic:
 * - `05-backoff-retry/waits.checks.ts`: how many calls, and the waits between them (backoffDelay, cap, jitter);
 * - `05-backoff-retry/giving-up.checks.ts`: the last error, shouldRetry and onRetry, aborts, cleanup, bad options;
 * - `05-backoff-retry/fetch.checks.ts`: fetchWithRetry.
 * The report lists them in manifest order, whatever the order they are registered in.
 */
import './05-backoff-retry/waits.checks.ts';
import './05-backoff-retry/giving-up.checks.ts';
import './05-backoff-retry/fetch.checks.ts';
import { includeHiddenChecks } from '../lab/index.ts';

// The hidden checks (grader/suites/05-backoff-retry.hidden.ts, left out of the student template) run in this file too.
await includeHiddenChecks('05-backoff-retry');
