/**
 * Setup file of the graded suites (grader/vitest.config.ts). When the grader started this worker (`npm run grade`
 * and the kit's tests), it installs the guard (watchdog.ts) before the suite loads and before any student code runs.
 * Without the grader (Stryker, a bare `vitest --config grader/vitest.config.ts`) it does nothing. vitest runs it before
 * each suite file; one worker runs several suite files in turn (grader/vitest.config.ts).
 */
import { afterAll, expect } from 'vitest';
import { WorkerGuard } from './watchdog.ts';
import { GUARD_ENV, type GuardSettings } from './watchdog-protocol.ts';

const settings = process.env[GUARD_ENV];
// Gone before any student code runs: it carries the key that signs passing checks.
delete process.env[GUARD_ENV];

if (settings) {
  const suiteFile = expect.getState().testPath;
  if (!suiteFile) throw new Error('awaitlings guard: vitest did not say which suite file this worker runs');
  const guard = WorkerGuard.install(JSON.parse(settings) as GuardSettings, suiteFile);
  // The worker may run another exercise's suite file next: leave it as the grader found it, or retire it.
  afterAll(() => guard.endFile());
}
