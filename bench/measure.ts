/**
 * How `npm run bench` times a command: wall time of whole runs, medians over several, and the peak memory of the
 * command's whole process tree from one extra sampled run.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ps } from 'zx';
import { KIT_ROOT } from '../grader/node/grading/run.ts';

export interface Sample {
  wallMs: number;
  peakRssMb: number;
}

export interface Stat {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function stat(values: readonly number[]): Stat {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return {
    median: round(median),
    min: round(sorted[0]),
    max: round(sorted[sorted.length - 1]),
    runs: values.length,
  };
}

export function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/**
 * Runs a command to the end in the kit's folder; with `sampleMemory`, samples the memory of its whole process tree
 * every 40 ms (listing the tree spawns `ps`, which costs CPU: timed runs are not sampled).
 */
export async function measure(
  command: string,
  commandArgs: string[],
  sampleMemory: boolean,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Sample> {
  const started = performance.now();
  const child = spawn(command, commandArgs, {
    cwd: KIT_ROOT,
    stdio: 'ignore',
    env: { ...env, NO_COLOR: '1' },
  });
  let peak = 0;
  const sample = async () => {
    if (child.pid === undefined) return;
    try {
      const tree = await ps.tree({ pid: child.pid, recursive: true });
      const pids = [child.pid, ...tree.map((entry) => Number(entry.pid))];
      const rss = pids.reduce((sum, pid) => sum + rssOf(pid), 0);
      peak = Math.max(peak, rss);
    } catch {
      // the tree changed under us; the next sample will do
    }
  };
  const sampler = sampleMemory ? setInterval(sample, 40) : undefined;
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(sampler);
  if (code !== 0) throw new Error(`${command} ${commandArgs.join(' ')} exited with ${code}`);
  return { wallMs: performance.now() - started, peakRssMb: round(peak / 1024) };
}

function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** `runs` timed runs, then one more that samples memory. */
export async function repeat(
  label: string,
  runs: number,
  command: string,
  commandArgs: string[],
  env?: NodeJS.ProcessEnv,
): Promise<{ wall: Stat; peakRssMb: number }> {
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    process.stderr.write(`\r${label} ${i + 1}/${runs}   `);
    samples.push(await measure(command, commandArgs, false, env));
  }
  process.stderr.write(`\r${label}: memory   \n`);
  const sampled = await measure(command, commandArgs, true, env);
  return { wall: stat(samples.map((s) => s.wallMs)), peakRssMb: sampled.peakRssMb };
}
