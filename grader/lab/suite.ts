/// <reference types="vite/client" />

import { relative } from 'node:path';
import { test } from 'vitest';
import { checkSeed, type GradingContext } from '../context.ts';
import { type CheckSpec, findExercise } from '../manifest.ts';
import { CheckFailure, show } from './failure.ts';
import { Lab } from './lab.ts';
import type { Subject } from './subject.ts';
import { loadInSubject, startSubjectEarly } from './subject-submission.ts';
import { displayPath, gradingContext, loadSubmission, SubmissionError } from './submission.ts';
import type { RequestRecord } from './timeline.ts';
import { writeNote } from './worker-notes.ts';

/**
 * One bar on a timeline that is not an HTTP request: a task, a queue put or get, a wait, a retry attempt.
 * Spans that share a `lane` share a row (one worker's tasks, one call's attempts); an instant has `end === start`.
 */
export interface TimelineSpan {
  /** What the bar is, e.g. `task 3`, `put 7`, `attempt 2`. */
  label: string;
  /** Virtual ms since the check started. */
  start: number;
  /** Absent when it was still running as the check ended. */
  end?: number;
  /** Drawn at the end of the bar: `✓` done, `×` aborted or cancelled, `!` failed, `…` still running. */
  mark?: '✓' | '×' | '!' | '…';
  /** The row it is drawn on, e.g. `worker 1` or `GET /a`. @default label */
  lane?: string;
  /** `wait` is time spent blocked (a full queue, a backoff sleep): views draw it lighter. @default 'work' */
  kind?: 'work' | 'wait';
}

/** A moment a view should point at: where the rule broke, e.g. `{ at: 120, note: '4 in flight (limit 2)' }`. */
export interface TimelineMarker {
  at: number;
  note: string;
}

/** What one run looked like on the virtual time axis. Views draw `timeline` and `spans` on one axis. */
export interface TimelineData {
  /** The HTTP requests, as the lab recorded them. */
  timeline?: readonly RequestRecord[];
  /** Anything else worth drawing: tasks, queue puts and gets, retries. */
  spans?: readonly TimelineSpan[];
  marker?: TimelineMarker;
}

/** What a check leaves for the report's views (timelines, concepts). Every field is optional. */
export interface CheckMeta extends TimelineData {
  concept?: string;
  /** What the reference behaviour does with the same workload, drawn beside the student's run. */
  expected?: TimelineData & { note?: string };
}

/** What a check cost, for `npm run bench`. */
export interface CheckStats {
  /** Virtual ms the check simulated, across all its property runs. */
  virtualMs: number;
  propertyRuns: number;
}

declare module 'vitest' {
  interface TaskMeta {
    awaitlingsStats?: CheckStats;
    awaitlings?: CheckMeta;
    /** The kit file that declared the check, e.g. `grader/suites/01-fetch-all.hidden.ts`. */
    awaitlingsDeclaredIn?: string;
  }
}

/** The kit's hidden-check files; the student template ships none. */
const hiddenCheckFiles = import.meta.glob('../suites/*.hidden.ts');
/** The file whose checks are being declared, while `includeHiddenChecks` imports one. */
let declaring: string | undefined;

/**
 * Declares the exercise's hidden checks (`grader/suites/<id>.hidden.ts`) in the calling suite file, when the kit has
 * them: public and hidden checks then run in one worker, one after the other, against one import of the student's
 * module. In the student template the file is gone and this does nothing.
 *
 * @example
 * await includeHiddenChecks('01-fetch-all'); // last line of grader/suites/01-fetch-all.test.ts
 */
export async function includeHiddenChecks(exerciseId: string): Promise<void> {
  const load = hiddenCheckFiles[`../suites/${exerciseId}.hidden.ts`];
  if (!load) return;
  declaring = `grader/suites/${exerciseId}.hidden.ts`;
  try {
    await load();
  } finally {
    declaring = undefined;
  }
}

/**
 * Exercises whose student module a check of this suite file already loaded: a crash while loading it fails every
 * check.
 */
const imported = new Set<string>();

/** Handed to every check. */
export interface CheckContext<Api> {
  /** The student's module. */
  api: Api;
  /** The virtual-time lab, fresh for this check. */
  lab: Lab;
  /** The graded file, as the student sees its path. */
  file: string;
}

export interface CheckOptions {
  /**
   * Real-time limit for the whole check, a backstop behind the lab's virtual budgets and the blocked-loop watchdog,
   * with room for a machine four times slower than a developer's. @default 20_000
   */
  timeoutMs?: number;
}

/**
 * Declares the suite of one exercise. `check(id, ...)` registers the manifest's check `id` as one test: it loads
 * the student's module, opens a lab, runs the body, and turns whatever went wrong into a message for the student.
 *
 * @example
 * const { check } = defineSuite<typeof import('../../exercises/01-fetch-all/index.ts')>('01-fetch-all');
 * check('starts-all-at-once', async ({ api, lab }) => {
 *   const urls = lab.http.routes([{ latency: 100 }, { latency: 200 }]);
 *   await lab.run(api.fetchAll(urls));
 *   expect(lab.http.timeline).toStartEveryRequestBeforeAnyResponse();
 * });
 */
export function defineSuite<Api>(exerciseId: string) {
  const exercise = findExercise(exerciseId);
  const registered = new Set<string>();
  // A kept worker may have graded this exercise in an earlier run: this run's first check loads the module again.
  imported.delete(exerciseId);
  if (gradingContext().isolation !== 'worker') startSubjectEarly(exerciseId);

  function check(
    id: string,
    body: (context: CheckContext<Api>) => Promise<void>,
    options: CheckOptions = {},
  ): void {
    const declaredIn = declaring ?? `grader/suites/${exerciseId}.test.ts`;
    const spec = exercise.checks.find((candidate) => candidate.id === id);
    if (!spec) throw new Error(`${declaredIn}: check \`${id}\` is not in grader/manifest.ts`);
    if (registered.has(id)) throw new Error(`${declaredIn}: check \`${id}\` is declared twice`);
    registered.add(id);
    test(id, { timeout: options.timeoutMs ?? 20_000, meta: { awaitlingsDeclaredIn: declaredIn } }, async ({
      task,
      signal,
    }) => {
      // Under `npm run grade` the grading process reads which check this worker runs (worker-notes.ts).
      writeNote({ pid: process.pid, check: id, phase: imported.has(exerciseId) ? 'check' : 'import' });
      let abandon = () => {};
      try {
        const context = gradingContext();
        const { api, file, subject } =
          context.isolation === 'worker'
            ? { ...(await loadSubmission<Api>(exerciseId)), subject: undefined }
            : await loadInSubject<Api>(exerciseId);
        imported.add(exerciseId);
        writeNote({ pid: process.pid, check: id, phase: 'check' });
        // A check vitest gave up on must not run on into the next one: its subject stops with it.
        abandon = () => subject?.abandon(`${id} passed its limit`);
        signal.addEventListener('abort', abandon, { once: true });
        const lab = Lab.open({
          seed: checkSeed(context.seed, exerciseId, id),
          reproduce: reproduceCommand(context, exerciseId),
        });
        try {
          await body({ api, lab, file: displayPath(file) });
          assertOnlyOfferedRequests(lab);
          const stopped = lost(subject);
          if (stopped) throw stopped;
        } catch (error) {
          // A stopped subject explains whatever else went wrong: say it first.
          const failure = lost(subject) ?? explain(error, spec, displayPath(file));
          const timeline = (failure instanceof CheckFailure && failure.timeline) || lab.http.timeline;
          const drawn = failure instanceof CheckFailure ? failure : undefined;
          task.meta.awaitlings = {
            concept: drawn?.concept,
            timeline: timeline.length > 0 ? structuredClone(timeline) : undefined,
            spans: drawn?.spans && structuredClone(drawn.spans),
            marker: drawn?.marker,
            expected: drawn?.expected && structuredClone(drawn.expected),
          };
          throw failure;
        } finally {
          task.meta.awaitlingsStats = { virtualMs: lab.virtualMs, propertyRuns: lab.propertyRuns };
          lab.close();
        }
      } finally {
        // vitest keeps the signal (and so the subject, through the listener) after the check: a kept worker would
        // hold every subject it ever ran.
        signal.removeEventListener('abort', abandon);
        writeNote({ pid: process.pid, check: id, phase: 'between' });
      }
    });
  }

  return { check, exercise };
}

/** The command that grades this exercise again the same way: the same file, the same seed. */
function reproduceCommand(context: GradingContext, exerciseId: string): string {
  const file = context.files[exerciseId];
  const target = relative(context.root, context.target) || '.';
  const what = file ? ` --file ${displayPath(file)}` : target === 'exercises' ? '' : ` --target ${target}`;
  return `npm run grade -- ${exerciseId.slice(0, 2)}${what} --seed ${context.seed}`;
}

/** Why the subject was stopped during the check, as a failure for the student. */
function lost(subject: Subject | undefined): CheckFailure | undefined {
  const reason = subject?.lost;
  return (
    reason && new CheckFailure(reason.message, { concept: 'a process the grader had to stop', cause: reason })
  );
}

/** Fails the check if the student's code asked for what no route of the check offers. */
function assertOnlyOfferedRequests(lab: Lab): void {
  if (lab.http.unexpected.length > 0) {
    throw new CheckFailure(
      `Your code requested ${lab.http.unexpected.slice(0, 3).join(', ')}` +
        `${lab.http.unexpected.length > 3 ? ` and ${lab.http.unexpected.length - 3} more` : ''}, ` +
        'which this check never offered.',
    );
  }
}

/** Turns any error out of a check into the message a student should read. */
function explain(error: unknown, spec: CheckSpec, file: string): unknown {
  if (error instanceof SubmissionError) return error;
  const root = deepestCause(error);
  const said = [root, error]
    .map((candidate) => (candidate instanceof Error ? candidate.message : ''))
    .join('\n');
  const stub = said.match(/(\w+)?:? ?not implemented yet/i);
  if (stub) {
    const what = stub[1] ? `${stub[1]} still throws` : 'your code still throws';
    return new CheckFailure(
      `Not started yet: ${what} "not implemented yet". Open ${file}, follow its TODOs, and this check ` +
        `(${spec.title}) will start to count.`,
      { concept: 'a stub', cause: root },
    );
  }
  if (error instanceof CheckFailure) return error;
  // vitest's own assertions, and the lab's timeline matchers (expect.extend throws a plain-named Error that
  // carries `__vitest_error_context__`): their messages are already written for the student.
  if (error instanceof Error && (error.name === 'AssertionError' || '__vitest_error_context__' in error)) {
    return error;
  }
  return new CheckFailure(`Your code threw ${show(error)} during the check.`, { cause: error });
}

/** The error at the end of a `cause` chain: what the student's code actually threw. */
function deepestCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 10 && current instanceof Error && current.cause !== undefined; depth++) {
    current = current.cause;
  }
  return current;
}
