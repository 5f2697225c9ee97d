import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Grader } from '../grading/run.ts';
import type { Report } from '../report/report.ts';
import { STUDENT_RECORD_SCHEMA, type StudentRecord } from './student-record.ts';
import { type Ignored, type SubmissionLimits, takeExercises } from './submission.ts';

export interface BatchRequest {
  /** A folder with one folder per student, each holding an `exercises/` folder. */
  dir: string;
  /** Full exercise ids. @default every exercise */
  exercises?: readonly string[];
  /** One seed for the whole class, so every student meets the same generated cases. */
  seed: number;
  /** Where each student's record (`<student>.json`, see `StudentRecord`) goes. @default `<dir>/../awaitlings-reports` */
  outDir?: string;
  /** Grade only the i-th of n shards (1-based), see `shardOf`. @default the whole class */
  shard?: Shard;
  /** Students graded at once, each by one worker process. @default the machine's cores */
  concurrency?: number;
  onProgress?: (done: number, total: number, student: string) => void;
  /** Called once per path of a submission that is not graded (symbolic links, other files, oversize files). */
  onIgnored?: (student: string, ignored: Ignored) => void;
  /** What is taken from each submission. @default DEFAULT_SUBMISSION_LIMITS */
  limits?: Partial<SubmissionLimits>;
  /** Only for classes generated from the kit's own files (see `GraderOptions.allowReferenceImports`). */
  allowReferenceImports?: boolean;
}

/** The i-th (1-based) of n shards. */
export interface Shard {
  index: number;
  count: number;
}

export type StudentResult = Omit<StudentRecord, 'schema'>;

export interface ClassSummary {
  results: StudentResult[];
  /** Per check, how many graded students did not pass it, most failed first. */
  distribution: Array<{ exercise: string; check: string; title: string; failed: number; graded: number }>;
}

/**
 * The student folders of a class, sorted by name (as `gh classroom clone student-repos` lays them out). Only real
 * folders: a symbolic link in the class folder is not a student.
 */
export function listStudents(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => !entry.name.startsWith('.') && entry.isDirectory())
    .map((entry) => entry.name)
    .sort(byName);
}

/** The order of students in every gradebook. */
export function byName(a: string, b: string): number {
  return a.localeCompare(b);
}

/**
 * The students of shard `index`/`count`: every count-th student of the sorted class, starting at the index-th. The
 * same class gives every shard the same students on every machine, and shards differ in size by one at most.
 *
 * @example
 * shardOf(['ada', 'bob', 'cy'], { index: 1, count: 2 }); // ['ada', 'cy']
 */
export function shardOf(students: readonly string[], shard: Shard): string[] {
  return [...students].sort(byName).filter((_, position) => position % shard.count === shard.index - 1);
}

/** Reads `i/n` (1 ≤ i ≤ n); a TypeError naming `--shard` otherwise. */
export function parseShard(value: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || index < 1 || index > count || count > 1000) {
    throw new TypeError(`Expected \`--shard\` to be i/n with 1 ≤ i ≤ n ≤ 1000, got \`${value}\``);
  }
  return { index, count };
}

/**
 * Grades every student's `exercises/` (or one shard of them) with this kit's own (trusted) grader, several students
 * at a time, and writes one record per student into `outDir`. Only regular `.ts` files under each `exercises/` are
 * graded (see `takeExercises`): they are copied to a private staging folder first, so no link in a submission is
 * ever followed. One submission that fails or hangs never stops the others: it is recorded as `error`.
 */
export async function gradeBatch(request: BatchRequest): Promise<ClassSummary> {
  const dir = resolve(request.dir);
  const everyone = listStudents(dir);
  const students = request.shard ? shardOf(everyone, request.shard) : everyone;
  const outDir = resolve(request.outDir ?? join(dir, '..', 'awaitlings-reports'));
  await mkdir(outDir, { recursive: true });
  const staging = mkdtempSync(join(tmpdir(), 'awaitlings-batch-'));
  const lanes = Math.max(1, Math.min(request.concurrency ?? availableParallelism(), students.length));
  const results: StudentResult[] = new Array(students.length);
  let next = 0;
  let done = 0;
  try {
    await Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        // One worker per lane: a student's five suite files run one after another while the other lanes grade other
        // students, so the cores stay busy without paying for a second worker per student.
        const grader = await Grader.start({
          allowReferenceImports: request.allowReferenceImports,
          workers: 1,
          firstCpu: lane,
        });
        try {
          for (let index = next++; index < students.length; index = next++) {
            const student = students[index];
            results[index] = await gradeStudent(grader, dir, staging, student, request);
            const record: StudentRecord = { schema: STUDENT_RECORD_SCHEMA, ...results[index] };
            await writeFile(join(outDir, `${student}.json`), `${JSON.stringify(record, null, 2)}\n`);
            request.onProgress?.(++done, students.length, student);
          }
        } finally {
          await grader.close();
        }
      }),
    );
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return summarise(results);
}

async function gradeStudent(
  grader: Grader,
  dir: string,
  staging: string,
  student: string,
  request: BatchRequest,
): Promise<StudentResult> {
  const stage = join(staging, student);
  const taken = takeExercises(join(dir, student), stage, request.limits);
  for (const ignored of taken.ignored) request.onIgnored?.(student, ignored);
  const base = { student, ignored: taken.ignored };
  if (!taken.found) return { ...base, status: 'missing', error: 'no exercises/ folder' };
  const target = join(stage, 'exercises');
  try {
    if (!existsSync(target)) throw new Error('exercises/ holds no .ts file');
    const report = await grader.grade({ exercises: request.exercises, target, seed: request.seed });
    return { ...base, status: 'graded', report: relocate(report, stage, student) };
  } catch (error) {
    return { ...base, status: 'error', error: error instanceof Error ? error.message : String(error) };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** The report with the staging folder's path written as the class folder's (`<student>/exercises/…`). */
function relocate(report: Report, stage: string, student: string): Report {
  const quoted = JSON.stringify(stage).slice(1, -1);
  return JSON.parse(JSON.stringify(report).replaceAll(quoted, student)) as Report;
}

/** The class summary of some students' results, in gradebook order. */
export function summarise(results: readonly StudentResult[]): ClassSummary {
  const sorted = [...results].sort((a, b) => byName(a.student, b.student));
  return { results: sorted, distribution: distribution(sorted) };
}

function distribution(results: readonly StudentResult[]): ClassSummary['distribution'] {
  const rows = new Map<string, ClassSummary['distribution'][number]>();
  for (const { report } of results) {
    for (const exercise of report?.exercises ?? []) {
      for (const check of exercise.checks) {
        const key = `${exercise.id}/${check.id}`;
        const row = rows.get(key) ?? {
          exercise: exercise.id,
          check: check.id,
          title: check.title,
          failed: 0,
          graded: 0,
        };
        row.graded++;
        if (check.status !== 'pass') row.failed++;
        rows.set(key, row);
      }
    }
  }
  return [...rows.values()].sort((a, b) => b.failed - a.failed || a.exercise.localeCompare(b.exercise));
}

/** The gradebook: one row per student, one column per exercise, then total, max and status. */
export function gradebookCsv(summary: ClassSummary, exercises: readonly string[]): string {
  const header = ['student', ...exercises, 'total', 'max', 'status'];
  const rows = summary.results.map((result) => {
    const scores = exercises.map((id) => {
      const exercise = result.report?.exercises.find((candidate) => candidate.id === id);
      return exercise ? String(exercise.score) : '';
    });
    return [
      result.student,
      ...scores,
      result.report ? String(result.report.score) : '',
      result.report ? String(result.report.max) : '',
      result.status,
    ];
  });
  return `${[header, ...rows].map((row) => row.map(csvField).join(',')).join('\n')}\n`;
}

function csvField(value: string): string {
  // A leading =, +, - or @ would be read as a formula by spreadsheet programs.
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
