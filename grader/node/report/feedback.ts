import { resolve } from 'node:path';
import { type ExerciseSpec, findExercise, manifest } from '../../manifest.ts';
import { type GradeRequest, Grader, type GraderOptions, KIT_ROOT } from '../grading/run.ts';
import { TypeCheckThread } from '../grading/typecheck.ts';
import type { Diagnostic, ExerciseReport, Report } from './report.ts';

/** Anything that grades: a `Grader`, or a stand-in in tests. */
export interface Grades {
  grade(request: GradeRequest): Promise<Report>;
}

/**
 * What `npm run grade` shows a student beyond the verdicts: grades, type-checks the graded files at the same time,
 * and adds each exercise's TypeScript problems and its first hint to the report.
 *
 * @example
 * const report = await gradeWithFeedback(grader, { exercises: ['01-fetch-all'] }, { root: KIT_ROOT, typeCheck });
 */
export async function gradeWithFeedback(
  grader: Grades,
  request: GradeRequest,
  options: { root: string; typeCheck?: TypeCheckThread },
): Promise<Report> {
  const files = [...gradedFiles(request, options.root).values()];
  const [report, diagnostics] = await Promise.all([
    grader.grade(request),
    options.typeCheck ? options.typeCheck.check(files) : Promise.resolve(undefined),
  ]);
  return addFeedback(report, diagnostics);
}

/** Exercise id → the absolute file a grading request grades for it (as the grader resolves it). */
export function gradedFiles(request: GradeRequest, root: string): Map<string, string> {
  const ids = request.exercises ?? (manifest as readonly ExerciseSpec[]).map((exercise) => exercise.id);
  const target = resolve(root, request.target ?? 'exercises');
  return new Map(
    ids.map((id) => {
      const file = request.files?.[id];
      return [id, file ? resolve(root, file) : resolve(target, id, 'index.ts')];
    }),
  );
}

/**
 * The report with each exercise's first hint and, when type-checked, its TypeScript problems. The first hint is the
 * own hint of the first failing check (in manifest order), which speaks to what went wrong; the exercise's first
 * progressive hint when no check failed on its own (a stub, a file that does not load) or the failing check has no
 * hint. `npm run hint` keeps unlocking the exercise's hints either way.
 */
export function addFeedback(report: Report, diagnostics?: readonly Diagnostic[]): Report {
  return {
    ...report,
    exercises: report.exercises.map((exercise) => ({
      ...exercise,
      hint: firstHint(exercise),
      ...(diagnostics && {
        diagnostics: diagnostics.filter((diagnostic) => diagnostic.file === exercise.file),
      }),
    })),
  };
}

/** The hint "Stuck?" shows: the first failing check's own, else the exercise's first. */
export function firstHint(exercise: ExerciseReport): string | undefined {
  const failing = exercise.checks.filter((check) => check.status !== 'pass');
  const notStarted = failing.length > 0 && failing.every((check) => check.concept === 'a stub');
  const unloadable =
    failing.length === exercise.checks.length &&
    failing.length > 0 &&
    failing.every((check) => check.status === 'error' && check.message === failing[0].message);
  const own = notStarted || unloadable ? undefined : failing.find((check) => check.hint?.trim())?.hint;
  if (own) return own;
  try {
    return findExercise(exercise.id).hints[0];
  } catch {
    return undefined;
  }
}

/** Grades once with a fresh grader and type-checker: what `npm run grade` does. */
export async function gradeForStudent(request: GradeRequest, options: GraderOptions = {}): Promise<Report> {
  const root = options.root ?? KIT_ROOT;
  const typeCheck = TypeCheckThread.start(root);
  try {
    const grader = await Grader.start(options);
    try {
      return await gradeWithFeedback(grader, request, { root, typeCheck });
    } finally {
      await grader.close();
    }
  } finally {
    await typeCheck.close();
  }
}
