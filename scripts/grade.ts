#!/usr/bin/env -S npx tsx
/**
 * `npm run grade [-- <exercise>...] [--target <dir>] [--json <file>] [--format <name>[=file]]... [--seed <n>] [--strict]`
 * `npm run grade -- --batch <class-dir> [--csv <file>]`
 *
 * Grades the exercises (all by default; `02`, `2` or the full id select some) and prints a score with feedback.
 * Exits 0 whenever grading completed, whatever the score; `--strict` exits 1 below full marks.
 * Inside GitHub Actions it also publishes the Classroom `result` output, a step summary and annotations.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import open from 'open';
import { chalk } from 'zx';
import { manifest, resolveExerciseId } from '../grader/manifest.ts';
import { gradeBatch, gradebookCsv } from '../grader/node/batch.ts';
import { gradeForStudent } from '../grader/node/feedback.ts';
import { parseFormat } from '../grader/node/formats/index.ts';
import { inGithubActions, neutralise, publishToGithub } from '../grader/node/github.ts';
import { writeHtml } from '../grader/node/html.ts';
import { writeFormats } from '../grader/node/outputs.ts';
import { createProgress } from '../grader/node/progress.ts';
import { KIT_ROOT } from '../grader/node/run.ts';
import { renderReport } from '../grader/node/terminal.ts';
import { watchAndGrade } from '../grader/node/watch.ts';
import { parseArgs, runMain, wholeNumber } from './cli.ts';

const USAGE = `Usage: npm run grade -- [exercise...] [--target <dir>] [--json <file>] [--format <name>[=<file>]]
                       [--seed <n>] [--strict] [--html <file>] [--open] [--watch]
       npm run grade -- --batch <class-dir> [--csv <file>] [exercise...]

  exercise         02, 2 or 02-rate-limited-client (default: every exercise)
  --target <dir>   grade another directory with the same layout (default: exercises)
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
  --csv <file>     with --batch: write the gradebook (default: grades.csv)`;

const args = parseArgs(USAGE, {
  string: ['target', 'json', 'seed', 'format', 'batch', 'csv', 'html'],
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
  if (args.batch) {
    await gradeClass(args.batch, exercises, seed ?? 1);
    return;
  }
  if (args.watch) {
    await watchAndGrade({ exercises, target, seed, root: KIT_ROOT, chalk, html: args.html });
    return;
  }
  const report = await gradeForStudent({ exercises, target, seed }, { onProgress: progress.update });
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

async function gradeClass(dir: string, exercises: string[] | undefined, seed: number): Promise<void> {
  const ids = exercises ?? manifest.map((exercise) => exercise.id);
  const started = Date.now();
  const summary = await gradeBatch({
    dir,
    exercises: ids,
    seed,
    onProgress(done, total, student) {
      const elapsed = (Date.now() - started) / 1000;
      const left = Math.round((elapsed / done) * (total - done));
      const width = 24;
      const bar = '█'.repeat(Math.round((done / total) * width)).padEnd(width, '░');
      const line = `${bar} ${done}/${total} · ${student} · about ${left} s left`;
      if (process.stderr.isTTY) process.stderr.write(`\r\u001b[2K${line}`);
      else process.stderr.write(`${line}\n`);
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  const csv = resolve(process.cwd(), args.csv ?? 'grades.csv');
  await writeFile(csv, gradebookCsv(summary, ids));
  const seconds = (Date.now() - started) / 1000;
  const perMinute = (summary.results.length / seconds) * 60;
  console.log(
    `Graded ${summary.results.length} submissions in ${seconds.toFixed(1)} s (${perMinute.toFixed(1)} a minute).`,
  );
  console.log(`Gradebook: ${csv}`);
  console.log('\nChecks most students fail:');
  for (const row of summary.distribution.filter((entry) => entry.failed > 0).slice(0, 10)) {
    console.log(`  ${String(row.failed).padStart(3)}/${row.graded}  ${row.exercise} · ${row.title}`);
  }
  const broken = summary.results.filter((result) => result.status !== 'graded');
  for (const result of broken)
    console.log(chalk.yellow(`  ${result.student}: ${result.status} (${result.error})`));
}

runMain(main, {
  usage: USAGE,
  failure: `The grader itself failed (this is not about your code). Kit: ${KIT_ROOT}`,
});
