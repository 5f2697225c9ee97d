import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { renderJson } from './formats/json.ts';
import type { Report } from './report.ts';
import { Grader } from './run.ts';

export interface BatchRequest {
  /** A folder with one folder per student, each holding an `exercises/` folder. */
  dir: string;
  /** Full exercise ids. @default every exercise */
  exercises?: readonly string[];
  /** One seed for the whole class, so every student meets the same generated cases. */
  seed: number;
  /** Where each student's JSON report goes. @default `<dir>/../awaitlings-reports` */
  outDir?: string;
  /** Students graded at once, each by one worker process. @default the machine's cores */
  concurrency?: number;
  onProgress?: (done: number, total: number, student: string) => void;
  /** Only for classes generated from the kit's own files (see `GraderOptions.allowReferenceImports`). */
  allowReferenceImports?: boolean;
}

export interface StudentResult {
  student: string;
  /** `graded`: a report exists. `missing`: no `exercises/` folder. `error`: the grader could not grade it. */
  status: 'graded' | 'missing' | 'error';
  report?: Report;
  error?: string;
}

export interface ClassSummary {
  results: StudentResult[];
  /** Per check, how many graded students did not pass it, most failed first. */
  distribution: Array<{ exercise: string; check: string; title: string; failed: number; graded: number }>;
}

/** The student folders of a class, sorted by name (as `gh classroom clone student-repos` lays them out). */
export function listStudents(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => !name.startsWith('.') && statSync(join(dir, name)).isDirectory())
    .sort((a, b) => a.localeCompare(b));
}

/**
 * Grades every student's `exercises/` with this kit's own (trusted) grader, several students at a time. One
 * submission that fails or hangs never stops the others: it is recorded as `error` and the class goes on.
 */
export async function gradeBatch(request: BatchRequest): Promise<ClassSummary> {
  const dir = resolve(request.dir);
  const students = listStudents(dir);
  const outDir = resolve(request.outDir ?? join(dir, '..', 'awaitlings-reports'));
  await mkdir(outDir, { recursive: true });
  const lanes = Math.max(1, Math.min(request.concurrency ?? availableParallelism(), students.length));
  const results: StudentResult[] = new Array(students.length);
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      // One worker per lane: a student's five suite files run one after another while the other lanes grade other
      // students, so the cores stay busy without paying for a second worker per student.
      const grader = await Grader.start({ allowReferenceImports: request.allowReferenceImports, workers: 1 });
      try {
        for (let index = next++; index < students.length; index = next++) {
          const student = students[index];
          results[index] = await gradeStudent(grader, join(dir, student), student, request);
          if (results[index].report) {
            await writeFile(join(outDir, `${student}.json`), renderJson(results[index].report as Report));
          }
          request.onProgress?.(++done, students.length, student);
        }
      } finally {
        await grader.close();
      }
    }),
  );
  return { results, distribution: distribution(results) };
}

async function gradeStudent(grader: Grader, folder: string, student: string, request: BatchRequest) {
  const target = join(folder, 'exercises');
  if (!existsSync(target))
    return { student, status: 'missing', error: 'no exercises/ folder' } satisfies StudentResult;
  try {
    const report = await grader.grade({ exercises: request.exercises, target, seed: request.seed });
    return { student, status: 'graded', report } satisfies StudentResult;
  } catch (error) {
    return {
      student,
      status: 'error',
      error: error instanceof Error ? error.message : String(error),
    } satisfies StudentResult;
  }
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
