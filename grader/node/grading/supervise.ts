/**
 * Runs the suites of one grading request and keeps going when a check worker goes down.
 *
 * Each suite file (one exercise) runs in a worker process that runs suite files one after another. Student code
 * never runs in a worker (it runs in a subject of its own, which its worker stops when it hangs or grows), so a
 * worker that dies is the grader's trouble: a crash costs only the file it happened in, the check it was running
 * gets an error that says so, and the checks it never reached run again in a fresh worker, up to `attempts` workers
 * per suite file. A file whose worker died before any of its checks began runs again whole. An outer limit kills a
 * worker's whole process tree when its suite file runs longer than `exerciseMs` after collection.
 */
import type { TestCase, TestModule, TestSpecification } from 'vitest/node';
import type { CheckMeta } from '../../lab/suite.ts';
import type { RunLimits, WorkerNote } from '../../lab/worker-notes.ts';
import { type CheckWorkers, killTree } from './check-workers.ts';

/** What a check ended with in the attempt that ran it to the end, copied when that attempt was over. */
export interface FinishedCheck {
  state: 'passed' | 'failed';
  errors: ReadonlyArray<{ name?: string; message: string }>;
  meta: CheckMeta | undefined;
  /** Errors that escaped student code while it ran, attributed to it. */
  escaped: readonly string[];
}

/** What happened to one check over all attempts: finished, or stopped with a reason for the student. */
export type CheckRun = { finished: FinishedCheck } | { stopped: string };

export interface SupervisedRun {
  /** Exercise id → check id → what happened. A check missing here never ran (its suite could not be collected). */
  checks: Map<string, Map<string, CheckRun>>;
  /** The modules of the first attempt (every requested suite file), for stats and suite listings. */
  modules: readonly TestModule[];
  /** Errors that escaped outside any check of a graded file: they count against every exercise of the run. */
  unattributed: readonly string[];
}

/** How supervise reaches vitest: run some specifications, and hear when a suite file starts and ends. */
export interface SuiteRunner {
  run(specifications: TestSpecification[]): Promise<{
    testModules: readonly TestModule[];
    unhandledErrors: readonly unknown[];
  }>;
  /** Called with the module's file when a worker has collected it, and when it is done. */
  watch(events: { started(file: string): void; ended(file: string): void } | undefined): void;
}

/** Why the checks of a suite file whose worker never got to them did not run. */
const WORKER_NOT_STARTED =
  'The grader could not start the worker for this exercise (this is not about your code).';

/** Runs `specifications`, re-running what crashed workers left unfinished, and reports every check. */
export async function supervise(
  runner: SuiteRunner,
  specifications: TestSpecification[],
  workers: CheckWorkers,
  exerciseOf: (moduleId: string) => string,
  describeError: (error: unknown) => { exercise?: string; check?: string; message: string },
): Promise<SupervisedRun> {
  const limits = workers.limits;
  const checks = new Map<string, Map<string, CheckRun>>();
  const stops = new Map<string, string[]>();
  const unattributed: string[] = [];
  /** Each suite file's module as the first attempt that ran it left it (a file can first run in a re-run). */
  const firstModules = new Map<string, TestModule>();
  let pending = specifications;
  /** Suite file → the checks a re-run asks for (all of them on the first attempt). */
  let requested = new Map<string, Set<string>>();
  for (let attempt = 1; attempt <= limits.attempts && pending.length > 0; attempt++) {
    workers.clearNotes(pending.map((spec) => spec.moduleId));
    const killed = new Set<string>();
    const { testModules, unhandledErrors } = await withOuterLimit(runner, workers, killed, () =>
      runner.run(pending),
    );

    const escaped = unhandledErrors
      .map(describeError)
      .filter(
        (error) => !isPoolError(error.message) && !error.message.startsWith(`${workers.abandonedName}:`),
      );
    unattributed.push(
      ...escaped.filter((error) => error.exercise === undefined).map((error) => error.message),
    );
    // vitest lists every module it ever ran; only those of this attempt are news.
    const ran = new Set(pending.map((specification) => specification.moduleId));
    const modules = testModules.filter((candidate) => ran.has(candidate.moduleId));
    for (const module of modules)
      if (!firstModules.has(module.moduleId)) firstModules.set(module.moduleId, module);
    const next: Array<{ specification: TestSpecification; names: string[] | undefined }> = [];
    // A file queued to a worker that was killed before it got to it (the worker overran on another file) never ran:
    // nothing of the student's is to blame, so it runs again, whole or what was asked of it, in a fresh worker.
    const reached = new Set(modules.map((module) => module.moduleId));
    for (const specification of pending) {
      if (reached.has(specification.moduleId) || attempt === limits.attempts) continue;
      const asked = requested.get(specification.moduleId);
      next.push({ specification, names: asked ? [...asked] : undefined });
    }
    for (const module of modules) {
      const exercise = exerciseOf(module.moduleId);
      const results = checks.get(exercise) ?? new Map<string, CheckRun>();
      checks.set(exercise, results);
      const wanted = requested.get(module.moduleId);
      const unfinished: TestCase[] = [];
      for (const test of module.children.allTests()) {
        if (wanted && !wanted.has(test.name)) continue;
        const result = test.result();
        if (result.state === 'passed' || result.state === 'failed') {
          const mine = escaped.filter((error) => error.exercise === exercise && error.check === test.name);
          results.set(test.name, {
            finished: {
              state: result.state,
              errors: (result.errors ?? []).map((error) => ({ name: error.name, message: error.message })),
              meta: structuredClone((test.meta() as { awaitlings?: CheckMeta }).awaitlings),
              escaped: [
                ...mine.map((error) => error.message),
                ...escaped
                  .filter((error) => error.exercise === exercise && error.check === undefined)
                  .map((error) => error.message),
              ],
            },
          });
        } else if (result.state !== 'skipped' || wanted) {
          unfinished.push(test);
        }
      }
      const note = workers.note(module.moduleId);
      if (!note?.check && isWorkerDeath(module)) {
        // The worker died before any check of this file began: nothing of the student's is to blame, so the whole
        // file runs again in a fresh worker.
        if (attempt < limits.attempts) {
          next.push({ specification: module.toTestSpecification(), names: undefined });
          continue;
        }
        for (const test of unfinished) results.set(test.name, { stopped: WORKER_NOT_STARTED });
        continue;
      }
      if (unfinished.length === 0 || module.errors().length > 0) continue;
      const why = describeStop(note, limits, killed.has(module.moduleId));
      const culprit = unfinished.find((test) => test.name === note?.check && note.phase !== 'between');
      if (culprit && note?.phase === 'import') {
        // The module itself takes the worker down: every check would, so none is run again.
        for (const test of unfinished) results.set(test.name, { stopped: why });
        continue;
      }
      if (!note || note.phase === 'setup') {
        for (const test of unfinished) results.set(test.name, { stopped: WORKER_NOT_STARTED });
        continue;
      }
      if (culprit) results.set(culprit.name, { stopped: why });
      const rest = unfinished.filter((test) => test !== culprit);
      stops.set(module.moduleId, [...(stops.get(module.moduleId) ?? []), culprit?.name ?? 'between checks']);
      if (rest.length === 0) continue;
      if (attempt === limits.attempts) {
        const culprits = stops.get(module.moduleId) ?? [];
        for (const test of rest) {
          results.set(test.name, {
            stopped:
              `Not run: other checks of this exercise stopped the grader ${culprits.length} times ` +
              `(${culprits.join(', ')}), so it gave up on the rest. Fix those first and this check will be graded.`,
          });
        }
        continue;
      }
      next.push({ specification: module.toTestSpecification(rest), names: rest.map((test) => test.name) });
    }
    pending = next.map((entry) => entry.specification);
    requested = new Map(
      next.flatMap((entry) => (entry.names ? [[entry.specification.moduleId, new Set(entry.names)]] : [])),
    );
  }
  return { checks, modules: [...firstModules.values()], unattributed };
}

/** Runs one attempt, killing the process tree of any suite file that runs past `exerciseMs`. */
async function withOuterLimit<T>(
  runner: SuiteRunner,
  workers: CheckWorkers,
  killed: Set<string>,
  run: () => Promise<T>,
): Promise<T> {
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  runner.watch({
    started(file) {
      clearTimeout(timers.get(file));
      const timer = setTimeout(() => {
        const pid = workers.note(file)?.pid;
        if (pid === undefined || pid === process.pid) return;
        killed.add(file);
        killTree(pid);
      }, workers.limits.exerciseMs);
      timer.unref();
      timers.set(file, timer);
    },
    ended(file) {
      clearTimeout(timers.get(file));
      timers.delete(file);
    },
  });
  try {
    return await run();
  } finally {
    runner.watch(undefined);
    for (const timer of timers.values()) clearTimeout(timer);
  }
}

/** Whether vitest reports that the worker running `module` died. */
function isWorkerDeath(module: TestModule): boolean {
  return module.errors().some((error) => isPoolError(error.message));
}

/** vitest's own report of a worker that died: the crash is explained per check instead. */
function isPoolError(message: string): boolean {
  return /\[vitest-pool\]|Worker exited unexpectedly/.test(message);
}

/** Why a worker stopped, in words for the student. */
export function describeStop(note: WorkerNote | undefined, limits: RunLimits, outerLimit: boolean): string {
  const during =
    note?.phase === 'import' ? ' while your module was being imported (its top-level code runs then)' : '';
  if (outerLimit) {
    return (
      `Did not finish: this exercise's checks ran for more than ${seconds(limits.exerciseMs)} of real time${during}, ` +
      'so the grader stopped them.'
    );
  }
  return (
    `Stopped: the grader's process running this check crashed${during}. Your code runs apart from it, so this is ` +
    'most likely not about your code; if it happens again, tell your instructor.'
  );
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
