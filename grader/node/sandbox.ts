/**
 * The check workers' leash, on the grading process's side: a scratch folder and the limits `supervise` enforces
 * (killing a worker's whole process tree when a suite file overruns). The workers run only the kit's code; student
 * code runs in subjects the workers start (grader/lab/subject.ts), so no guard, key or permission model is needed
 * on the workers themselves.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type GuardLimits, noteFile, type WorkerNote } from '../lab/watchdog-protocol.ts';

export interface RunGrants {
  /** The files being graded. */
  graded: readonly string[];
  /** The suite files of the run. */
  suites: readonly string[];
}

/** One grader's sandbox: its scratch folder and how its workers start. */
export class Sandbox {
  readonly scratch: string;
  readonly limits: GuardLimits;
  /** Always undefined now: the permission model applies to the subjects, not to the check workers. */
  readonly permission: string | undefined = undefined;
  readonly #projects: readonly TestProject[];
  readonly #baseExecArgv = new Map<TestProject, string[]>();

  private constructor(projects: readonly TestProject[], limits: GuardLimits) {
    this.#projects = projects;
    this.limits = limits;
    this.scratch = mkdtempSync(join(tmpdir(), 'awaitlings-'));
    for (const project of projects) {
      this.#baseExecArgv.set(project, [...(project.config.execArgv ?? [])]);
      mkdirSync(project.tmpDir, { recursive: true });
    }
  }

  /** A sandbox for the workers of `projects`. */
  static async create(
    _root: string,
    projects: readonly TestProject[],
    limits: GuardLimits,
  ): Promise<Sandbox> {
    return new Sandbox(projects, limits);
  }

  /** Sets up the workers of the next run: their heap limit. */
  prepareRun(_grants: RunGrants): void {
    for (const project of this.#projects) {
      project.config.execArgv = [
        ...(this.#baseExecArgv.get(project) ?? []),
        `--max-old-space-size=${this.limits.heapMb}`,
      ];
    }
  }

  /** The note a worker left about `suiteFile`, if any. */
  note(suiteFile: string): WorkerNote | undefined {
    try {
      return JSON.parse(readFileSync(noteFile(this.scratch, basename(suiteFile)), 'utf8')) as WorkerNote;
    } catch {
      return undefined;
    }
  }

  /** Forgets the notes of `suiteFiles` before they run again. */
  clearNotes(suiteFiles: readonly string[]): void {
    for (const file of suiteFiles) rmSync(noteFile(this.scratch, basename(file)), { force: true });
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
