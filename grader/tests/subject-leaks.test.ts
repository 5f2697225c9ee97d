import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Grader } from '../node/grading/run.ts';

/**
 * No subject outlives its grading run, however its checks ended: a subject that loops when its worker is killed, or
 * that waits for a request from a worker that is gone. Every subject of this file's grader works in a scratch folder
 * under a TMPDIR of its own, so the processes still naming it after the run are exactly the leaked ones.
 */
const SEED = 20261203;
const ownTmp = mkdtempSync(join(tmpdir(), 'awaitlings-leaks-'));
const outerTmp = process.env.TMPDIR;
let grader: Grader;

beforeAll(async () => {
  // Read by os.tmpdir() in the check workers, which copy this process's environment when they start.
  process.env.TMPDIR = ownTmp;
  // One worker, so that the exercise after the looping one is queued to the worker the grading process kills.
  grader = await Grader.start({ workers: 1, limits: { exerciseMs: 8_000, attempts: 3 } });
});

afterAll(async () => {
  await grader?.close();
  if (outerTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = outerTmp;
  rmSync(ownTmp, { recursive: true, force: true });
});

/** Processes whose command line names this file's TMPDIR, other than this one. */
function processesUnder(folder: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    if (Number(pid) === process.pid) continue;
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (command.includes(folder)) found.push(`${pid}: ${command.slice(0, 160)}`);
    } catch {
      // Gone while listed.
    }
  }
  return found;
}

async function leftAfter(folder: string, graceMs: number): Promise<string[]> {
  const until = performance.now() + graceMs;
  for (;;) {
    const left = processesUnder(folder);
    if (left.length === 0 || performance.now() > until) return left;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test.skipIf(process.platform !== 'linux')(
  'a worker killed for overrunning takes its looping subject along; the exercise queued behind it runs in a fresh worker; no subject outlives the run',
  async () => {
    // Seen while grading, so that finding none afterwards means they are gone, not that they ran elsewhere.
    let seen = 0;
    const looking = setInterval(() => {
      seen = Math.max(seen, processesUnder(ownTmp).length);
    }, 50);
    const report = await grader.grade({
      exercises: ['01-fetch-all', '07-task-group'],
      target: 'solutions',
      files: { '01-fetch-all': 'fixtures/hostile/loop-in-check/index.ts' },
      seed: SEED,
    });
    clearInterval(looking);
    const queued = report.exercises.find((exercise) => exercise.id === '07-task-group');
    expect(queued?.checks.filter((check) => check.status !== 'pass').map((check) => check.message)).toEqual(
      [],
    );
    expect(seen).toBeGreaterThan(0);
    // A killed worker is never handed on: what it left undone ran in a fresh one (one per kill).
    expect(grader.workersStarted).toBeGreaterThan(1);
    // A second of grace: a killed process is reaped by its parent, not at once.
    expect(await leftAfter(ownTmp, 1_000)).toEqual([]);
    await grader.close();
    expect(await leftAfter(ownTmp, 1_000)).toEqual([]);
  },
);
