import { basename, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node';
import { createVitest } from 'vitest/node';
import { type GradingContext, submissionFile } from '../context.ts';
import type { CheckMeta } from '../lab/suite.ts';
import { type ExerciseSpec, findExercise, manifest, visibilityOf } from '../manifest.ts';
import { type CheckReport, type ExerciseReport, type Report, scoreExercise, scoreReport } from './report.ts';

/** The kit's root folder. */
export const KIT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface GradeRequest {
  /** Full exercise ids, in any order; graded in manifest order. @default every exercise */
  exercises?: readonly string[];
  /** Directory holding `<id>/index.ts`, absolute or relative to the kit. @default 'exercises' */
  target?: string;
  /** Property seed for the run. @default a random one */
  seed?: number;
  /** Exercise id → file graded instead of `<target>/<id>/index.ts`. */
  files?: Readonly<Record<string, string>>;
}

/** What the progress view hears while grading. */
export type ProgressEvent =
  | { type: 'exercise-start'; exercise: string }
  | { type: 'check-done'; exercise: string; check: string; passed: boolean };

export interface GraderOptions {
  /** @default KIT_ROOT */
  root?: string;
  onProgress?: (event: ProgressEvent) => void;
}

/**
 * Grades submissions with the kit's suites, through vitest's programmatic API (never by reading its text output).
 * One instance can grade many times; close it when done.
 *
 * @example
 * const grader = await Grader.start();
 * const report = await grader.grade({ exercises: ['01-fetch-all'], target: 'solutions', seed: 42 });
 * await grader.close();
 */
export class Grader {
  readonly #vitest: Vitest;
  readonly #root: string;

  private constructor(vitest: Vitest, root: string) {
    this.#vitest = vitest;
    this.#root = root;
  }

  static async start(options: GraderOptions = {}): Promise<Grader> {
    const root = options.root ?? KIT_ROOT;
    const progress: Reporter = {
      onTestModuleStart(module: TestModule) {
        options.onProgress?.({ type: 'exercise-start', exercise: exerciseOf(module.moduleId) });
      },
      onTestCaseResult(test: TestCase) {
        options.onProgress?.({
          type: 'check-done',
          exercise: exerciseOf(test.module.moduleId),
          check: test.name,
          passed: test.result().state === 'passed',
        });
      },
    };
    const vitest = await createVitest(
      'test',
      {
        config: resolve(root, 'grader/vitest.config.ts'),
        root,
        watch: false,
        reporters: [progress],
        silent: true,
      },
      { logLevel: 'silent' },
    );
    return new Grader(vitest, root);
  }

  /** Grades the requested exercises and returns the report. */
  async grade(request: GradeRequest = {}): Promise<Report> {
    const exercises = (request.exercises ?? manifest.map((exercise) => exercise.id)).map(findExercise);
    const ordered = manifest.filter((spec) =>
      exercises.some((exercise) => exercise.id === spec.id),
    ) as ExerciseSpec[];
    const context: GradingContext = {
      root: this.#root,
      target: resolve(this.#root, request.target ?? 'exercises'),
      seed: request.seed ?? randomSeed(),
      files: Object.fromEntries(
        Object.entries(request.files ?? {}).map(([id, file]) => [id, resolve(this.#root, file)]),
      ),
    };
    this.#vitest.provide('awaitlings', context);
    const wanted = new Set(ordered.map((exercise) => `${exercise.id}.test.ts`));
    const specifications = (await this.#vitest.getRelevantTestSpecifications()).filter((spec) =>
      wanted.has(basename(spec.moduleId)),
    );
    const { testModules, unhandledErrors } = await this.#vitest.runTestSpecifications(specifications, false);
    const escaped = unhandledErrors.map(describeUnhandled);
    return scoreReport({
      seed: context.seed,
      target: this.#shown(context.target),
      exercises: ordered.map((exercise) =>
        reportExercise(
          exercise,
          testModules.find((module) => exerciseOf(module.moduleId) === exercise.id),
          escaped,
          this.#shown(submissionFile(context, exercise.id)),
        ),
      ),
    });
  }

  async close(): Promise<void> {
    await this.#vitest.close();
  }

  #shown(path: string): string {
    const inside = relative(this.#root, path);
    return inside.startsWith('..') || isAbsolute(inside) ? path : inside.replace(/\\/g, '/');
  }
}

/** Grades once with a fresh grader. */
export async function grade(request: GradeRequest = {}, options: GraderOptions = {}): Promise<Report> {
  const grader = await Grader.start(options);
  try {
    return await grader.grade(request);
  } finally {
    await grader.close();
  }
}

interface Escaped {
  exercise?: string;
  check?: string;
  message: string;
}

function reportExercise(
  exercise: ExerciseSpec,
  module: TestModule | undefined,
  escaped: readonly Escaped[],
  file: string,
): ExerciseReport {
  const tests = new Map<string, TestCase>();
  for (const test of module?.children.allTests() ?? []) tests.set(test.name, test);
  const moduleProblem = module ? describeModuleFailure(module) : 'The suite for this exercise did not run.';
  const checks = exercise.checks.map((check): CheckReport => {
    const base = {
      id: check.id,
      title: check.title,
      points: check.points,
      hint: check.hint,
      visibility: visibilityOf(check),
    };
    const verdict = judge(tests.get(check.id), moduleProblem, escapedFor(escaped, exercise.id, check.id));
    return { ...base, ...verdict, score: verdict.status === 'pass' ? check.points : 0 };
  });
  return scoreExercise({ id: exercise.id, title: exercise.title, file, checks });
}

type Verdict = Pick<CheckReport, 'status' | 'message' | 'concept' | 'timeline'>;

/** Only a check that ran to completion, passed, and let no error escape counts as a pass. */
function judge(
  test: TestCase | undefined,
  moduleProblem: string | undefined,
  escaped: readonly Escaped[],
): Verdict {
  if (!test) {
    return { status: 'error', message: moduleProblem ?? 'This check did not run.' };
  }
  const result = test.result();
  const meta = (test.meta() as { awaitlings?: CheckMeta }).awaitlings;
  const extras = { concept: meta?.concept, timeline: meta?.timeline };
  if (result.state === 'passed') {
    if (escaped.length === 0) return { status: 'pass', message: '' };
    return {
      status: 'error',
      message: `An error escaped your code while this check ran: ${escaped[0].message}`,
    };
  }
  if (result.state === 'failed') {
    const error = result.errors[0];
    const message = cleanMessage(error?.message ?? 'The check failed.');
    if (error?.name === 'SubmissionError') return { status: 'error', message };
    if (/Test timed out/i.test(message)) {
      return {
        status: 'error',
        message:
          'Did not finish: the check ran out of real time. Your code may be blocking the event loop ' +
          '(a synchronous loop that never yields) or waiting on real time instead of the virtual clock.',
      };
    }
    return { status: 'fail', message, ...extras };
  }
  return { status: 'error', message: moduleProblem ?? 'This check did not run to the end.' };
}

function describeModuleFailure(module: TestModule): string | undefined {
  const errors = module.errors();
  if (errors.length === 0) return undefined;
  return `The suite could not run: ${cleanMessage(errors[0].message)}`;
}

function escapedFor(escaped: readonly Escaped[], exercise: string, check: string): Escaped[] {
  return escaped.filter(
    (error) =>
      error.exercise === undefined ||
      (error.exercise === exercise && (error.check === undefined || error.check === check)),
  );
}

function describeUnhandled(error: unknown): Escaped {
  const record = (error ?? {}) as {
    VITEST_TEST_PATH?: string;
    VITEST_TEST_NAME?: string;
    message?: string;
    name?: string;
  };
  return {
    exercise: record.VITEST_TEST_PATH ? exerciseOf(record.VITEST_TEST_PATH) : undefined,
    check: record.VITEST_TEST_NAME,
    message: cleanMessage(`${record.name ?? 'Error'}: ${record.message ?? String(error)}`),
  };
}

function exerciseOf(moduleId: string): string {
  return basename(moduleId).replace(/\.test\.ts$/, '');
}

function cleanMessage(message: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips terminal colour codes
  return message.replace(/\u001b\[[0-9;]*m/g, '').trimEnd();
}

function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
