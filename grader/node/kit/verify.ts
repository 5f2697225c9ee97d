import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ExerciseSpec, manifest, visibilityOf } from '../../manifest.ts';
import { Grader, KIT_ROOT, type SuiteFileRun } from '../grading/run.ts';
import { exerciseOfSuiteFile } from '../grading/suite-files.ts';
import type { CheckStatus, Report } from '../report/report.ts';
import { staleLists } from './kit-lists.ts';
import { loadMistakes, type Mistake } from './mistakes.ts';
import { exerciseOfKitFile, lintKit, type StaticProblem, typeCheckKit } from './verify-static.ts';

/** What `npm run verify` holds every exercise to, one column each in its table. */
export const CRITERIA = [
  'manifest',
  'files',
  'lint',
  'types',
  'suites',
  'solution',
  'stub',
  'mistakes',
  'styles',
  'seeds',
  'time',
] as const;
export type Criterion = (typeof CRITERIA)[number];

/** One thing wrong with the kit (or, as a warning, worth a look), for an instructor: it names the file and the check. */
export interface Problem {
  /** The exercise id, or `kit` for a problem that belongs to no exercise. */
  exercise: string;
  criterion: Criterion;
  message: string;
}

/**
 * One row of the table: a short verdict per criterion (`✓`, `✓ 9`, `✗ 2`, `✓ 1.4 s`, `⚠ 3.2 s` past the time
 * budget, `–` when not applicable or skipped).
 */
export interface ExerciseVerdict {
  id: string;
  cells: Record<Criterion, string>;
  /** Real ms vitest reports for the exercise's suite files against its solution, graded alone. */
  timeMs?: number;
}

export interface VerifyResult {
  seeds: number[];
  budgetMs: number;
  exercises: ExerciseVerdict[];
  /** What makes the kit unsound: verify exits 1 when there is any. */
  problems: Problem[];
  /** Worth a look but never a verdict: a suite past its time budget (speed depends on the machine and its load). */
  warnings: Problem[];
  /** Criteria not checked in this run (`--no-lint`, `--no-typecheck`). */
  skipped: Criterion[];
}

export interface VerifyOptions {
  /** @default the kit this module belongs to */
  root?: string;
  /** Full exercise ids. @default every exercise in the manifest */
  exercises?: readonly string[];
  /** The first seed checks the verdicts; the others must give the same per-check statuses. @default three */
  seeds?: readonly number[];
  /** Real-time budget of one exercise's suite against its solution; past it is a warning, never a problem. @default 3000 */
  budgetMs?: number;
  /** Run `biome check` as `npm run lint` does. @default true */
  lint?: boolean;
  /** Type-check the kit as `npm run typecheck` does (10-20 s). @default true */
  typecheck?: boolean;
  /** Told what verify is doing, for a progress line. */
  onStep?: (step: string) => void;
}

/** The seed grading.test.ts uses too: the first one verify checks every verdict with. */
export const VERIFY_SEED = 20261122;
export const BUDGET_MS = 3000;

/** A placeholder left in text a student reads. */
const PLACEHOLDER = /\b(TODO|TBD|FIXME|XXX)\b/;

/**
 * Proves the kit is sound, exercise by exercise: manifest and files, lint and types, suites that agree with the
 * manifest, every solution at full marks, every stub at 0, every mistake failing exactly its declared checks, every
 * correct style at full marks, and the same per-check statuses under other seeds. Each suite's time against its
 * solution is measured and compared with a budget; past it is a warning, since speed depends on the machine.
 *
 * @example
 * const result = await verifyKit({ exercises: ['01-fetch-all'], seeds: [1] });
 * if (result.problems.length > 0) process.exitCode = 1;
 */
export async function verifyKit(options: VerifyOptions = {}): Promise<VerifyResult> {
  const root = options.root ?? KIT_ROOT;
  const budgetMs = options.budgetMs ?? BUDGET_MS;
  const seeds = [...(options.seeds ?? [VERIFY_SEED, randomSeed(), randomSeed()])];
  const all = manifest as readonly ExerciseSpec[];
  const exercises = options.exercises ? all.filter((spec) => options.exercises?.includes(spec.id)) : all;
  const ids = exercises.map((exercise) => exercise.id);
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const step = options.onStep ?? (() => {});
  const lint = options.lint ?? true;
  const typecheck = options.typecheck ?? true;

  for (const exercise of exercises) {
    problems.push(...checkManifestText(exercise), ...checkFiles(root, exercise));
  }
  if (!options.exercises) problems.push(...checkOrphanSuites(root, all));
  problems.push(...checkLists(root, all));
  const catalog = new Map<string, Mistake[]>();
  for (const id of ids) {
    try {
      catalog.set(id, loadMistakes(root, id));
    } catch (error) {
      catalog.set(id, []);
      problems.push({ exercise: id, criterion: 'mistakes', message: (error as Error).message });
    }
  }
  const styles = new Map(ids.map((id) => [id, listStyles(root, id)]));
  const times = new Map<string, number>();

  const grader = await Grader.start({ root });
  try {
    const [seed, ...otherSeeds] = seeds;
    // The stubs first: a cheap run that also warms vite's caches before anything is timed.
    step(`grading the stubs (seed ${seed})`);
    const stubs = await grader.grade({ exercises: ids, target: 'exercises', seed });
    for (const exercise of stubs.exercises) {
      const passing = exercise.checks.filter((check) => check.status === 'pass').map((check) => check.id);
      if (passing.length > 0) {
        problems.push({
          exercise: exercise.id,
          criterion: 'stub',
          message: `the stub ${exercise.file} passes ${codeList(passing)}: an unsolved exercise must score 0 (make the check demand real behaviour, or the stub throw)`,
        });
      }
    }

    // Each solution alone: its verdicts, what its suite files declare, and how long they take.
    const solutionStatuses = new Map<string, Statuses>();
    for (const id of ids) {
      step(`grading solutions/${id} (seed ${seed})`);
      const report = await grader.grade({ exercises: [id], target: 'solutions', seed });
      const exercise = report.exercises[0];
      solutionStatuses.set(id, statusesOf(report, id));
      const failing = exercise.checks.filter((check) => check.status !== 'pass');
      for (const check of failing) {
        problems.push({
          exercise: id,
          criterion: 'solution',
          message: `the reference solution ${exercise.file} fails \`${check.id}\` (${check.status}): ${firstLine(check.message)}`,
        });
      }
      const files = grader.lastSuiteFiles.filter((file) => file.exercise === id);
      problems.push(...checkSuiteAgreement(exercises.find((spec) => spec.id === id)!, files));
      const timeMs = files.reduce((sum, file) => sum + file.durationMs, 0);
      times.set(id, timeMs);
      if (timeMs > budgetMs) {
        warnings.push({
          exercise: id,
          criterion: 'time',
          message: `its suite took ${seconds(timeMs)} against the solution, past the ${seconds(budgetMs)} budget. Not a verdict: a loaded machine is slower. If \`npm run verify -- ${id.slice(0, 2)}\` on an idle machine is still past it, its heaviest property runs too often or too long (see README, Performance)`,
        });
      }
    }

    // Mistakes, round k grading the k-th mistake of every exercise in one run (one fork per exercise).
    const mistakeStatuses = new Map<string, Statuses>();
    for (const batch of rounds(catalog)) {
      step(`grading ${batch.length} mistake${batch.length === 1 ? '' : 's'} (seed ${seed})`);
      const report = await gradeFiles(grader, batch, seed);
      for (const mistake of batch) {
        const statuses = statusesOf(report, mistake.exercise);
        mistakeStatuses.set(mistake.file, statuses);
        const failing = [...statuses].filter(([, status]) => status !== 'pass').map(([check]) => check);
        const missed = mistake.fails.filter((check) => !failing.includes(check));
        const extra = failing.filter((check) => !mistake.fails.includes(check));
        if (missed.length === 0 && extra.length === 0) continue;
        const parts = [
          missed.length > 0 && `no longer fails ${codeList(missed)}`,
          extra.length > 0 && `also fails ${codeList(extra)}`,
        ].filter(Boolean);
        problems.push({
          exercise: mistake.exercise,
          criterion: 'mistakes',
          message: `${mistake.file} must fail exactly ${codeList(mistake.fails)}, but it ${parts.join(' and ')}`,
        });
      }
    }

    for (const batch of rounds(styles)) {
      step(`grading ${batch.length} correct style${batch.length === 1 ? '' : 's'} (seed ${seed})`);
      const report = await gradeFiles(grader, batch, seed);
      for (const style of batch) {
        const failing = [...statusesOf(report, style.exercise)].filter(([, status]) => status !== 'pass');
        if (failing.length === 0) continue;
        problems.push({
          exercise: style.exercise,
          criterion: 'styles',
          message: `${style.file} is correct code in another style, but it fails ${codeList(failing.map(([check]) => check))}`,
        });
      }
    }

    // Determinism: the same submissions under other seeds must give the same per-check statuses.
    for (const other of otherSeeds) {
      step(`grading the solutions again (seed ${other})`);
      const report = await grader.grade({ exercises: ids, target: 'solutions', seed: other });
      for (const id of ids) {
        const file = `solutions/${id}/index.ts`;
        problems.push(
          ...compareSeeds(id, file, solutionStatuses.get(id)!, statusesOf(report, id), seed, other),
        );
      }
      for (const batch of rounds(catalog)) {
        step(`grading ${batch.length} mistake${batch.length === 1 ? '' : 's'} again (seed ${other})`);
        const again = await gradeFiles(grader, batch, other);
        for (const mistake of batch) {
          const first = mistakeStatuses.get(mistake.file)!;
          problems.push(
            ...compareSeeds(
              mistake.exercise,
              mistake.file,
              first,
              statusesOf(again, mistake.exercise),
              seed,
              other,
            ),
          );
        }
      }
    }
  } finally {
    await grader.close();
  }

  // After grading, so that what verify times does not share the CPU with the type-checker.
  const mine = (file: string) => {
    const owner = exerciseOfKitFile(file);
    return owner === undefined || ids.includes(owner);
  };
  const located = (criterion: Criterion, found: StaticProblem[]): Problem[] =>
    found.filter((problem) => mine(problem.file)).map((problem) => staticProblem(criterion, problem));
  if (lint) {
    step('linting (biome check)');
    problems.push(...located('lint', lintKit(root)));
  }
  if (typecheck) {
    step('type-checking (tsc)');
    problems.push(...located('types', typeCheckKit(root)));
  }
  const skipped: Criterion[] = [...(lint ? [] : ['lint' as const]), ...(typecheck ? [] : ['types' as const])];

  return {
    seeds,
    budgetMs,
    problems,
    warnings,
    skipped,
    exercises: exercises.map((exercise) => ({
      id: exercise.id,
      timeMs: times.get(exercise.id),
      cells: tableRow(exercise.id, problems, warnings, skipped, {
        mistakes: catalog.get(exercise.id)?.length ?? 0,
        styles: styles.get(exercise.id)?.length ?? 0,
        seeds: seeds.length,
        timeMs: times.get(exercise.id),
      }),
    })),
  };
}

/** Check id → status, for one exercise of a report. */
type Statuses = Map<string, CheckStatus>;

function statusesOf(report: Report, exercise: string): Statuses {
  const found = report.exercises.find((candidate) => candidate.id === exercise);
  return new Map((found?.checks ?? []).map((check) => [check.id, check.status]));
}

function compareSeeds(
  exercise: string,
  file: string,
  first: Statuses,
  again: Statuses,
  seed: number,
  other: number,
): Problem[] {
  const problems: Problem[] = [];
  for (const [check, status] of first) {
    const now = again.get(check);
    if (now === status) continue;
    problems.push({
      exercise,
      criterion: 'seeds',
      message: `\`${check}\` is flaky: ${file} gets ${status} with seed ${seed} but ${now ?? 'no verdict'} with seed ${other} (npm run grade -- ${exercise.slice(0, 2)} --seed ${other})`,
    });
  }
  return problems;
}

interface Graded {
  exercise: string;
  file: string;
}

/** Round k holds the k-th file of every exercise, so one run grades them side by side. */
function rounds<T extends Graded>(catalog: ReadonlyMap<string, readonly T[]>): T[][] {
  const count = Math.max(0, ...[...catalog.values()].map((files) => files.length));
  return Array.from({ length: count }, (_, round) =>
    [...catalog.values()].map((files) => files[round]).filter((file): file is T => file !== undefined),
  );
}

function gradeFiles(grader: Grader, batch: readonly Graded[], seed: number): Promise<Report> {
  return grader.grade({
    exercises: batch.map((entry) => entry.exercise),
    files: Object.fromEntries(batch.map((entry) => [entry.exercise, entry.file])),
    seed,
  });
}

/** Titles and hints are read by students: no placeholder may be left in them. */
export function checkManifestText(exercise: ExerciseSpec): Problem[] {
  const where = `grader/manifest.ts: \`${exercise.id}\``;
  const texts: Array<[string, string]> = [
    ['the title', exercise.title],
    ...exercise.hints.map((hint, i): [string, string] => [`hint ${i + 1}`, hint]),
    ...Object.entries(exercise.about ?? {}).map(([key, text]): [string, string] => [
      `\`about.${key}\``,
      text,
    ]),
    ...exercise.checks.flatMap(
      (check): Array<[string, string]> => [
        [`the title of \`${check.id}\``, check.title],
        [`the hint of \`${check.id}\``, check.hint],
      ],
    ),
  ];
  const problems = texts
    .filter(([, text]) => PLACEHOLDER.test(text) || text.trim() === '')
    .map(([what, text]) => ({
      exercise: exercise.id,
      criterion: 'manifest' as const,
      message: `${where}: ${what} is ${text.trim() === '' ? 'empty' : `a placeholder ("${text.trim()}")`}; write what a student should read`,
    }));
  if (!exercise.about) {
    problems.push({
      exercise: exercise.id,
      criterion: 'manifest',
      message: `${where} has no \`about\` (summary, learn, asyncio): the README's table and the learning path introduce it with them`,
    });
  }
  return problems;
}

/** The stub (with its TODOs), its README, the solution and the suite are where the manifest says. */
export function checkFiles(root: string, exercise: ExerciseSpec): Problem[] {
  const problems: Problem[] = [];
  const problem = (message: string) => problems.push({ exercise: exercise.id, criterion: 'files', message });
  const stub = `exercises/${exercise.id}/index.ts`;
  const readme = `exercises/${exercise.id}/README.md`;
  const solution = `solutions/${exercise.id}/index.ts`;
  const suite = `grader/suites/${exercise.id}.test.ts`;
  if (!existsSync(join(root, stub))) problem(`${stub} is missing: students need a stub to fill in`);
  else if (!readFileSync(join(root, stub), 'utf8').includes('// TODO'))
    problem(`${stub} has no \`// TODO\` marker: mark where the student's work goes`);
  if (!existsSync(join(root, readme)) || readFileSync(join(root, readme), 'utf8').trim() === '')
    problem(`${readme} is missing or empty: it states the task and the rules the checks hold`);
  if (!existsSync(join(root, solution))) problem(`${solution} is missing: every exercise needs a reference`);
  if (!existsSync(join(root, suite))) problem(`${suite} is missing: nothing grades this exercise`);
  return problems;
}

/**
 * What the suite files declared against the manifest: every check has exactly one test, every test is a check,
 * hidden checks live in `<id>.hidden.ts` (the student template drops that file) and public ones do not.
 */
export function checkSuiteAgreement(exercise: ExerciseSpec, files: readonly SuiteFileRun[]): Problem[] {
  const problems: Problem[] = [];
  const problem = (message: string) => problems.push({ exercise: exercise.id, criterion: 'suites', message });
  const specs = new Map(exercise.checks.map((check) => [check.id, check]));
  const seen = new Map<string, string>();
  for (const file of files) {
    for (const error of file.errors) problem(`${file.file} could not be loaded: ${firstLine(error)}`);
    const hiddenFile = file.file.endsWith('.hidden.ts');
    for (const test of file.tests) {
      const spec = specs.get(test);
      if (!spec) {
        problem(
          `${file.file} has a test \`${test}\` that is not a check of \`${exercise.id}\` in grader/manifest.ts`,
        );
        continue;
      }
      if (seen.has(test)) problem(`\`${test}\` is tested twice, in ${seen.get(test)} and ${file.file}`);
      seen.set(test, file.file);
      if (visibilityOf(spec) === 'hidden' && !hiddenFile) {
        problem(
          `\`${test}\` is a hidden check but ${file.file} is public: the student template would ship it. Move it to grader/suites/${exercise.id}.hidden.ts`,
        );
      }
      if (visibilityOf(spec) === 'public' && hiddenFile) {
        problem(
          `\`${test}\` is a public check but lives in ${file.file}, which the student template drops. Move it to grader/suites/${exercise.id}.test.ts`,
        );
      }
    }
  }
  const loaded = files.every((file) => file.errors.length === 0);
  for (const check of exercise.checks) {
    if (!seen.has(check.id) && loaded) {
      problem(
        `the manifest's check \`${check.id}\` has no test in grader/suites/${exercise.id}.test.ts or ${exercise.id}.hidden.ts`,
      );
    }
  }
  return problems;
}

/** README.md's table and the learning path, generated from the manifest, must be up to date. */
export function checkLists(root: string, exercises: readonly ExerciseSpec[]): Problem[] {
  let stale: string[];
  try {
    stale = staleLists(root, exercises);
  } catch (error) {
    return [{ exercise: 'kit', criterion: 'files', message: (error as Error).message }];
  }
  return stale.map((file) => ({
    exercise: 'kit',
    criterion: 'files' as const,
    message: `${file}: its list of exercises no longer matches grader/manifest.ts; npm run new -- --lists rewrites it`,
  }));
}

/** Suite files whose exercise the manifest does not declare: they would never be graded. */
export function checkOrphanSuites(root: string, exercises: readonly ExerciseSpec[]): Problem[] {
  const known = new Set(exercises.map((exercise) => exercise.id));
  return suiteFilesOnDisk(root)
    .filter((file) => !known.has(exerciseOfSuiteFile(file)))
    .map((file) => ({
      exercise: 'kit',
      criterion: 'suites' as const,
      message: `${file} belongs to no exercise in grader/manifest.ts, so it is never graded`,
    }));
}

function suiteFilesOnDisk(root: string): string[] {
  const folder = join(root, 'grader/suites');
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => name.endsWith('.test.ts') || name.endsWith('.hidden.ts'))
    .map((name) => `grader/suites/${name}`);
}

/** `fixtures/styles/<exercise>/*.ts`: correct implementations written differently from the reference. */
export function listStyles(root: string, exercise: string): Graded[] {
  const folder = join(root, 'fixtures/styles', exercise);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => name.endsWith('.ts'))
    .sort()
    .map((name) => ({ exercise, file: `fixtures/styles/${exercise}/${name}` }));
}

/** A lint or type problem, under the exercise its file belongs to (`kit` for the kit's own files). */
function staticProblem(criterion: Criterion, problem: StaticProblem): Problem {
  const where = problem.line > 0 ? `${problem.file}:${problem.line}:${problem.column}` : problem.file;
  const fix =
    criterion === 'lint' ? 'npm run format fixes formatting and safe fixes' : 'npm run typecheck shows it';
  return {
    exercise: exerciseOfKitFile(problem.file) ?? 'kit',
    criterion,
    message: `${where} ${problem.message} (${problem.rule}; ${fix})`,
  };
}

function tableRow(
  id: string,
  problems: readonly Problem[],
  warnings: readonly Problem[],
  skipped: readonly Criterion[],
  counts: { mistakes: number; styles: number; seeds: number; timeMs?: number },
): Record<Criterion, string> {
  const count = (criterion: Criterion) =>
    problems.filter((problem) => problem.exercise === id && problem.criterion === criterion).length;
  const cell = (criterion: Criterion, ok = '✓') => (count(criterion) > 0 ? `✗ ${count(criterion)}` : ok);
  const slow = warnings.some((warning) => warning.exercise === id && warning.criterion === 'time');
  return {
    manifest: cell('manifest'),
    files: cell('files'),
    lint: skipped.includes('lint') ? '–' : cell('lint'),
    types: skipped.includes('types') ? '–' : cell('types'),
    suites: cell('suites'),
    solution: cell('solution'),
    stub: cell('stub'),
    mistakes: cell('mistakes', counts.mistakes > 0 ? `✓ ${counts.mistakes}` : '–'),
    styles: cell('styles', counts.styles > 0 ? `✓ ${counts.styles}` : '–'),
    seeds: cell('seeds', `✓ ${counts.seeds}`),
    time: counts.timeMs === undefined ? '–' : `${slow ? '⚠' : '✓'} ${seconds(counts.timeMs)}`,
  };
}

function codeList(ids: readonly string[]): string {
  return ids.map((id) => `\`${id}\``).join(', ');
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim() !== '') ?? text;
}

function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
