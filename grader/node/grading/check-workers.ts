/**
 * The check workers of one grader, as the grading process sees them: a scratch folder where each worker leaves a note
 * about the check it is running (grader/lab/worker-notes.ts), their heap limit, and killing a worker's process tree
 * when it overruns.
 *
 * The workers run the kit's own code only: student code runs in a subject process of its own per exercise
 * (grader/lab/subject.ts), under Node's permission model, and that is where the limits on student code live.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { CPU_BASE_ENV } from '../../lab/cpu-pin.ts';
import {
  ABANDONED_MARK_ENV,
  abandonedName,
  NOTES_ENV,
  noteFile,
  type RunLimits,
  type WorkerNote,
} from '../../lab/worker-notes.ts';

/** One grader's check workers: their scratch folder, their limits, and how they start. */
export class CheckWorkers {
  readonly scratch: string;
  readonly limits: RunLimits;
  /** Drawn for this grader and given to its workers only: no subject knows it. */
  readonly #abandonedMark = randomBytes(16).toString('hex');
  /** What the errors of a check vitest gave up on are named in this grader's workers. */
  readonly abandonedName = abandonedName(this.#abandonedMark);

  /** `firstCpu`: the CPU (an index into the allowed ones) of the first worker; the others take the next ones. */
  constructor(projects: readonly TestProject[], limits: RunLimits, firstCpu = 0) {
    this.limits = limits;
    this.scratch = mkdtempSync(join(tmpdir(), 'awaitlings-'));
    for (const project of projects) {
      project.config.execArgv = [...(project.config.execArgv ?? []), `--max-old-space-size=${limits.heapMb}`];
      project.config.env = {
        ...(project.config.env ?? {}),
        [NOTES_ENV]: this.scratch,
        [ABANDONED_MARK_ENV]: this.#abandonedMark,
        [CPU_BASE_ENV]: String(firstCpu),
      };
    }
  }

  /** The note the worker running `suiteFile` left, if any. */
  note(suiteFile: string): WorkerNote | undefined {
    try {
      return JSON.parse(readFileSync(noteFile(this.scratch, suiteFile), 'utf8')) as WorkerNote;
    } catch {
      return undefined;
    }
  }

  /** Forgets the notes of `suiteFiles` before they run again. */
  clearNotes(suiteFiles: readonly string[]): void {
    for (const file of suiteFiles) rmSync(noteFile(this.scratch, file), { force: true });
  }

  close(): void {
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

/** Kills `pid` and every process it started (SIGKILL: a stuck process ignores anything gentler). */
export function killTree(pid: number): void {
  if (process.platform === 'win32') {
    spawnSync('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore' });
    return;
  }
  const tree = [pid, ...descendants(pid)];
  for (const member of tree) {
    try {
      process.kill(member, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

function descendants(pid: number): number[] {
  const listing = spawnSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  if (listing.status !== 0) return [];
  const children = new Map<number, number[]>();
  for (const line of listing.stdout.split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    if (!child || !parent) continue;
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}
