import type { RequestRecord } from '../lab/timeline.ts';
import type { Visibility } from '../manifest.ts';

/** The version of the report format; bump it when a field changes meaning. */
export const REPORT_SCHEMA = 'awaitlings.report/1';

/** `pass`: ran and passed. `fail`: ran, and the code did the wrong thing. `error`: could not run the check. */
export type CheckStatus = 'pass' | 'fail' | 'error';

export interface CheckReport {
  id: string;
  title: string;
  /** What the check is worth. */
  points: number;
  /** Points earned: `points` on pass, 0 otherwise. */
  score: number;
  status: CheckStatus;
  /** Why it did not pass, for the student; empty on pass. */
  message: string;
  hint: string;
  visibility: Visibility;
  /** The concept the mistake is an instance of, when the check knows it. */
  concept?: string;
  /** What the code did, for views that draw it (failing timing checks). */
  timeline?: readonly RequestRecord[];
}

export interface ExerciseReport {
  id: string;
  title: string;
  score: number;
  max: number;
  /** The graded file, relative to the kit when inside it. */
  file: string;
  checks: CheckReport[];
}

/** One grading run: what every view (terminal, JSON, classroom, JUnit, HTML) shows. */
export interface Report {
  schema: typeof REPORT_SCHEMA;
  seed: number;
  /** The graded directory, relative to the kit when inside it. */
  target: string;
  score: number;
  max: number;
  exercises: ExerciseReport[];
}

/** Adds up an exercise's checks. Only a check that ran and passed counts. */
export function scoreExercise(exercise: Omit<ExerciseReport, 'score' | 'max'>): ExerciseReport {
  return {
    ...exercise,
    score: exercise.checks.reduce((sum, check) => sum + (check.status === 'pass' ? check.points : 0), 0),
    max: exercise.checks.reduce((sum, check) => sum + check.points, 0),
  };
}

/** Adds up a run's exercises. */
export function scoreReport(run: Omit<Report, 'schema' | 'score' | 'max'>): Report {
  return {
    schema: REPORT_SCHEMA,
    ...run,
    score: run.exercises.reduce((sum, exercise) => sum + exercise.score, 0),
    max: run.exercises.reduce((sum, exercise) => sum + exercise.max, 0),
  };
}
