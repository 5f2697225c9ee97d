/**
 * What the grading process (grader/node/grading/supervise.ts) and each check worker agree on: the limits of a run, and the
 * note a worker leaves about the check it is running, written before the check starts. When a worker dies or runs
 * past its time, the grading process names the check from the note and runs the others again in a fresh worker.
 *
 * Check workers run only the kit's own code (student code runs in a subject of its own, ./subject.ts), so the
 * grading process may take their notes at their word. Imported by both sides; imports nothing but Node.
 */
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';

/** Environment variable that tells a check worker the scratch folder its notes go to. */
export const NOTES_ENV = 'AWAITLINGS_NOTES';

/**
 * The name of the error a check that vitest gave up on (its real-time limit) leaves in the promises it no longer
 * awaits: not an error of the check that runs next.
 */
export const ABANDONED = 'CheckAbandoned';

/** Limits of one grading run. */
export interface RunLimits {
  /** V8 heap limit (MB) of a check worker. @default 1_536 */
  heapMb: number;
  /** Real ms one exercise's checks may run in a worker before the grading process kills it. @default 40_000 */
  exerciseMs: number;
  /** Workers one exercise may use when its worker keeps dying: the first and the re-runs. @default 8 */
  attempts: number;
}

export const DEFAULT_LIMITS: RunLimits = { heapMb: 1_536, exerciseMs: 40_000, attempts: 8 };

/** A worker's note about the suite file it runs. */
export interface WorkerNote {
  pid: number;
  /** The check running (`phase` import or check) or the last one that ran (`phase` between). */
  check?: string;
  /** `setup`: no check yet. `import`: loading the student's module. `check`: running a check. `between`: after one. */
  phase: 'setup' | 'import' | 'check' | 'between';
}

/** The note file of the worker running suite `suiteFile` (its base name, e.g. `01-fetch-all.test.ts`). */
export function noteFile(scratch: string, suiteFile: string): string {
  return `${scratch}/${basename(suiteFile)}.note.json`;
}

let notePath: string | undefined;

/** Points this worker's notes at suite `suiteFile`, when the grading process asked for notes. */
export function beginNotes(suiteFile: string): void {
  const scratch = process.env[NOTES_ENV];
  notePath = scratch ? noteFile(scratch, suiteFile) : undefined;
  writeNote({ pid: process.pid, phase: 'setup' });
}

/** Notes that `check` enters `phase`, or is over (`between`). */
export function writeNote(note: WorkerNote): void {
  if (!notePath) return;
  try {
    writeFileSync(notePath, JSON.stringify(note));
  } catch {
    // The scratch folder is gone (the grading process is closing): nothing left to tell.
  }
}
