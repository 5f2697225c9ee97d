import type { TimelineData, TimelineMarker, TimelineSpan } from '../../lab/suite.ts';
import type { RequestRecord } from '../../lab/timeline.ts';
import type { Visibility } from '../../manifest.ts';

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
  /** Other bars on the same axis (tasks, queue puts and gets, retries), when the check recorded them. */
  spans?: readonly TimelineSpan[];
  /** The moment the rule broke, when the check knows it. */
  marker?: TimelineMarker;
  /** What the reference behaviour does with the same workload, when the check provides it. */
  expected?: TimelineData & { note?: string };
}

/** A TypeScript problem in the graded file, found before grading. */
export interface Diagnostic {
  /** As the student sees it: relative to the kit when inside it. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** The compiler's message, on one line. */
  message: string;
  /** `TS2322` and friends. */
  code: string;
  /** `syntax` problems stop the file from loading; `type` problems do not, but point at a bug. */
  kind: 'syntax' | 'type';
}

export interface ExerciseReport {
  id: string;
  title: string;
  score: number;
  max: number;
  /** The graded file, relative to the kit when inside it. */
  file: string;
  checks: CheckReport[];
  /** The first of the exercise's progressive hints (`npm run hint` unlocks the next ones). */
  hint?: string;
  /** TypeScript problems in the graded file, when it was type-checked (`npm run grade` does). */
  diagnostics?: Diagnostic[];
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
