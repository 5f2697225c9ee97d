/**
 * Setup file of the graded suites when `npm run grade` runs them (grader/node/grading/run.ts): points the worker's notes at
 * the suite file it is about to run (./worker-notes.ts). vitest runs it before each suite file; one worker runs
 * several suite files in turn.
 */
import { expect } from 'vitest';
import { beginNotes } from './worker-notes.ts';

const suiteFile = expect.getState().testPath;
if (suiteFile) beginNotes(suiteFile);
