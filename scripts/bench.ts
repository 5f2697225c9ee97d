#!/usr/bin/env -S npx tsx
/**
 * `npm run bench [-- --runs <n>] [--class <n>]`
 *
 * Measures grading against the floor (vitest running one trivial test), in one process run so the ratios are
 * taken side by side: cold grading of the solutions, the stubs and an all-mistakes submission; a warm re-grade
 * after a save; each exercise's wall time against the virtual time its suite covers; property throughput;
 * batch throughput for a generated class; peak memory of a full grading run.
 * Prints a table and writes bench/results.json. Numbers, never assertions: nothing here can fail a build.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { chalk, ps } from 'zx';
import { type ExerciseSpec, manifest } from '../grader/manifest.ts';
import { gradeBatch } from '../grader/node/batch.ts';
import { Grader, KIT_ROOT } from '../grader/node/run.ts';
import { writeSampleClass } from '../grader/node/sample-class.ts';
import { parseArgs, runMain, UsageError, wholeNumber } from './cli.ts';

const USAGE = `Usage: npm run bench -- [--runs <n>] [--class <n>]

  --runs <n>    runs of each measurement; medians are reported (default: 5)
  --class <n>   students in the generated class for batch throughput (default: 30)`;

const args = parseArgs(USAGE, { string: ['runs', 'class'], default: { runs: '5', class: '30' } });
/** Read in main(), so a bad value is reported with the usage. */
let RUNS = 0;
let CLASS_SIZE = 0;
const scratch = join(KIT_ROOT, '.tmp/bench');
const exercises = manifest as readonly ExerciseSpec[];
const tsx = join(KIT_ROOT, 'node_modules/.bin/tsx');
const vitestBin = join(KIT_ROOT, 'node_modules/vitest/vitest.mjs');

interface Sample {
  wallMs: number;
  peakRssMb: number;
}

interface Stat {
  median: number;
  min: number;
  max: number;
  runs: number;
}

function positive(option: string, value: string): number {
  const number = wholeNumber(option, value);
  if (number < 1)
    throw new UsageError(`Expected \`--${option}\` to be a whole number from 1 up, got ${value}.`);
  return number;
}

function stat(values: readonly number[]): Stat {
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

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/**
 * Runs a command to the end; with `sampleMemory`, samples the memory of its whole process tree every 40 ms (listing
 * the tree spawns `ps`, which costs CPU: timed runs are not sampled).
 */
async function measure(command: string, commandArgs: string[], sampleMemory: boolean): Promise<Sample> {
  const started = performance.now();
  const child = spawn(command, commandArgs, {
    cwd: KIT_ROOT,
    stdio: 'ignore',
    env: { ...process.env, NO_COLOR: '1' },
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

/** `RUNS` timed runs, then one more that samples memory. */
async function repeat(label: string, command: string, commandArgs: string[]) {
  const samples: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    process.stderr.write(`\r${label} ${i + 1}/${RUNS}   `);
    samples.push(await measure(command, commandArgs, false));
  }
  process.stderr.write(`\r${label}: memory   \n`);
  const sampled = await measure(command, commandArgs, true);
  return { wall: stat(samples.map((s) => s.wallMs)), peakRssMb: sampled.peakRssMb };
}

async function main(): Promise<void> {
  if (args.help) {
    console.log(USAGE);
    return;
  }
  RUNS = positive('runs', args.runs);
  CLASS_SIZE = positive('class', args.class);
  mkdirSync(scratch, { recursive: true });
  const floor = await repeat('floor: vitest run of one trivial test', process.execPath, [
    vitestBin,
    'run',
    '--config',
    'bench/floor/vitest.config.ts',
  ]);
  const grade = (target: string) => [join(KIT_ROOT, 'scripts/grade.ts'), '--target', target, '--seed', '1'];
  const solutions = await repeat('grade solutions (cold)', tsx, grade('solutions'));
  const stubs = await repeat('grade stubs (cold)', tsx, grade('exercises'));
  const mistakes = await repeat('grade all-mistakes (cold)', tsx, [
    join(KIT_ROOT, 'bench/grade-mistakes.ts'),
  ]);

  process.stderr.write('warm re-grades and per-exercise timings…\n');
  const grader = await Grader.start();
  const perExercise: Array<{
    id: string;
    wall: Stat;
    virtualMs: number | null;
    ratio: number | null;
    heaviestProperty: { check: string; runsPerSecond: number } | null;
  }> = [];
  for (const exercise of exercises) {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      await grader.grade({ exercises: [exercise.id], target: 'solutions', seed: 1 });
      times.push(performance.now() - started);
    }
    const stats = grader.lastStats.get(exercise.id);
    const virtualMs = stats?.virtualMs ?? null;
    const heaviest = stats?.heaviestProperty;
    const wall = stat(times);
    perExercise.push({
      id: exercise.id,
      wall,
      virtualMs,
      ratio: virtualMs === null ? null : round(virtualMs / wall.median),
      heaviestProperty: heaviest
        ? { check: heaviest.check, runsPerSecond: round(heaviest.runs / (heaviest.wallMs / 1000)) }
        : null,
    });
  }
  const saved = join(KIT_ROOT, 'solutions', exercises[0].id, 'index.ts');
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const now = new Date();
    utimesSync(saved, now, now);
    const started = performance.now();
    await grader.grade({ exercises: [exercises[0].id], target: 'solutions', seed: 1 });
    warm.push(performance.now() - started);
  }
  await grader.close();

  process.stderr.write(`batch of ${CLASS_SIZE}…\n`);
  const classDir = join(scratch, 'class');
  rmSync(classDir, { recursive: true, force: true });
  writeSampleClass(KIT_ROOT, classDir, CLASS_SIZE);
  const batchStarted = performance.now();
  await gradeBatch({
    dir: classDir,
    seed: 1,
    outDir: join(scratch, 'class-reports'),
    allowReferenceImports: true,
  });
  const batchSeconds = (performance.now() - batchStarted) / 1000;

  const results = {
    schema: 'awaitlings.bench/1',
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: availableParallelism(),
      memoryGb: round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
    runs: RUNS,
    floorMs: floor.wall,
    gradeSolutionsMs: solutions.wall,
    gradeStubsMs: stubs.wall,
    gradeMistakesMs: mistakes.wall,
    warmRegradeMs: stat(warm),
    solutionsOverFloor: round(solutions.wall.median / floor.wall.median),
    perExercise,
    batch: {
      submissions: CLASS_SIZE,
      seconds: round(batchSeconds),
      perMinute: round((CLASS_SIZE / batchSeconds) * 60),
    },
    peakRssMb: Math.max(solutions.peakRssMb, stubs.peakRssMb, mistakes.peakRssMb),
  };
  mkdirSync(join(KIT_ROOT, 'bench'), { recursive: true });
  writeFileSync(join(KIT_ROOT, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(renderTable(results));
  console.log(chalk.dim('written to bench/results.json'));
}

function renderTable(results: {
  floorMs: Stat;
  gradeSolutionsMs: Stat;
  gradeStubsMs: Stat;
  gradeMistakesMs: Stat;
  warmRegradeMs: Stat;
  solutionsOverFloor: number;
  perExercise: Array<{
    id: string;
    wall: Stat;
    virtualMs: number | null;
    ratio: number | null;
    heaviestProperty: { check: string; runsPerSecond: number } | null;
  }>;
  batch: { submissions: number; perMinute: number };
  peakRssMb: number;
  machine: { cpu: string; cores: number; node: string };
}): string {
  const row = (name: string, s: Stat, note = '') => `| ${name} | ${s.median} | ${s.min}–${s.max} | ${note} |`;
  return [
    `Machine: ${results.machine.cpu}, ${results.machine.cores} cores, Node ${results.machine.node}; medians of ${RUNS} runs.`,
    '',
    '| measurement | median ms | spread ms | note |',
    '| --- | ---: | ---: | --- |',
    row('floor: vitest, one trivial test', results.floorMs),
    row(
      'grade all exercises, solutions (cold)',
      results.gradeSolutionsMs,
      `${results.solutionsOverFloor}× the floor`,
    ),
    row('grade all exercises, stubs (cold)', results.gradeStubsMs),
    row('grade all exercises, all mistakes (cold)', results.gradeMistakesMs),
    row('re-grade one exercise after a save (warm)', results.warmRegradeMs),
    ...results.perExercise.map((e) =>
      row(
        `${e.id} against the solution (warm)`,
        e.wall,
        e.virtualMs === null ? '' : `${e.virtualMs} virtual ms, ${e.ratio}× real time`,
      ),
    ),
    ...results.perExercise.flatMap((e) =>
      e.heaviestProperty
        ? [
            `| ${e.id} heaviest property (\`${e.heaviestProperty.check}\`) | | | ${e.heaviestProperty.runsPerSecond} runs a second |`,
          ]
        : [],
    ),
    `| batch: ${results.batch.submissions} submissions | | | ${results.batch.perMinute} a minute |`,
    `| peak memory of a full grading run | | | ${results.peakRssMb} MB (process tree) |`,
  ].join('\n');
}

runMain(main, { usage: USAGE, failure: 'bench failed:', failureCode: 1 });
