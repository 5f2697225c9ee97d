/**
 * Keeps a check worker and its subjects on one CPU. The two sides of the bridge take turns (./subject.ts): one
 * always waits while the other runs, so they never need two CPUs at once, and waking a process on another CPU
 * costs far more than switching on the same one (on a VM, a FIFO round trip took 60–80 µs across CPUs and 13 µs on
 * one; a grade of exercise 02 ran a third faster). Each worker takes its own CPU, so workers still run in parallel.
 * Runs in the check workers (Linux only, through `taskset`; elsewhere nothing happens).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Environment variable that gives a grader's check workers the first CPU (an index into the allowed ones) to use. */
export const CPU_BASE_ENV = 'AWAITLINGS_CPU_BASE';

let pinned = false;

/**
 * Pins this process's main thread (not V8's helper threads) to one of the CPUs it may use: the `base`-th plus this
 * worker's number in its pool. Subjects started afterwards inherit it. Once per process; a failure leaves the
 * worker where it was.
 */
export function pinToOneCpu(): void {
  if (pinned || process.platform !== 'linux') return;
  pinned = true;
  const allowed = allowedCpus();
  if (allowed.length < 2) return;
  const base = Number(process.env[CPU_BASE_ENV] ?? 0);
  const pool = Number(process.env.VITEST_POOL_ID ?? 1);
  const index = (Number.isSafeInteger(base) ? base : 0) + (Number.isSafeInteger(pool) ? pool - 1 : 0);
  const cpu = allowed[((index % allowed.length) + allowed.length) % allowed.length];
  spawnSync('taskset', ['-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore', timeout: 5_000 });
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
