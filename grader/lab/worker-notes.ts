/**
 * What the grading process (grader/node/grading/supervise.ts) and each check worker agree on: the limits of a run, and the
 * note a worker leaves about the check it is running, written before the check starts. When a worker dies or runs
 * past its time, the grading process names the check from the note and runs the others again in a fresh worker.
 *
 * Check workers run only the kit's own code (student code runs in a subject of its own, ./subject.ts), so the
 * grading process may take their notes at their word. Imported by both sides; imports nothing but Node.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { basename } from 'node:path';

/** Environment variable that tells a check worker the scratch folder its notes go to. */
export const NOTES_ENV = 'AWAITLINGS_NOTES';

/**
 * The name of the error a check that vitest gave up on (its real-time limit) leaves in the promises it no longer
 * awaits: not an error of the check that runs next. Followed by the run's mark (`ABANDONED_MARK_ENV`), which no
 * subject knows, so that an error of the student's own cannot pass for one.
 */
export const ABANDONED = 'CheckAbandoned';

/** Environment variable that gives the check workers the run's mark for abandoned checks (random per grader). */
export const ABANDONED_MARK_ENV = 'AWAITLINGS_ABANDONED_MARK';

/** The name the errors of an abandoned check get under `mark`: by default, this worker's. */
export function abandonedName(mark = process.env[ABANDONED_MARK_ENV] ?? 'unmarked'): string {
  return `${ABANDONED}-${mark}`;
}

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

/** The open note file of the suite file this worker runs, and the longest note written to it so far. */
let note: { fd: number; length: number } | undefined;

/** Points this worker's notes at suite `suiteFile`, when the grading process asked for notes. */
export function beginNotes(suiteFile: string): void {
  if (note) closeSync(note.fd);
  note = undefined;
  const scratch = process.env[NOTES_ENV];
  if (scratch) {
    try {
      note = { fd: openSync(noteFile(scratch, suiteFile), 'w'), length: 0 };
    } catch {
      // No scratch folder: nobody asked for notes after all.
    }
  }
  writeNote({ pid: process.pid, phase: 'setup' });
}

/**
 * Notes that `check` enters `phase`, or is over (`between`). The file stays open and each note overwrites the last in
 * place, padded with spaces (JSON allows them) over whatever a longer note left: two notes per check, and opening,
 * truncating and closing a file each time cost more than some checks.
 */
export function writeNote(next: WorkerNote): void {
  if (!note) return;
  const text = Buffer.from(JSON.stringify(next));
  const bytes = Buffer.alloc(Math.max(text.length, note.length), ' ');
  text.copy(bytes);
  note.length = bytes.length;
  try {
    writeSync(note.fd, bytes, 0, bytes.length, 0);
  } catch {
    // The scratch folder is gone (the grading process is closing): nothing left to tell.
  }
}
