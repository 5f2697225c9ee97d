#!/usr/bin/env -S npx tsx
/**
 * `npm run grade [-- <exercise>...] [--target <dir>] [--json <file>] [--seed <n>] [--strict]`
 *
 * Grades the exercises (all by default; `02`, `2` or the full id select some) and prints a score with feedback.
 * Exits 0 whenever grading completed, whatever the score; `--strict` exits 1 below full marks.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { chalk, minimist } from 'zx';
import { resolveExerciseId } from '../grader/manifest.ts';
import { grade, KIT_ROOT, type ProgressEvent } from '../grader/node/run.ts';
import { renderReport } from '../grader/node/terminal.ts';

const USAGE = `Usage: npm run grade -- [exercise...] [--target <dir>] [--json <file>] [--seed <n>] [--strict]

  exercise         02, 2 or 02-rate-limited-client (default: every exercise)
  --target <dir>   grade another directory with the same layout (default: exercises)
  --json <file>    also write the report as JSON (schema awaitlings.report/1)
  --seed <n>       property seed, to reproduce a run (default: random, printed)
  --strict         exit 1 unless every check passed`;

const args = minimist(process.argv.slice(2), {
  string: ['target', 'json', 'seed'],
  boolean: ['strict', 'help'],
  alias: { h: 'help' },
  unknown: (flag) => {
    if (flag.startsWith('-')) throw new UsageError(`Unknown option \`${flag}\`.`);
    return true;
  },
});

class UsageError extends Error {}

if (process.env.NO_COLOR) chalk.level = 0;

async function main(): Promise<void> {
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const exercises =
    args._.length > 0 ? args._.map((selector) => resolveExerciseId(String(selector))) : undefined;
  const seed = args.seed === undefined ? undefined : parseSeed(args.seed);
  const target = args.target ?? 'exercises';
  const progress = createProgress();
  const report = await grade({ exercises, target, seed }, { onProgress: progress.update });
  progress.done();
  console.log(renderReport(report, { chalk }));
  if (args.json) {
    const file = resolve(process.cwd(), args.json);
    await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(chalk.dim(`report written to ${file}`));
  }
  if (args.strict && report.score < report.max) process.exitCode = 1;
}

function parseSeed(value: string): number {
  const seed = Number(value);
  if (!Number.isInteger(seed) || seed < 0)
    throw new UsageError(`Expected \`--seed\` to be a whole number, got ${value}.`);
  return seed;
}

/** A one-line progress view on a terminal; plain lines elsewhere (CI logs). */
function createProgress() {
  const live = Boolean(process.stderr.isTTY) && !process.env.CI;
  let checks = 0;
  let current = '';
  return {
    update(event: ProgressEvent) {
      if (event.type === 'exercise-start') {
        current = event.exercise;
        if (!live) process.stderr.write(`grading ${event.exercise}…\n`);
      } else {
        checks++;
        current = event.exercise;
      }
      if (live) process.stderr.write(`\r\u001b[2Kgrading ${current} · ${checks} checks done`);
    },
    done() {
      if (live) process.stderr.write('\r\u001b[2K');
    },
  };
}

main().catch((error: unknown) => {
  if (
    error instanceof UsageError ||
    (error instanceof Error && error.message.startsWith('Unknown exercise'))
  ) {
    console.error(`${chalk.red(error.message)}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  console.error(chalk.red('The grader itself failed (this is not about your code):'));
  console.error(error);
  console.error(chalk.dim(`kit: ${KIT_ROOT}`));
  process.exitCode = 3;
});
