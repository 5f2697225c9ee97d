/**
 * Keeps a check worker and its subjects on one CPU. The two sides of the bridge take turns (./subject.ts): one
 * always waits while the other runs, so they never need two CPUs at once, and waking a process on another CPU
 * costs far more than switching on the same one (on a VM, a FIFO round trip took 60–80 µs across CPUs and 13 µs on
 * one; a grade of exercise 02 ran a third faster). Workers spread over the CPUs, so they still run in parallel.
 * Runs in the check workers (Linux only, through `taskset`; elsewhere nothing happens).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Environment variable that gives a grader's check workers the CPU (an index into the allowed ones) they prefer. */
export const CPU_BASE_ENV = 'AWAITLINGS_CPU_BASE';

let pinned = false;

/**
 * Pins this process's main thread (not V8's helper threads) to one of the CPUs it may use, and leaves a claim on it
 * in a shared folder: each worker takes the CPU the fewest running workers (of any grader on this machine) have
 * claimed, preferring the `base`-th plus its number in its pool, so that graders running side by side (a batch's
 * lanes, the kit's own tests) spread out instead of piling onto one CPU. Subjects started afterwards inherit it.
 * Once per process; a failure leaves the worker where it was.
 */
export function pinToOneCpu(): void {
  if (pinned || process.platform !== 'linux') return;
  pinned = true;
  const allowed = allowedCpus();
  if (allowed.length < 2) return;
  const base = Number(process.env[CPU_BASE_ENV] ?? 0);
  const pool = Number(process.env.VITEST_POOL_ID ?? 1);
  const preferred = (Number.isSafeInteger(base) ? base : 0) + (Number.isSafeInteger(pool) ? pool - 1 : 0);
  try {
    const claims = join(tmpdir(), 'awaitlings-cpus');
    mkdirSync(claims, { recursive: true });
    const cpu = leastClaimed(allowed, readClaims(claims), preferred);
    const claim = join(claims, `${cpu}.${process.pid}`);
    writeFileSync(claim, '');
    process.on('exit', () => rmSync(claim, { force: true }));
    spawnSync('taskset', ['-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore', timeout: 5_000 });
  } catch {
    // No claims folder or no taskset: the worker runs wherever the system puts it.
  }
}

/**
 * The CPU with the fewest claims; among those, the first from `preferred` on (counting round the allowed ones).
 *
 * @example
 * leastClaimed([0, 1], new Map([[0, 1]]), 0); // 1
 */
export function leastClaimed(
  allowed: readonly number[],
  claims: ReadonlyMap<number, number>,
  preferred: number,
): number {
  let best = allowed[0];
  let fewest = Number.POSITIVE_INFINITY;
  for (let step = 0; step < allowed.length; step++) {
    const cpu = allowed[(((preferred + step) % allowed.length) + allowed.length) % allowed.length];
    const count = claims.get(cpu) ?? 0;
    if (count < fewest) {
      best = cpu;
      fewest = count;
    }
  }
  return best;
}

/** Claims of workers still running, by CPU; claims of workers that are gone are removed. */
function readClaims(folder: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (const name of readdirSync(folder)) {
    const [cpu, pid] = name.split('.').map(Number);
    if (!Number.isSafeInteger(cpu) || !Number.isSafeInteger(pid)) continue;
    if (!isRunning(pid)) {
      rmSync(join(folder, name), { force: true });
      continue;
    }
    counts.set(cpu, (counts.get(cpu) ?? 0) + 1);
  }
  return counts;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The CPUs this process may run on, from `Cpus_allowed_list` (e.g. `0-3,8`). */
export function allowedCpus(status = readStatus()): number[] {
  const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1];
  if (!list) return [];
  const cpus: number[] = [];
  for (const part of list.split(',')) {
    const [from, to = from] = part.split('-').map(Number);
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || to < from || to - from > 4096) return [];
    for (let cpu = from; cpu <= to; cpu++) cpus.push(cpu);
  }
  return cpus;
}

function readStatus(): string {
  try {
    return readFileSync('/proc/self/status', 'utf8');
  } catch {
    return '';
  }
}
