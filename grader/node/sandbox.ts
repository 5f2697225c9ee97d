/**
 * What the grading process does to hold the test workers on a short leash (grader-side half of the guard; the worker
 * side is grader/lab/watchdog*.ts):
 *
 * - a scratch folder, the only place workers may write, where they leave notes about the check they are running;
 * - a fresh key per run, handed to the workers through their environment, that signs passing checks;
 * - Node's permission model for the workers where this Node supports it: no child processes, no writes outside the
 *   scratch folder, reads limited to what the suites need (node_modules, vitest's transformed code, grader/,
 *   fixtures/, the graded files: not solutions/, not the rest of the disk), no inspector; and a V8 heap limit;
 * - killing a worker's whole process tree when it overruns.
 *
 * All of this is a seat belt for an honest grader, not a security boundary: student code runs with the grader's user,
 * in the grader's process tree. The real boundary is the runner: a fresh GitHub Actions VM per submission, or a
 * throwaway container for batch grading.
 */
import { spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, sep } from 'node:path';
import type { TestProject } from 'vitest/node';
import {
  GUARD_ENV,
  type GuardLimits,
  type GuardSettings,
  noteFile,
  sealPayload,
  type WorkerNote,
} from '../lab/watchdog-protocol.ts';

/** The packages the workers load from node_modules with Node itself (not through vite). */
const WORKER_PACKAGES = ['vitest', 'vite', 'msw', 'fast-check'];

/** Which flag turns Node's permission model on here, if any. Probed once per process. */
let permissionFlag: Promise<string | undefined> | undefined;

export interface RunGrants {
  /** The files being graded: the workers check that they exist. */
  graded: readonly string[];
  /** The suite files of the run: vitest looks for their snapshot files. */
  suites: readonly string[];
}

/** One grader's sandbox: its scratch folder and how its workers start. */
export class Sandbox {
  readonly scratch: string;
  readonly limits: GuardLimits;
  /** `--permission` or `--experimental-permission` when workers run under Node's permission model. */
  readonly permission: string | undefined;
  readonly #readable: string[];
  readonly #root: string;
  readonly #projects: readonly TestProject[];
  readonly #baseExecArgv = new Map<TestProject, string[]>();
  readonly #baseEnv = new Map<TestProject, Record<string, string | undefined>>();
  #key = '';

  private constructor(
    root: string,
    projects: readonly TestProject[],
    limits: GuardLimits,
    permission: string | undefined,
  ) {
    this.#root = root;
    this.#projects = projects;
    this.limits = limits;
    this.permission = permission;
    this.scratch = mkdtempSync(join(tmpdir(), 'awaitlings-'));
    this.#readable = [...packageFolders()];
    for (const project of projects) {
      this.#baseExecArgv.set(project, [...(project.config.execArgv ?? [])]);
      this.#baseEnv.set(project, { ...(project.config.env ?? {}) });
      // vitest's workers read transformed modules from here; it must exist for the permission model to grant it.
      mkdirSync(project.tmpDir, { recursive: true });
      this.#readable.push(`${project.tmpDir}${sep}`);
    }
  }

  /**
   * A sandbox for the workers of `projects`.
   * `AWAITLINGS_PERMISSION=off` turns the permission model off (to debug a worker that will not start).
   */
  static async create(
    root: string,
    projects: readonly TestProject[],
    limits: GuardLimits,
    { permissionModel = true } = {},
  ): Promise<Sandbox> {
    // With `isolation: 'subject'` the workers start the subjects (child processes), which run under the model.
    const off = !permissionModel || process.env.AWAITLINGS_PERMISSION === 'off';
    const permission = off ? undefined : await probePermission();
    // A worker waits, blocked, for its subject, whose own watchdog stops it after `blockMs`: the worker's must wait
    // longer, or it would take the worker down for the subject's loop.
    const workerLimits = permissionModel ? limits : { ...limits, blockMs: limits.blockMs * 3 };
    return new Sandbox(root, projects, workerLimits, permission);
  }

  /** Sets up the workers of the next run: a new key, the limits, and what they may read. */
  prepareRun(grants: RunGrants): void {
    this.#key = randomBytes(32).toString('hex');
    const settings: GuardSettings = {
      scratch: this.scratch,
      blockMs: this.limits.blockMs,
      memoryMb: this.limits.memoryMb,
      outputBytes: this.limits.outputBytes,
      sealKey: this.#key,
    };
    const execArgv = [`--max-old-space-size=${this.limits.heapMb}`, ...this.#permissionArgs(grants)];
    for (const project of this.#projects) {
      project.config.execArgv = [...(this.#baseExecArgv.get(project) ?? []), ...execArgv];
      project.config.env = { ...this.#baseEnv.get(project), [GUARD_ENV]: JSON.stringify(settings) };
    }
  }

  /** The seal a worker of the current run puts on a passing `check` of `exercise` (see watchdog-seal.ts). */
  sealOf(exercise: string, check: string): string {
    return createHmac('sha256', Buffer.from(this.#key, 'hex'))
      .update(sealPayload(exercise, check))
      .digest('hex');
  }

  /** The note the worker running `suiteFile` left, if any. */
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

  #permissionArgs(grants: RunGrants): string[] {
    if (!this.permission) return [];
    const read = [
      ...this.#readable,
      `${this.scratch}${sep}`,
      // Suites may read their own data; nothing secret lives there (the signing key is only in memory).
      `${join(this.#root, 'grader')}${sep}`,
      `${join(this.#root, 'fixtures')}${sep}`,
      ...grants.graded,
      ...grants.suites.map((suite) => join(dirname(suite), '__snapshots__', `${basename(suite)}.snap`)),
    ];
    return [
      this.permission,
      ...[...new Set(read)].map((path) => `--allow-fs-read=${path}`),
      `--allow-fs-write=${this.scratch}${sep}`,
      // The watchdog is a worker thread.
      '--allow-worker',
    ];
  }
}

/**
 * Which flag enables the permission model on this Node, checked by starting Node with it: the flag's name and how
 * `--allow-fs-read` takes several paths changed between Node 20 and 22. Undefined when none works.
 */
export function probePermission(): Promise<string | undefined> {
  permissionFlag ??= Promise.resolve().then(() => {
    const probeDir = mkdtempSync(join(tmpdir(), 'awaitlings-probe-'));
    const allowedDir = join(probeDir, 'allowed');
    mkdirSync(allowedDir);
    const allowedFile = join(probeDir, 'missing.snap');
    const script = `const p = process.permission; process.stdout.write(String(p && p.has('fs.read', ${JSON.stringify(
      join(allowedDir, 'a'),
    )}) && p.has('fs.read', ${JSON.stringify(allowedFile)}) && !p.has('fs.read', ${JSON.stringify(
      join(probeDir, 'other'),
    )}) && p.has('worker') && !p.has('child')))`;
    try {
      const major = Number(process.versions.node.split('.')[0]);
      const flags =
        major >= 22 ? ['--permission', '--experimental-permission'] : ['--experimental-permission'];
      return flags.find((flag) => {
        const probe = spawnSync(
          process.execPath,
          [
            flag,
            `--allow-fs-read=${allowedDir}${sep}`,
            `--allow-fs-read=${allowedFile}`,
            '--allow-worker',
            '-e',
            script,
          ],
          { encoding: 'utf8', timeout: 10_000 },
        );
        return probe.stdout === 'true';
      });
    } finally {
      rmSync(probeDir, { recursive: true, force: true });
    }
  });
  return permissionFlag;
}

/** The node_modules folders holding the packages workers import with Node itself. */
function packageFolders(): Set<string> {
  const require = createRequire(import.meta.url);
  const folders = new Set<string>();
  for (const name of WORKER_PACKAGES) {
    try {
      const manifest = require.resolve(`${name}/package.json`);
      const at = manifest.lastIndexOf(`${sep}node_modules${sep}`);
      if (at >= 0) folders.add(manifest.slice(0, at + `${sep}node_modules${sep}`.length));
    } catch {
      // Not installed where we can see it: the worker will say what it could not read.
    }
  }
  return folders;
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
