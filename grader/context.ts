/**
 * What the grading process tells the test workers about one grading run (through vitest's `provide`).
 * Shared by `grader/node/` (which sets it) and `grader/lab/` (which reads it).
 */
export interface GradingContext {
  /** Absolute path of the kit. */
  root: string;
  /** Absolute path of the graded directory (`exercises` by default); it holds `<id>/index.ts`. */
  target: string;
  /** The run's property seed; every check derives its own from it. */
  seed: number;
  /** Exercise id → absolute file graded instead of `<target>/<id>/index.ts` (mistake fixtures). */
  files: Record<string, string>;
  /**
   * Where the graded code runs: `'subject'` in a process of its own (grader/lab/subject.ts), which the checks talk to
   * over the bridge; always so on Linux. `'worker'` imports it into the check worker itself: for the kit's own
   * reference code under Stryker (`npm run mutation`), which switches mutants inside the importing process, and on
   * platforms without what the subject needs (see `isolationOn` in grader/node/grading/run.ts).
   * @default 'subject'
   */
  isolation?: Isolation;
  /**
   * Submissions may import the kit's reference solutions and fixtures (a class an instructor generated from the
   * kit's own files; see `GraderOptions.allowReferenceImports`).
   * @default false
   */
  allowReferenceImports?: boolean;
}

/** Where student code runs while it is graded (see `GradingContext.isolation`). */
export type Isolation = 'worker' | 'subject';

declare module 'vitest' {
  export interface ProvidedContext {
    awaitlings: GradingContext;
  }
}

/** The file graded for `exerciseId` in this run. */
export function submissionFile(context: GradingContext, exerciseId: string): string {
  return context.files[exerciseId] ?? `${context.target}/${exerciseId}/index.ts`;
}

/** A check's own seed: stable for a run seed, different for every check. */
export function checkSeed(runSeed: number, exerciseId: string, checkId: string): number {
  let hash = 2166136261 ^ runSeed;
  for (const char of `${exerciseId}/${checkId}`) {
    hash = Math.imul(hash ^ char.charCodeAt(0), 16777619);
  }
  return hash >>> 0;
}
