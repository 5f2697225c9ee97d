/**
 * Exercise 07, task groups, timeouts and shields. The checks live next to this file, by topic:
 * - `07-task-group/group.checks.ts`: taskGroup (generated groups of tasks), spawn after the end, nested groups;
 * - `07-task-group/timeout.checks.ts`: withTimeout (generated deadlines), shield, and nothing left behind.
 * The report lists them in manifest order, whatever the order they are registered in.
 */
import './07-task-group/group.checks.ts';
import './07-task-group/timeout.checks.ts';
import { includeHiddenChecks } from '../lab/index.ts';

// The hidden checks (grader/suites/07-task-group.hidden.ts, left out of the student template) run in this file too.
await includeHiddenChecks('07-task-group');
