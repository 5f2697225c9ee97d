#!/usr/bin/env -S npx tsx
/**
 * `npm run verify [-- <exercise>...] [--seeds <n,n,...>] [--budget <ms>] [--json <file>] [--no-lint] [--no-typecheck]`
 *
 * Proves the kit is sound, exercise by exercise, and prints a table: manifest and files, lint and types, suites that
 * agree with the manifest, solutions at full marks, stubs at 0, mistakes failing exactly their declared checks,
 * correct styles at full marks, the same verdicts under other seeds, and each suite's time against a budget.
 * Exits 1 naming every problem, 2 on a usage error. A suite past its time budget is a warning: speed is reported,
 * never a verdict.
 */
import { writeFile } from 'node:fs/promises';
import { chalk } from 'zx';
import { parseArgs, runMain, UsageError } from './cli.ts';

const USAGE = `Usage: npm run verify -- [exercise...] [--seeds <n,n,...>] [--budget <ms>] [--json <file>]
                        [--no-lint] [--no-typecheck]

  exercise           02, 2 or 02-rate-limited-client (default: every exercise)
  --seeds <n,n,...>  the seeds to grade with; the first checks every verdict, the others must agree
                     (default: 20261122 and two random seeds, printed)
  --budget <ms>      real-time budget of one exercise's suite against its solution; past it is a warning,
                     not a failure (default: 3000)
  --json <file>      also write the result as JSON
  --no-lint          skip biome check (npm run lint)
  --no-typecheck     skip the type check of the kit (npm run typecheck, 10-20 s)`;

const args = parseArgs(USAGE, {
  string: ['seeds', 'budget', 'json'],
  boolean: ['lint', 'typecheck'],
  default: { lint: true, typecheck: true },
});

async function main(): Promise<void> {
  if (args.help) {
    console.log(USAGE);
    return;
  }
  // The manifest validates itself when loaded: an invalid one is the first problem to report, not a crash.
  let kit: typeof import('../grader/node/kit/verify.ts');
  let resolveExerciseId: (selector: string) => string;
  try {
    kit = await import('../grader/node/kit/verify.ts');
    ({ resolveExerciseId } = await import('../grader/manifest.ts'));
  } catch (error) {
    console.error(chalk.red((error as Error).message));
    process.exitCode = 1;
    return;
  }
  const exercises =
    args._.length > 0 ? args._.map((selector) => resolveExerciseId(String(selector))) : undefined;
  const seeds = args.seeds === undefined ? undefined : String(args.seeds).split(',').map(parseSeed);
  const budgetMs = args.budget === undefined ? undefined : parseBudget(args.budget);
  const live = Boolean(process.stderr.isTTY) && !process.env.CI;
  const started = Date.now();
  const result = await kit.verifyKit({
    exercises,
    seeds,
    budgetMs,
    lint: args.lint,
    typecheck: args.typecheck,
    onStep(step) {
      const elapsed = `${Math.round((Date.now() - started) / 1000)} s`;
      if (live) process.stderr.write(`\r\u001b[2K${chalk.dim(`${elapsed} · ${step}…`)}`);
      else process.stderr.write(`${elapsed} · ${step}…\n`);
    },
  });
  if (live) process.stderr.write('\r\u001b[2K');

  console.log(renderTable(result, kit.CRITERIA));
  console.log(
    chalk.dim(
      `\nseeds ${result.seeds.join(', ')} · time budget ${result.budgetMs / 1000} s per suite against its solution` +
        ` (a warning past it, never a failure) · ${((Date.now() - started) / 1000).toFixed(0)} s`,
    ),
  );
  if (result.skipped.length > 0) {
    console.log(
      chalk.yellow(
        `Not checked in this run: ${result.skipped.join(' and ')} (run npm run lint and npm run typecheck, or verify without --no-lint / --no-typecheck).`,
      ),
    );
  }
  for (const warning of result.warnings) {
    console.log(
      `  ${chalk.yellow('⚠')} ${chalk.bold(warning.exercise)} ${chalk.dim(`[${warning.criterion}]`)} ${warning.message}`,
    );
  }
  if (args.json) {
    await writeFile(args.json, `${JSON.stringify(result, null, 2)}\n`);
    console.log(chalk.dim(`result written to ${args.json}`));
  }
  if (result.problems.length === 0) {
    const checked = result.skipped.length === 0 ? '' : ` (${result.skipped.join(' and ')} not checked)`;
    console.log(chalk.green.bold(`\nThe kit is sound${checked}.`));
    return;
  }
  console.log(
    chalk.red.bold(`\n${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}:`),
  );
  for (const problem of result.problems) {
    console.log(
      `  ${chalk.red('✗')} ${chalk.bold(problem.exercise)} ${chalk.dim(`[${problem.criterion}]`)} ${problem.message}`,
    );
  }
  process.exitCode = 1;
}

function renderTable(
  result: Awaited<ReturnType<typeof import('../grader/node/kit/verify.ts').verifyKit>>,
  criteria: readonly string[],
): string {
  const header = ['exercise', ...criteria];
  const rows = result.exercises.map((exercise) => [
    exercise.id,
    ...criteria.map((criterion) => exercise.cells[criterion as keyof typeof exercise.cells]),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const paint = (cell: string) =>
    cell.startsWith('✗')
      ? chalk.red(cell)
      : cell.startsWith('⚠')
        ? chalk.yellow(cell)
        : cell.startsWith('✓')
          ? chalk.green(cell)
          : chalk.dim(cell);
  const line = (cells: string[], colour: (cell: string, i: number) => string) =>
    cells.map((cell, i) => colour(cell.padEnd(widths[i]), i)).join('  ');
  return [
    line(header, (cell) => chalk.bold(cell)),
    ...rows.map((row) => line(row, (cell, i) => (i === 0 ? cell : paint(cell)))),
  ].join('\n');
}

function parseSeed(value: string): number {
  const seed = Number(value);
  if (!Number.isInteger(seed) || seed < 0)
    throw new UsageError(`Expected \`--seeds\` to list whole numbers, got ${value}.`);
  return seed;
}

function parseBudget(value: string): number {
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms <= 0)
    throw new UsageError(`Expected \`--budget\` to be a number of ms, got ${value}.`);
  return ms;
}

runMain(main, { usage: USAGE, failure: 'verify itself failed:' });
