#!/usr/bin/env -S npx tsx
/**
 * `npm run bench [-- --runs <n>] [--class <n>]`, or `npm run bench -- --node <binary> [--node <binary> …]`
 *
 * Measures grading against the floor (vitest running one trivial test), in one process run so the ratios are
 * taken side by side: cold grading of the solutions (all, and exercises 01–05 alone), the stubs and an all-mistakes
 * submission; a warm re-grade after a save; each exercise's wall time against the virtual time its suite covers;
 * property throughput; batch throughput for a generated class; peak memory of a full grading run.
 * Prints a table and writes bench/results.json. Numbers, never assertions: nothing here can fail a build.
 *
 * With `--node`, measures only the per-version rows (cold grade, warm re-grade, peak memory) under each Node binary
 * given, and writes bench/node-versions.json instead (see bench/node-versions.ts).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { chalk } from 'zx';
import { repeat, round, type Stat, stat } from '../bench/measure.ts';
import { benchNodes, renderNodeTable } from '../bench/node-versions.ts';
import { warmRegrades } from '../bench/warm-regrade.ts';
import { type ExerciseSpec, manifest } from '../grader/manifest.ts';
import { gradeBatch } from '../grader/node/class/batch.ts';
import { writeSampleClass } from '../grader/node/class/sample-class.ts';
import { Grader, KIT_ROOT, type PropertyCost } from '../grader/node/grading/run.ts';
import { parseArgs, runMain, UsageError, wholeNumber } from './cli.ts';

const USAGE = `Usage: npm run bench -- [--runs <n>] [--class <n>] [--node <binary> …]

  --runs <n>        runs of each measurement; medians are reported (default: 5)
  --class <n>       students in the generated class for batch throughput (default: 30)
  --node <binary>   only the per-version rows (cold grade, warm re-grade, peak memory), under this Node binary;
                    repeat it for several versions; writes bench/node-versions.json`;

const args = parseArgs(USAGE, {
  string: ['runs', 'class', 'node'],
  default: { runs: '5', class: '30' },
});
/**
 * The heaviest property of each exercise in the worker era's last bench, by name, with its runs a second then: the
 * subject's speed goal is half of that for the same property (heavier checks added since are reported as such).
 */
const GOAL_PROPERTIES: Record<string, { check: string; workerEra: number }> = {
  '01-fetch-all': { check: 'outcomes-in-input-order', workerEra: 154.1 },
  '02-rate-limited-client': { check: 'never-exceeds-max-concurrent', workerEra: 158.2 },
  '03-producer-consumer': { check: 'queue-never-overfills', workerEra: 370.3 },
  '04-polite-scraper': { check: 'robots-once-first', workerEra: 32.5 },
  '05-backoff-retry': { check: 'backoff-delay-formula', workerEra: 912.7 },
};

/** Read in main(), so a bad value is reported with the usage. */
let RUNS = 0;
let CLASS_SIZE = 0;
const scratch = join(KIT_ROOT, '.tmp/bench');
const exercises = manifest as readonly ExerciseSpec[];
const tsx = join(KIT_ROOT, 'node_modules/.bin/tsx');
const vitestBin = join(KIT_ROOT, 'node_modules/vitest/vitest.mjs');

function positive(option: string, value: string): number {
  const number = wholeNumber(option, value);
  if (number < 1)
    throw new UsageError(`Expected \`--${option}\` to be a whole number from 1 up, got ${value}.`);
  return number;
}

async function main(): Promise<void> {
  if (args.help) {
    console.log(USAGE);
    return;
  }
  RUNS = positive('runs', args.runs);
  CLASS_SIZE = positive('class', args.class);
  mkdirSync(scratch, { recursive: true });
  const host = machine();
  if (args.node !== undefined) {
    const binaries = [args.node].flat().map(String);
    const rows = await benchNodes(binaries, RUNS, scratch);
    const results = {
      schema: 'awaitlings.bench-node/1',
      date: new Date().toISOString(),
      machine: host,
      runs: RUNS,
      rows,
    };
    writeFileSync(join(KIT_ROOT, 'bench/node-versions.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log(renderNodeTable(rows, RUNS));
    console.log(chalk.dim('written to bench/node-versions.json'));
    return;
  }
  const floor = await repeat('floor: vitest run of one trivial test', RUNS, process.execPath, [
    vitestBin,
    'run',
    '--config',
    'bench/floor/vitest.config.ts',
  ]);
  const grade = (target: string) => [join(KIT_ROOT, 'scripts/grade.ts'), '--target', target, '--seed', '1'];
  const solutions = await repeat('grade solutions (cold)', RUNS, tsx, grade('solutions'));
  // The first five exercises alone: the set the worker-era baseline and the subject's speed goals were taken on.
  const firstFive = exercises.slice(0, 5).map((exercise) => exercise.id);
  const solutionsFirstFive = await repeat('grade solutions of 01-05 (cold)', RUNS, tsx, [
    ...grade('solutions'),
    ...firstFive,
  ]);
  const stubs = await repeat('grade stubs (cold)', RUNS, tsx, grade('exercises'));
  const mistakes = await repeat('grade all-mistakes (cold)', RUNS, tsx, [
    join(KIT_ROOT, 'bench/grade-mistakes.ts'),
  ]);

  process.stderr.write('warm re-grades and per-exercise timings…\n');
  const goalProperties: Array<{ id: string; check: string; runsPerSecond: number; workerEra: number }> = [];
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
    const goal = GOAL_PROPERTIES[exercise.id];
    const goalRates: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      await grader.grade({ exercises: [exercise.id], target: 'solutions', seed: 1 });
      times.push(performance.now() - started);
      const cost = grader.lastStats.get(exercise.id)?.properties.find((p) => p.check === goal?.check);
      if (cost) goalRates.push(runsPerSecond(cost));
    }
    if (goal && goalRates.length > 0) {
      goalProperties.push({ id: exercise.id, ...goal, runsPerSecond: stat(goalRates).median });
    }
    const stats = grader.lastStats.get(exercise.id);
    const virtualMs = stats?.virtualMs ?? null;
    // The property check that took the most wall time in the last run.
    const heaviest = stats?.properties.reduce<PropertyCost | undefined>(
      (most, cost) => (cost.wallMs > (most?.wallMs ?? 0) ? cost : most),
      undefined,
    );
    const wall = stat(times);
    perExercise.push({
      id: exercise.id,
      wall,
      virtualMs,
      ratio: virtualMs === null ? null : round(virtualMs / wall.median),
      heaviestProperty: heaviest
        ? { check: heaviest.check, runsPerSecond: round(runsPerSecond(heaviest)) }
        : null,
    });
  }
  const warm = await warmRegrades(grader, RUNS);
  await grader.close();

  process.stderr.write(`batch of ${CLASS_SIZE}…\n`);
  const classDir = join(scratch, 'class');
  rmSync(classDir, { recursive: true, force: true });
  writeSampleClass(KIT_ROOT, classDir, CLASS_SIZE);
  /** Seconds to grade the class on `exercises` (default: every exercise). */
  const gradeClass = async (exercises?: readonly string[]) => {
    const started = performance.now();
    await gradeBatch({
      dir: classDir,
      exercises,
      seed: 1,
      outDir: join(scratch, 'class-reports'),
      allowReferenceImports: true,
    });
    return (performance.now() - started) / 1000;
  };
  const batchSeconds = await gradeClass();
  // The five exercises the batch goal (30 a minute) was set on, when they were all the kit had.
  const batchFirstFiveSeconds = await gradeClass(firstFive);

  const results = {
    schema: 'awaitlings.bench/1',
    date: new Date().toISOString(),
    machine: host,
    runs: RUNS,
    floorMs: floor.wall,
    gradeSolutionsMs: solutions.wall,
    gradeFirstFiveSolutionsMs: solutionsFirstFive.wall,
    gradeStubsMs: stubs.wall,
    gradeMistakesMs: mistakes.wall,
    warmRegradeMs: stat(warm),
    solutionsOverFloor: round(solutions.wall.median / floor.wall.median),
    perExercise,
    goalProperties,
    batch: {
      submissions: CLASS_SIZE,
      seconds: round(batchSeconds),
      perMinute: round((CLASS_SIZE / batchSeconds) * 60),
    },
    batchFirstFive: {
      submissions: CLASS_SIZE,
      seconds: round(batchFirstFiveSeconds),
      perMinute: round((CLASS_SIZE / batchFirstFiveSeconds) * 60),
    },
    peakRssMb: Math.max(solutions.peakRssMb, stubs.peakRssMb, mistakes.peakRssMb),
  };
  mkdirSync(join(KIT_ROOT, 'bench'), { recursive: true });
  writeFileSync(join(KIT_ROOT, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(renderTable(results));
  console.log(chalk.dim('written to bench/results.json'));
}

function runsPerSecond(cost: PropertyCost): number {
  return cost.runs / (cost.wallMs / 1000);
}

function machine() {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryGb: round(totalmem() / 2 ** 30),
    // When the bench started. Wall times mean little on a busy machine: a load above the cores says so.
    loadAverage: round(loadavg()[0]),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

function renderTable(results: {
  floorMs: Stat;
  gradeSolutionsMs: Stat;
  gradeFirstFiveSolutionsMs: Stat;
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
  goalProperties: Array<{ id: string; check: string; runsPerSecond: number; workerEra: number }>;
  batch: { submissions: number; perMinute: number };
  batchFirstFive: { submissions: number; perMinute: number };
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
    row('grade exercises 01–05, solutions (cold)', results.gradeFirstFiveSolutionsMs),
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
    ...results.goalProperties.map(
      (p) =>
        `| ${p.id} property of the speed goal (\`${p.check}\`, median) | | | ${round(p.runsPerSecond)} runs a second (worker era ${p.workerEra}) |`,
    ),
    `| batch: ${results.batch.submissions} submissions | | | ${results.batch.perMinute} a minute |`,
    `| batch: ${results.batchFirstFive.submissions} submissions, exercises 01–05 | | | ${results.batchFirstFive.perMinute} a minute |`,
    `| peak memory of a full grading run | | | ${results.peakRssMb} MB (process tree) |`,
  ].join('\n');
}

runMain(main, { usage: USAGE, failure: 'bench failed:', failureCode: 1 });
