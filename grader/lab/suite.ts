import { test } from 'vitest';
import { checkSeed } from '../context.ts';
import { type CheckSpec, findExercise } from '../manifest.ts';
import { CheckFailure, show } from './failure.ts';
import { HttpLab } from './http.ts';
import { Lab } from './lab.ts';
import { displayPath, gradingContext, loadSubmission, SubmissionError } from './submission.ts';
import type { RequestRecord } from './timeline.ts';

/** What a failing check leaves for the report's views (timelines, concepts). */
export interface CheckMeta {
  concept?: string;
  timeline?: readonly RequestRecord[];
}

declare module 'vitest' {
  interface TaskMeta {
    awaitlings?: CheckMeta;
  }
}

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
  /** Real-time limit for the whole check, a backstop behind the lab's virtual budgets. @default 10_000 */
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

  function check(
    id: string,
    body: (context: CheckContext<Api>) => Promise<void>,
    options: CheckOptions = {},
  ): void {
    const spec = exercise.checks.find((candidate) => candidate.id === id);
    if (!spec) {
      throw new Error(`grader/suites/${exerciseId}.test.ts: check \`${id}\` is not in grader/manifest.ts`);
    }
    if (registered.has(id))
      throw new Error(`grader/suites/${exerciseId}.test.ts: check \`${id}\` is declared twice`);
    registered.add(id);
    test(
      id,
      async ({ task }) => {
        const { api, file } = await loadSubmission<Api>(exerciseId);
        const context = gradingContext();
        const lab = Lab.open({
          seed: checkSeed(context.seed, exerciseId, id),
          reproduce: `npm run grade -- ${exerciseId.slice(0, 2)} --seed ${context.seed}`,
        });
        try {
          await body({ api, lab, file: displayPath(file) });
          assertUntouched(lab);
        } catch (error) {
          const failure = explain(error, spec, displayPath(file));
          const timeline = (failure instanceof CheckFailure && failure.timeline) || lab.http.timeline;
          task.meta.awaitlings = {
            concept: failure instanceof CheckFailure ? failure.concept : undefined,
            timeline: timeline.length > 0 ? structuredClone(timeline) : undefined,
          };
          throw failure;
        } finally {
          lab.close();
        }
      },
      options.timeoutMs ?? 10_000,
    );
  }

  return { check, exercise };
}

/** Fails the check if the student's code took the lab apart or asked for what no route offers. */
function assertUntouched(lab: Lab): void {
  if (!lab.clock.isIntact()) {
    throw new CheckFailure(
      'Your code switched the virtual clock off (or replaced the timer functions). The grader measures time ' +
        'itself; leave setTimeout and friends as they are.',
    );
  }
  if (globalThis.fetch !== HttpLab.fetch) {
    throw new CheckFailure('Your code replaced the global fetch. Call fetch; do not redefine it.');
  }
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
  if (error instanceof Error && error.name === 'AssertionError') return error;
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
