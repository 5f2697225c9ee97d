/**
 * What the grading process (grader/node) and the guard inside each test worker (grader/lab/watchdog*.ts) agree on:
 * the settings handed to a worker, the notes a worker leaves behind, and what a seal signs.
 * No runtime dependencies: both sides import it.
 */

/** Environment variable that carries {@link GuardSettings} into a test worker; the worker deletes it at once. */
export const GUARD_ENV = 'AWAITLINGS_GUARD';

/** Limits one grading run holds student code to. */
export interface GuardLimits {
  /** Wall-clock ms the event loop may stay blocked before the watchdog stops the worker. @default 3_000 */
  blockMs: number;
  /** Resident memory (MB) a worker may reach before the watchdog stops it. @default 1_024 */
  memoryMb: number;
  /** V8 heap limit (MB) of a worker, the backstop behind `memoryMb`. @default 1_536 */
  heapMb: number;
  /** Bytes of output one check may print; beyond it output is dropped and the check fails. @default 1 MiB */
  outputBytes: number;
  /** Wall-clock ms one exercise's worker may run before the grading process kills its process tree. @default 40_000 */
  exerciseMs: number;
  /** Workers one exercise may use when checks keep crashing or hanging: the first and the re-runs. @default 8 */
  attempts: number;
}

export const DEFAULT_LIMITS: GuardLimits = {
  blockMs: 3_000,
  memoryMb: 1_024,
  heapMb: 1_536,
  outputBytes: 1024 * 1024,
  exerciseMs: 40_000,
  attempts: 8,
};

/** What a test worker is told when it starts. */
export interface GuardSettings {
  /** The only folder workers may write to: notes live here. */
  scratch: string;
  blockMs: number;
  memoryMb: number;
  outputBytes: number;
  /** Hex HMAC key the worker signs passing checks with; never visible to student code once the worker started. */
  sealKey: string;
}

/** Why the guard stopped a worker (or saw it stop itself). */
export type StopReason =
  | { reason: 'blocked'; ms: number; mb: number }
  | { reason: 'memory'; mb: number }
  | { reason: 'exit'; how: string }
  /** The guard ended a worker that an earlier suite file left unfit, before it ran the next one. */
  | { reason: 'retired'; why: string };

/**
 * A worker's note: which check it was running, written before any student code of that check runs, so the grading
 * process can say which check was running when the worker died. Student code could overwrite it; a note can only turn
 * a check into an error, never into a pass.
 */
export interface WorkerNote {
  pid: number;
  /** The check running (`phase` import or check) or the last one that ran (`phase` between). */
  check?: string;
  /** `setup`: no check yet. `import`: loading the student's module. `check`: running a check. `between`: after one. */
  phase: 'setup' | 'import' | 'check' | 'between';
  stop?: StopReason;
}

/** The note file of the worker running suite `suiteFile` (its base name, e.g. `01-fetch-all.test.ts`). */
export function noteFile(scratch: string, suiteFile: string): string {
  return `${scratch}/${suiteFile}.note.json`;
}

/** The text a seal signs: one passing check of one exercise. */
export function sealPayload(exercise: string, check: string): string {
  return `awaitlings.seal/1\n${exercise}\n${check}\npass`;
}
