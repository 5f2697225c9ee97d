import { isAbsolute, relative, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node';
import { createVitest } from 'vitest/node';
import { type GradingContext, type Isolation, submissionFile } from '../../context.ts';
import { DEFAULT_LIMITS, type RunLimits } from '../../lab/worker-notes.ts';
import { type ExerciseSpec, findExercise, manifest, visibilityOf } from '../../manifest.ts';
import {
  type CheckReport,
  type ExerciseReport,
  type Report,
  scoreExercise,
  scoreReport,
} from '../report/report.ts';
import { inert, inertDeep } from '../report/sanitize.ts';
import { CheckWorkers } from './check-workers.ts';
import { KeptWorkers } from './kept-workers.ts';
import { exerciseOfSuiteFile as exerciseOf } from './suite-files.ts';
import { type CheckRun, type SuiteRunner, supervise } from './supervise.ts';

/** The kit's root folder. */
export const KIT_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

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
  | { type: 'check-start'; exercise: string; check: string }
  | { type: 'check-done'; exercise: string; check: string; passed: boolean };

export interface GraderOptions {
  /** @default KIT_ROOT */
  root?: string;
  onProgress?: (event: ProgressEvent) => void;
  /** Limits of the check workers: heap, real time per exercise, re-runs (see `RunLimits`). */
  limits?: Partial<RunLimits>;
  /**
   * Lets submissions import the reference solutions and the kit's fixtures (never the grader). Only for classes an
   * instructor generated from the kit's own files; a real submission that does so is copying the answer.
   * @default false
   */
  allowReferenceImports?: boolean;
  /**
   * Where the test workers' own output goes (their warnings; what student code prints goes nowhere). It never
   * reaches the terminal unless given here (`AWAITLINGS_WORKER_OUTPUT=1` sends it to stderr, to debug the grader).
   * @default dropped
   */
  workerOutput?: Writable;
  /** Worker processes grading at once; each runs suite files one after another. @default one per core */
  workers?: number;
  /** The platform whose process tools the grader may use (see `isolationOn`). @default process.platform */
  platform?: NodeJS.Platform;
  /**
   * The CPU its first check worker keeps to, as an index into the CPUs this process may use; the next workers take
   * the next CPUs (see grader/lab/cpu-pin.ts). Graders that run side by side give each other room. @default 0
   */
  firstCpu?: number;
}

/**
 * Where student code runs on `platform`. Its own process (the subject) needs Linux: FIFOs, and `/proc` for the
 * watchdog. On macOS and Windows, `npm run grade` runs it in the check worker instead, as `npm run mutation` runs the
 * reference code: the same checks and the same verdicts, without the wall between the code and its grader. The
 * classroom and class grading run on Linux.
 */
export function isolationOn(platform: NodeJS.Platform): Isolation {
  return platform === 'linux' ? 'subject' : 'worker';
}

/** What `npm run grade` tells a student on `platform` about where their code runs, if anything. */
export function isolationNotice(platform: NodeJS.Platform): string | undefined {
  if (isolationOn(platform) === 'subject') return undefined;
  const name = platform === 'darwin' ? 'macOS' : platform === 'win32' ? 'Windows' : platform;
  return (
    `On ${name} your code runs inside the grader's own workers (a process of its own needs Linux): the checks and ` +
    'the points are the same, and the grade your course records is taken on Linux.'
  );
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
  /** What the last `grade()` cost per exercise (virtual ms simulated, property runs, wall ms): for benchmarks. */
  lastStats = new Map<string, ExerciseStats>();
  /** What the last `grade()` ran, per suite file (its test names and load errors): for `npm run verify`. */
  lastSuiteFiles: SuiteFileRun[] = [];
  readonly #vitest: Vitest;
  readonly #root: string;
  readonly #workers: CheckWorkers;
  readonly #runner: SuiteRunner;
  readonly #allowReferenceImports: boolean;
  readonly #kept: KeptWorkers | undefined;
  /** Where student code runs in this grader's runs. */
  readonly isolation: Isolation;

  private constructor(
    vitest: Vitest,
    root: string,
    workers: CheckWorkers,
    options: GraderOptions,
    watch: SuiteRunner['watch'],
    kept: KeptWorkers | undefined,
  ) {
    this.#vitest = vitest;
    this.#root = root;
    this.#workers = workers;
    this.#kept = kept;
    this.#allowReferenceImports = options.allowReferenceImports ?? false;
    this.isolation = isolationOn(options.platform ?? process.platform);
    this.#runner = { run: (specifications) => vitest.runTestSpecifications(specifications, false), watch };
  }

  static async start(options: GraderOptions = {}): Promise<Grader> {
    const root = options.root ?? KIT_ROOT;
    // A worker that imported student code would keep it: workers are kept from run to run only when it runs apart.
    const kept =
      isolationOn(options.platform ?? process.platform) === 'subject' ? new KeptWorkers() : undefined;
    let watching: Parameters<SuiteRunner['watch']>[0];
    const progress: Reporter = {
      onTestModuleCollected(module: TestModule) {
        // Several suite files wait for one worker: a file's time starts when a worker has collected it.
        watching?.started(module.moduleId);
      },
      onTestModuleEnd(module: TestModule) {
        watching?.ended(module.moduleId);
      },
      onTestModuleStart(module: TestModule) {
        options.onProgress?.({ type: 'exercise-start', exercise: exerciseOf(module.moduleId) });
      },
      onTestCaseReady(test: TestCase) {
        options.onProgress?.({
          type: 'check-start',
          exercise: exerciseOf(test.module.moduleId),
          check: test.name,
        });
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
        disableConsoleIntercept: true,
        ...(options.workers !== undefined && { maxWorkers: options.workers }),
      },
      { logLevel: 'silent', ...(kept && { test: { pool: kept.pool } }) },
      // What student code prints travels through the workers' stdout and stderr: never to the terminal.
      { stdout: workerOutput(options), stderr: workerOutput(options) },
    );
    const workers = new CheckWorkers(
      vitest.projects,
      { ...DEFAULT_LIMITS, ...options.limits },
      options.firstCpu,
    );
    return new Grader(
      vitest,
      root,
      workers,
      options,
      (events) => {
        watching = events;
      },
      kept,
    );
  }

  /**
   * How many check worker processes this grader has started, where it keeps them from run to run (subject isolation;
   * see grader/node/grading/kept-workers.ts); undefined elsewhere.
   */
  get workersStarted(): number | undefined {
    return this.#kept?.started;
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
      isolation: this.isolation,
      allowReferenceImports: this.#allowReferenceImports,
    };
    this.#vitest.provide('awaitlings', context);
    const wanted = new Set(ordered.map((exercise) => exercise.id));
    const specifications = (await this.#vitest.getRelevantTestSpecifications()).filter((spec) =>
      wanted.has(exerciseOf(spec.moduleId)),
    );
    const exitCode = process.exitCode;
    const run = await supervise(this.#runner, specifications, this.#workers, exerciseOf, describeUnhandled);
    // vitest marks the process failed when a test fails; a failing check is a grade, not a grader failure.
    process.exitCode = exitCode;
    this.lastStats = collectStats(run.modules);
    this.lastSuiteFiles = run.modules.flatMap((module) => describeSuiteFiles(module, this.#root));
    return scoreReport({
      seed: context.seed,
      target: this.#shown(context.target),
      exercises: ordered.map((exercise) =>
        reportExercise(
          exercise,
          run.modules.filter((module) => exerciseOf(module.moduleId) === exercise.id),
          run.checks.get(exercise.id) ?? new Map(),
          run.unattributed,
          this.#shown(submissionFile(context, exercise.id)),
        ),
      ),
    });
  }

  async close(): Promise<void> {
    const exitCode = process.exitCode;
    await this.#vitest.close();
    await this.#kept?.close();
    this.#workers.close();
    process.exitCode = exitCode;
  }

  #shown(path: string): string {
    const inside = relative(this.#root, path);
    return inside.startsWith('..') || isAbsolute(inside) ? path : inside.replace(/\\/g, '/');
  }
}

export interface ExerciseStats {
  virtualMs: number;
  propertyRuns: number;
  /** Wall ms vitest spent in the exercise's suite files. */
  wallMs: number;
  /** Every check that ran a property: its generated runs and its wall ms. */
  properties: PropertyCost[];
}

/** What one property check cost: generated runs, and real ms for the whole check. */
export interface PropertyCost {
  check: string;
  runs: number;
  wallMs: number;
}

function collectStats(modules: readonly TestModule[]): Map<string, ExerciseStats> {
  const stats = new Map<string, ExerciseStats>();
  for (const module of modules) {
    const exercise = exerciseOf(module.moduleId);
    const entry: ExerciseStats = stats.get(exercise) ?? {
      virtualMs: 0,
      propertyRuns: 0,
      wallMs: 0,
      properties: [],
    };
    entry.wallMs += module.diagnostic().duration;
    for (const test of module.children.allTests()) {
      const cost = test.meta().awaitlingsStats;
      entry.virtualMs += cost?.virtualMs ?? 0;
      entry.propertyRuns += cost?.propertyRuns ?? 0;
      const wallMs = test.diagnostic()?.duration ?? 0;
      if (cost?.propertyRuns) entry.properties.push({ check: test.name, runs: cost.propertyRuns, wallMs });
    }
    stats.set(exercise, entry);
  }
  return stats;
}

/** One file of checks as the last run saw it. Diagnostics for instructors' tools; reports never show it. */
export interface SuiteFileRun {
  exercise: string;
  /** Relative to the kit, e.g. `grader/suites/01-fetch-all.test.ts` or the `01-fetch-all.hidden.ts` it includes. */
  file: string;
  /** The names of the tests it declared, in order: each should be a manifest check id. */
  tests: string[];
  /** Errors that stopped the suite file as a whole (it could not be imported or collected). */
  errors: string[];
  /** Real ms vitest reports for its tests and hooks (`testModule.diagnostic().duration`). */
  durationMs: number;
}

/**
 * The files of checks one suite module ran: the suite file itself, and the hidden-check file it includes when its
 * checks declared one (each check records where it was declared).
 */
function describeSuiteFiles(module: TestModule, root: string): SuiteFileRun[] {
  const suiteFile = relative(root, module.moduleId).replace(/\\/g, '/');
  const byFile = new Map<string, string[]>([[suiteFile, []]]);
  for (const test of module.children.allTests()) {
    const file = test.meta().awaitlingsDeclaredIn ?? suiteFile;
    byFile.set(file, [...(byFile.get(file) ?? []), test.name]);
  }
  return [...byFile].map(([file, tests]) => ({
    exercise: exerciseOf(module.moduleId),
    file,
    tests,
    errors: file === suiteFile ? module.errors().map((error) => cleanMessage(error.message)) : [],
    durationMs: file === suiteFile ? module.diagnostic().duration : 0,
  }));
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

/** Where workers' output goes: dropped, unless asked for. */
function workerOutput(options: GraderOptions): Writable {
  if (options.workerOutput) return options.workerOutput;
  if (process.env.AWAITLINGS_WORKER_OUTPUT === '1') return process.stderr;
  return new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
}

function reportExercise(
  exercise: ExerciseSpec,
  modules: readonly TestModule[],
  runs: ReadonlyMap<string, CheckRun>,
  unattributed: readonly string[],
  file: string,
): ExerciseReport {
  const moduleProblem =
    modules.length > 0
      ? modules.map(describeModuleFailure).find(Boolean)
      : 'The suite for this exercise did not run.';
  const checks = exercise.checks.map((check): CheckReport => {
    const base = {
      id: check.id,
      title: check.title,
      points: check.points,
      hint: check.hint,
      visibility: visibilityOf(check),
    };
    const verdict = judge(runs.get(check.id), moduleProblem, unattributed);
    const safe = { ...inertDeep(verdict), message: inert(verdict.message) };
    return { ...base, ...safe, score: safe.status === 'pass' ? check.points : 0 };
  });
  return scoreExercise({ id: exercise.id, title: exercise.title, file, checks });
}

type Verdict = Pick<
  CheckReport,
  'status' | 'message' | 'concept' | 'timeline' | 'spans' | 'marker' | 'expected'
>;

/** Only a check that ran to completion, passed, and let no error escape from the student's code counts as a pass. */
function judge(
  run: CheckRun | undefined,
  moduleProblem: string | undefined,
  unattributed: readonly string[],
): Verdict {
  if (!run) {
    return { status: 'error', message: moduleProblem ?? 'This check did not run.' };
  }
  if ('stopped' in run) return { status: 'error', message: run.stopped };
  const result = run.finished;
  const escaped = [...result.escaped, ...unattributed];
  const meta = result.meta;
  const extras = {
    concept: meta?.concept,
    timeline: meta?.timeline,
    spans: meta?.spans,
    marker: meta?.marker,
    expected: meta?.expected,
  };
  if (result.state === 'passed') {
    if (escaped.length === 0) return { status: 'pass', message: '' };
    return {
      status: 'error',
      message: `An error escaped your code while this check ran: ${escaped[0]}`,
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
          'Did not finish: the check ran out of real time. Your code may keep it busy without end (a timer ' +
          'or a promise that polls in a loop) or wait on real time instead of the virtual clock.',
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

function cleanMessage(message: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips terminal colour codes
  return message.replace(/\u001b\[[0-9;]*m/g, '').trimEnd();
}

function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
