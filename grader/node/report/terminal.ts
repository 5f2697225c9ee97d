import type { chalk as zxChalk } from 'zx';
import { type ExerciseSpec, manifest } from '../../manifest.ts';
import type { CheckReport, Diagnostic, ExerciseReport, Report } from './report.ts';

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
  const notHere = hiddenLine(exercise.id);
  if (notHere) lines.push(chalk.dim(`     ${notHere}`));
  lines.push(...renderDiagnostics(exercise, chalk));
  lines.push(...renderFailures(exercise, chalk));
  if (exercise.hint && exercise.score < exercise.max) {
    lines.push(
      '',
      chalk.cyan(`    Stuck? A first hint: ${exercise.hint}`),
      chalk.dim(`    ${hintCommandLine(exercise.id)}`),
    );
  }
  return lines;
}

/** The line that names the idea behind a failing check: `Concept: the classic \`await\` in a loop.` */
export function conceptLine(concept: string): string {
  return `Concept: ${concept}.`;
}

/** Where the exercise's own hints are, under "Stuck?" (the command in backticks, as hints write code). */
export function hintCommandLine(exerciseId: string): string {
  return `\`npm run hint -- ${exerciseId.slice(0, 2)}\` shows the exercise's hints, one at a time.`;
}

/** In the student template: `2 hidden checks (3 points) are graded by your instructor, not here and not on push.` */
export function hiddenLine(exerciseId: string): string | undefined {
  const hidden = (manifest as readonly ExerciseSpec[]).find((spec) => spec.id === exerciseId)?.hidden;
  if (!hidden) return undefined;
  const checks = hidden.checks === 1 ? '1 hidden check' : `${hidden.checks} hidden checks`;
  const points = hidden.points === 1 ? '1 point' : `${hidden.points} points`;
  return `${checks} (${points}) ${hidden.checks === 1 ? 'is' : 'are'} graded by your instructor, not here and not on push.`;
}

/** TypeScript problems, one line each: `file:line:col  message (TS2322)`. */
function renderDiagnostics(exercise: ExerciseReport, chalk: ChalkInstance): string[] {
  const diagnostics = exercise.diagnostics ?? [];
  if (diagnostics.length === 0) return [];
  const syntax = diagnostics.some((diagnostic) => diagnostic.kind === 'syntax');
  const count = `${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'}`;
  const lines = [
    '',
    syntax
      ? chalk.red(`    TypeScript cannot read ${exercise.file}, so none of the checks could run:`)
      : chalk.yellow(`    TypeScript found ${count} in ${exercise.file} (the checks ran anyway):`),
  ];
  for (const diagnostic of diagnostics.slice(0, MAX_DIAGNOSTICS)) {
    lines.push(`      ${locate(diagnostic)}  ${diagnostic.message} ${chalk.dim(`(${diagnostic.code})`)}`);
  }
  if (diagnostics.length > MAX_DIAGNOSTICS) {
    lines.push(chalk.dim(`      … and ${diagnostics.length - MAX_DIAGNOSTICS} more (npm run typecheck)`));
  }
  return lines;
}

function renderFailures(exercise: ExerciseReport, chalk: ChalkInstance): string[] {
  const lines: string[] = [];
  const failing = exercise.checks.filter((check) => check.status !== 'pass');
  if (failing.length === exercise.checks.length && failing.every((check) => check.concept === 'a stub')) {
    return [
      '',
      chalk.yellow(`    Not started yet: ${exercise.file} still throws "not implemented yet". That is fine!`),
      chalk.yellow(`    ${startHere(exercise.file)}`),
    ];
  }
  if (failing.length === exercise.checks.length && failing.every((check) => check.status === 'error')) {
    // One cause (the file does not load) fails every check: say it once.
    const [first] = failing;
    if (failing.every((check) => check.message === first.message)) {
      // TypeScript already pointed at the syntax error, with its location.
      if (exercise.diagnostics?.some((diagnostic) => diagnostic.kind === 'syntax')) return lines;
      lines.push('', indent(chalk.red(first.message), 4));
      return lines;
    }
  }
  for (const check of failing) {
    lines.push(
      '',
      `    ${chalk.red.bold(check.status === 'error' ? 'Error' : 'Failed')}: ${chalk.bold(check.title)}`,
    );
    if (check.concept) lines.push(chalk.magenta(`    ${conceptLine(check.concept)}`));
    lines.push(indent(check.message, 6));
    if (check.hint) lines.push(chalk.cyan(`      Hint: ${check.hint}`));
  }
  return lines;
}

const MAX_DIAGNOSTICS = 5;

/** `file:line:col`, the form editors and terminals turn into a link. */
export function locate(diagnostic: Diagnostic): string {
  return `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}`;
}

/** Where a student who has not started should look. */
export function startHere(file: string): string {
  const readme = file.endsWith('/index.ts') ? `${file.slice(0, -'index.ts'.length)}README.md` : undefined;
  return readme ? `Read ${readme}, then follow the TODOs in ${file}.` : `Follow the TODOs in ${file}.`;
}

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((line) => (line.trim() === '' ? '' : pad + line))
    .join('\n');
}
