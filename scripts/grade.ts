#!/usr/bin/env -S npx tsx
/**
 * `npm run grade [-- <exercise>...] [--target <dir>] [--json <file>] [--format <name>[=file]]... [--seed <n>] [--strict]`
 * `npm run grade -- <exercise> --file <path>` (one file graded as that exercise's index.ts)
 * `npm run grade -- --batch <class-dir> [--shard <i>/<n>] [--out <dir>] [--csv <file>]`
 * `npm run grade -- --merge <dir> --csv <file> [--feedback <dir>]`
 *
 * Grades the exercises (all by default; `02`, `2` or the full id select some) and prints a score with feedback.
 * Exits 0 whenever grading completed, whatever the score; `--strict` exits 1 below full marks.
 * Inside GitHub Actions it also publishes the Classroom `result` output, a step summary and annotations.
 */
import open from 'open';
import { chalk } from 'zx';
import { manifest, resolveExerciseId } from '../grader/manifest.ts';
import { parseShard, type Shard } from '../grader/node/class/batch.ts';
import { batchCommand, type ClassLog, mergeCommand } from '../grader/node/class/class-commands.ts';
import { inGithubActions, neutralise, publishToGithub } from '../grader/node/class/github.ts';
import { RecordError } from '../grader/node/class/student-record.ts';
import { createProgress } from '../grader/node/grading/progress.ts';
import { isolationNotice, KIT_ROOT } from '../grader/node/grading/run.ts';
import { watchAndGrade } from '../grader/node/grading/watch.ts';
import { gradeForStudent } from '../grader/node/report/feedback.ts';
import { parseFormat } from '../grader/node/report/formats/index.ts';
import { writeHtml } from '../grader/node/report/html.ts';
import { writeFormats } from '../grader/node/report/outputs.ts';
import { renderReport } from '../grader/node/report/terminal.ts';
import { parseArgs, runMain, UsageError, wholeNumber } from './cli.ts';
import { singleFile } from './grade-file.ts';

const USAGE = `Usage: npm run grade -- [exercise...] [--target <dir>] [--json <file>] [--format <name>[=<file>]]
                       [--seed <n>] [--strict] [--html <file>] [--open] [--watch]
       npm run grade -- <exercise> --file <path> [--seed <n>] [--json <file>] ...
       npm run grade -- --batch <class-dir> [--shard <i>/<n>] [--out <dir>] [--csv <file>] [exercise...]
       npm run grade -- --merge <dir> --csv <file> [--feedback <dir>] [exercise...]

  exercise         02, 2 or 02-rate-limited-client (default: every exercise)
  --target <dir>   grade another directory with the same layout (default: exercises)
  --file <path>    grade this one file as the exercise's index.ts (a mistake, say); needs exactly one exercise
  --json <file>    also write the report as JSON (schema awaitlings.report/1)
  --format <name>[=<file>]
                   also write json, classroom, junit, gradescope or markdown (repeatable;
                   default file: reports/report.json, classroom.json, junit.xml, results.json, report.md)
  --seed <n>       property seed, to reproduce a run (default: random, printed)
  --strict         exit 1 unless every check passed
  --html <file>    also write a self-contained HTML report with timelines (default with --open: reports/report.html)
  --open           open the HTML report in a browser
  --watch          re-grade an exercise each time its file is saved (Ctrl-C or q to stop)
  --batch <dir>    grade a class: one folder per student, each with exercises/ (see README)
  --shard <i>/<n>  with --batch: grade only the i-th of n shards of the class
  --out <dir>      with --batch: where each student's record <student>.json goes
                   (default: awaitlings-reports/ beside the class folder)
  --merge <dir>    read every student record under <dir> (shard folders included)
  --csv <file>     with --batch or --merge: write the gradebook (default with --batch
                   and no --shard: grades.csv)
  --feedback <dir> with --merge: write each student's feedback to <dir>/<student>.md`;

const args = parseArgs(USAGE, {
  string: [
    'target',
    'json',
    'seed',
    'format',
    'batch',
    'csv',
    'html',
    'shard',
    'out',
    'merge',
    'feedback',
    'file',
  ],
  boolean: ['strict', 'open', 'watch'],
});

async function main(): Promise<void> {
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const exercises =
    args._.length > 0 ? args._.map((selector) => resolveExerciseId(String(selector))) : undefined;
  const seed = args.seed === undefined ? undefined : wholeNumber('seed', args.seed);
  const target = args.target ?? 'exercises';
  const progress = createProgress(process.stderr);
  const formats = [args.format ?? []].flat().map((value: string) => parseFormat(value));
  if (args.json) formats.push({ format: 'json', file: args.json });
  const one =
    args.file === undefined
      ? undefined
      : singleFile(
          exercises,
          args.file,
          process.cwd(),
          ['batch', 'merge', 'watch', 'target'].filter((option) => args[option]),
        );
  if (args.batch || args.merge) {
    await gradeClass(exercises ?? manifest.map((exercise) => exercise.id), seed ?? 1);
    return;
  }
  if (args.watch) {
    await watchAndGrade({ exercises, target, seed, root: KIT_ROOT, chalk, html: args.html });
    return;
  }
  const notice = isolationNotice(process.platform);
  if (notice) console.log(chalk.dim(notice));
  const report = await gradeForStudent({ exercises, target, seed, ...one }, { onProgress: progress.update });
  progress.done();
  const text = renderReport(report, { chalk });
  // Student code can put any text in a message; in GitHub Actions none of it may act as a workflow command.
  console.log(inGithubActions() ? neutralise(text) : text);
  for (const file of await writeFormats(report, formats)) console.log(chalk.dim(`report written to ${file}`));
  if (args.html || args.open) {
    const file = await writeHtml(report, args.html || 'reports/report.html');
    console.log(chalk.dim(`HTML report written to ${file}`));
    if (args.open) {
      console.log(chalk.dim('opening it in your browser (if nothing opens, open that file yourself)'));
      await open(file, { wait: false }).catch(() => undefined);
    }
  }
  if (inGithubActions()) for (const line of await publishToGithub(report)) console.log(line);
  if (args.strict && report.score < report.max) process.exitCode = 1;
}

async function gradeClass(ids: string[], seed: number): Promise<void> {
  let barShown = false;
  const endBar = () => {
    if (barShown) process.stderr.write('\n');
    barShown = false;
  };
  const log: ClassLog = {
    info(line) {
      endBar();
      console.log(line);
    },
    warn(line) {
      endBar();
      console.log(chalk.yellow(line));
    },
    progress(line) {
      barShown = process.stderr.isTTY;
      process.stderr.write(process.stderr.isTTY ? `\r\u001b[2K${line}` : `${line}\n`);
    },
  };
  if (args.merge) {
    if (args.batch) throw new UsageError('Give `--batch` or `--merge`, not both.');
    if (!args.csv) throw new UsageError('`--merge` needs `--csv <file>`.');
    const summary = inGithubActions() ? process.env.GITHUB_STEP_SUMMARY : undefined;
    try {
      await mergeCommand(
        { dir: args.merge, exercises: ids, csv: args.csv, feedback: args.feedback, summary },
        log,
      );
    } catch (error) {
      // A record that cannot be trusted is the merge's verdict on its input, not a fault of the grader.
      if (!(error instanceof RecordError)) throw error;
      console.error(chalk.red(`Not merged: ${error.message}`));
      process.exitCode = 1;
    }
    return;
  }
  if (!args.batch) throw new UsageError('Name the class folder: `--batch <class-dir>`.');
  let shard: Shard | undefined;
  try {
    shard = args.shard === undefined ? undefined : parseShard(String(args.shard));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  await batchCommand(
    {
      dir: args.batch,
      exercises: ids,
      seed,
      csv: args.csv ?? (shard ? undefined : 'grades.csv'),
      out: args.out,
      shard,
    },
    log,
  );
}

runMain(main, {
  usage: USAGE,
  failure: `The grader itself failed (this is not about your code). Kit: ${KIT_ROOT}`,
});
