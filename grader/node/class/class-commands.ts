import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type ClassSummary, gradeBatch, gradebookCsv, type Shard } from './batch.ts';
import { renderClassSummary, renderFeedback } from './class-summary.ts';
import { mergeRecords } from './student-record.ts';

/** Where the class commands write their lines (the terminal in `npm run grade`). */
export interface ClassLog {
  info(line: string): void;
  warn(line: string): void;
  progress(line: string): void;
}

export interface BatchCommand {
  dir: string;
  exercises: readonly string[];
  seed: number;
  /** The gradebook; written only when given (a shard writes records, the merge writes the gradebook). */
  csv?: string;
  out?: string;
  shard?: Shard;
}

/** `npm run grade -- --batch <dir> [--shard i/n] [--out <dir>] [--csv <file>]`. */
export async function batchCommand(command: BatchCommand, log: ClassLog): Promise<ClassSummary> {
  const started = Date.now();
  const summary = await gradeBatch({
    dir: command.dir,
    exercises: command.exercises,
    seed: command.seed,
    outDir: command.out,
    shard: command.shard,
    onIgnored(student, { file, reason }) {
      log.warn(`${student}: ignored ${file}: ${reason}`);
    },
    onProgress(done, total, student) {
      const elapsed = (Date.now() - started) / 1000;
      const left = Math.round((elapsed / done) * (total - done));
      const width = 24;
      const bar = '█'.repeat(Math.round((done / total) * width)).padEnd(width, '░');
      log.progress(`${bar} ${done}/${total} · ${student} · about ${left} s left`);
    },
  });
  const seconds = (Date.now() - started) / 1000;
  const perMinute = (summary.results.length / seconds) * 60;
  const which = command.shard ? ` (shard ${command.shard.index}/${command.shard.count})` : '';
  log.info(
    `Graded ${summary.results.length} submissions${which} in ${seconds.toFixed(1)} s (${perMinute.toFixed(1)} a minute).`,
  );
  if (command.csv) {
    const csv = resolve(command.csv);
    await writeFile(csv, gradebookCsv(summary, command.exercises));
    log.info(`Gradebook: ${csv}`);
  }
  report(summary, log);
  return summary;
}

export interface MergeCommand {
  dir: string;
  exercises: readonly string[];
  csv: string;
  /** One Markdown file per student (`<student>.md`). */
  feedback?: string;
  /** Appended the class summary (Markdown), e.g. `$GITHUB_STEP_SUMMARY`. */
  summary?: string;
}

/** `npm run grade -- --merge <dir> --csv <file> [--feedback <dir>]`: the gradebook of every record under `dir`. */
export async function mergeCommand(command: MergeCommand, log: ClassLog): Promise<ClassSummary> {
  const summary = mergeRecords(command.dir);
  const csv = resolve(command.csv);
  await writeFile(csv, gradebookCsv(summary, command.exercises));
  log.info(`Merged ${summary.results.length} student records from ${command.dir}.`);
  log.info(`Gradebook: ${csv}`);
  if (command.feedback) {
    await mkdir(command.feedback, { recursive: true });
    for (const result of summary.results) {
      await writeFile(join(command.feedback, `${result.student}.md`), renderFeedback(result));
    }
    log.info(`Feedback: ${resolve(command.feedback)} (one file per student)`);
  }
  if (command.summary) await appendFile(command.summary, renderClassSummary(summary));
  report(summary, log);
  return summary;
}

function report(summary: ClassSummary, log: ClassLog): void {
  const failing = summary.distribution.filter((entry) => entry.failed > 0).slice(0, 10);
  if (failing.length > 0) log.info('\nChecks most students fail:');
  for (const row of failing) {
    log.info(`  ${String(row.failed).padStart(3)}/${row.graded}  ${row.exercise} · ${row.title}`);
  }
  for (const result of summary.results.filter((entry) => entry.status !== 'graded')) {
    log.warn(`  ${result.student}: ${result.status} (${result.error})`);
  }
}
