import type { chalk as zxChalk } from 'zx';
import type { CheckReport, ExerciseReport, Report } from './report.ts';

export interface TerminalOptions {
  chalk: ChalkInstance;
  /** Show passing checks too. @default true */
  showPassing?: boolean;
}

type ChalkInstance = typeof zxChalk;

const STATUS_MARK: Record<CheckReport['status'], string> = { pass: '✓', fail: '✗', error: '!' };

/** The report as a student reads it in a terminal: a table per exercise, then what to fix, then the score. */
export function renderReport(report: Report, { chalk, showPassing = true }: TerminalOptions): string {
  const lines: string[] = [];
  for (const exercise of report.exercises) {
    lines.push('', ...renderExercise(exercise, chalk, showPassing));
  }
  const full = report.score === report.max;
  const scoreLine = `Score: ${report.score}/${report.max}`;
  lines.push('', full ? chalk.green.bold(scoreLine) : chalk.bold(scoreLine));
  lines.push(chalk.dim(`seed ${report.seed} · target ${report.target}`));
  return lines.join('\n');
}

function renderExercise(exercise: ExerciseReport, chalk: ChalkInstance, showPassing: boolean): string[] {
  const score = `${exercise.score}/${exercise.max}`;
  const colour =
    exercise.score === exercise.max ? chalk.green : exercise.score === 0 ? chalk.red : chalk.yellow;
  const lines = [`${chalk.bold(exercise.id)}  ${exercise.title}  ${colour.bold(score)}`];
  for (const check of exercise.checks) {
    if (check.status === 'pass' && !showPassing) continue;
    const mark =
      check.status === 'pass' ? chalk.green(STATUS_MARK.pass) : chalk.red(STATUS_MARK[check.status]);
    const points = String(check.points).padStart(2);
    const hidden = check.visibility === 'hidden' ? chalk.dim(' (hidden)') : '';
    lines.push(`  ${mark} ${chalk.dim(points)}  ${check.title}${hidden}`);
  }
  const failing = exercise.checks.filter((check) => check.status !== 'pass');
  if (failing.length === exercise.checks.length && failing.every((check) => check.concept === 'a stub')) {
    lines.push(
      '',
      chalk.yellow(
        `    Not started yet: ${exercise.file} still throws "not implemented yet". Follow its TODOs.`,
      ),
    );
    return lines;
  }
  if (failing.length === exercise.checks.length && failing.every((check) => check.status === 'error')) {
    // One cause (the file does not load) fails every check: say it once.
    const [first] = failing;
    if (failing.every((check) => check.message === first.message)) {
      lines.push('', indent(chalk.red(first.message), 4));
      return lines;
    }
  }
  for (const check of failing) {
    lines.push(
      '',
      `    ${chalk.red.bold(check.status === 'error' ? 'Error' : 'Failed')}: ${chalk.bold(check.title)}`,
    );
    if (check.concept) lines.push(chalk.magenta(`    This is ${check.concept}.`));
    lines.push(indent(check.message, 6));
    if (check.hint) lines.push(chalk.cyan(`      Hint: ${check.hint}`));
  }
  return lines;
}

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((line) => (line.trim() === '' ? '' : pad + line))
    .join('\n');
}
