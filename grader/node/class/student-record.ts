import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ExerciseSpec, manifest as kitManifest, visibilityOf } from '../../manifest.ts';
import {
  type CheckReport,
  type CheckStatus,
  REPORT_SCHEMA,
  type Report,
  scoreExercise,
  scoreReport,
} from '../report/report.ts';
import { byName, type ClassSummary, type StudentResult, summarise } from './batch.ts';
import type { Ignored } from './submission.ts';

/** The version of a student's record; bump it when a field changes meaning. */
export const STUDENT_RECORD_SCHEMA = 'awaitlings.student/1';

/** What `--batch … --out <dir>` writes per student (`<dir>/<student>.json`) and `--merge <dir>` reads back. */
export interface StudentRecord {
  schema: typeof STUDENT_RECORD_SCHEMA;
  /** The student's folder name in the class folder; the file is named after it. */
  student: string;
  /** `graded`: a report exists. `missing`: no `exercises/` folder. `error`: the grader could not grade it. */
  status: 'graded' | 'missing' | 'error';
  error?: string;
  /** Paths under `exercises/` that were not graded, and why. */
  ignored: Ignored[];
  report?: Report;
}

/** A record that cannot be trusted: its message names the file. */
export class RecordError extends Error {}

const STATUSES: readonly CheckStatus[] = ['pass', 'fail', 'error'];
const STUDENT_NAME = /^[\w@+-][\w.@+-]*$/;
/** Longest message kept from a record: a view never needs more, and a forged file cannot bloat the gradebook's views. */
const MAX_MESSAGE = 20_000;

/**
 * Reads every `*.json` record under `dir` (shard folders included) and returns the class as `--batch` would have
 * summarised it. Each record is checked against this kit's manifest (see `parseStudentRecord`); a malformed record or
 * a student recorded twice is a `RecordError` naming the file, never a crash and never a silent skip.
 *
 * @example
 * const summary = mergeRecords('reports'); // reports/reports-1/ada.json, reports/reports-2/bob.json, …
 * await writeFile('grades.csv', gradebookCsv(summary, ids));
 */
export function mergeRecords(dir: string, exercises: readonly ExerciseSpec[] = kitManifest): ClassSummary {
  const files = jsonFiles(dir);
  if (files.length === 0) throw new RecordError(`${dir}: no student record (*.json) found`);
  const seen = new Map<string, string>();
  const results: StudentResult[] = [];
  let seed: { value: number; file: string } | undefined;
  for (const file of files) {
    const shown = file;
    const record = parseStudentRecord(readFileSync(file, 'utf8'), shown, exercises);
    const other = seen.get(record.student);
    if (other) throw new RecordError(`${shown}: student ${record.student} is also recorded in ${other}`);
    seen.set(record.student, shown);
    if (record.report) {
      seed ??= { value: record.report.seed, file: shown };
      if (record.report.seed !== seed.value) {
        throw new RecordError(
          `${shown}: graded with seed ${record.report.seed}, but ${seed.file} with seed ${seed.value}; grade every shard with one seed`,
        );
      }
    }
    const { schema: _, ...result } = record;
    results.push(result);
  }
  return summarise(results.sort((a, b) => byName(a.student, b.student)));
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return jsonFiles(path);
      return entry.isFile() && entry.name.endsWith('.json') ? [path] : [];
    })
    .sort();
}

/**
 * Parses one student record and checks everything it can: the schema version, the student's name against the file
 * name, each exercise and check against the manifest (ids, points), and that the scores add up. Titles and hints come
 * from the manifest, not the file, and scores are recomputed from the checks' statuses. A check's status itself
 * cannot be checked: that is what the grading job vouches for.
 */
export function parseStudentRecord(
  text: string,
  file: string,
  exercises: readonly ExerciseSpec[] = kitManifest,
): StudentRecord {
  const fail = (why: string): never => {
    throw new RecordError(`${file}: ${why}`);
  };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return fail(`not JSON (${(error as Error).message})`);
  }
  const record = object(data, 'the record', fail);
  if (record.schema !== STUDENT_RECORD_SCHEMA) {
    fail(`expected schema ${STUDENT_RECORD_SCHEMA}, got ${JSON.stringify(record.schema)}`);
  }
  const student = string(record.student, 'student', fail);
  if (!STUDENT_NAME.test(student)) fail(`student ${JSON.stringify(student)} is not a folder name`);
  const expectedName = file.replace(/\\/g, '/').split('/').at(-1);
  if (expectedName !== `${student}.json`)
    fail(`holds student ${student}, but the file is not named ${student}.json`);
  const status = record.status;
  if (status !== 'graded' && status !== 'missing' && status !== 'error') {
    fail(`status must be graded, missing or error, got ${JSON.stringify(status)}`);
  }
  if (!Array.isArray(record.ignored)) fail('ignored must be a list');
  const ignored = (record.ignored as unknown[]).map((entry, index) => {
    const item = object(entry, `ignored[${index}]`, fail);
    return {
      file: string(item.file, `ignored[${index}].file`, fail),
      reason: string(item.reason, `ignored[${index}].reason`, fail),
    };
  });
  const result: StudentRecord = {
    schema: STUDENT_RECORD_SCHEMA,
    student,
    status: status as StudentRecord['status'],
    ignored,
  };
  if (record.error !== undefined) result.error = string(record.error, 'error', fail);
  if (status === 'graded') {
    if (record.report === undefined) fail('status graded but no report');
    result.report = parseReport(record.report, exercises, fail);
  } else if (record.report !== undefined) {
    fail(`status ${String(status)} but a report`);
  }
  return result;
}

function parseReport(
  value: unknown,
  exercises: readonly ExerciseSpec[],
  fail: (why: string) => never,
): Report {
  const report = object(value, 'report', fail);
  if (report.schema !== REPORT_SCHEMA)
    fail(`report: expected schema ${REPORT_SCHEMA}, got ${JSON.stringify(report.schema)}`);
  const seed = report.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) fail('report.seed must be a whole number');
  if (!Array.isArray(report.exercises)) fail('report.exercises must be a list');
  const seen = new Set<string>();
  const graded = (report.exercises as unknown[]).map((entry, e) => {
    const where = `report.exercises[${e}]`;
    const exercise = object(entry, where, fail);
    const id = string(exercise.id, `${where}.id`, fail);
    const spec =
      exercises.find((candidate) => candidate.id === id) ?? fail(`${where}: unknown exercise ${id}`);
    if (seen.has(id)) fail(`${where}: exercise ${id} appears twice`);
    seen.add(id);
    if (!Array.isArray(exercise.checks)) fail(`${where}.checks must be a list`);
    const checkIds = new Set<string>();
    const checks = (exercise.checks as unknown[]).map((item, c): CheckReport => {
      const at = `${where}.checks[${c}]`;
      const check = object(item, at, fail);
      const checkId = string(check.id, `${at}.id`, fail);
      const checkSpec =
        spec.checks.find((candidate) => candidate.id === checkId) ??
        fail(`${at}: ${id} has no check ${checkId}`);
      if (checkIds.has(checkId)) fail(`${at}: check ${checkId} appears twice`);
      checkIds.add(checkId);
      if (check.points !== checkSpec.points) {
        fail(
          `${at}: ${id}/${checkId} is worth ${checkSpec.points} points, the record says ${String(check.points)}`,
        );
      }
      const status = check.status as CheckStatus;
      if (!STATUSES.includes(status)) fail(`${at}.status must be pass, fail or error`);
      const message = string(check.message ?? '', `${at}.message`, fail);
      return {
        id: checkId,
        title: checkSpec.title,
        points: checkSpec.points,
        score: status === 'pass' ? checkSpec.points : 0,
        status,
        message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message,
        hint: checkSpec.hint,
        visibility: visibilityOf(checkSpec),
      };
    });
    const rebuilt = scoreExercise({
      id,
      title: spec.title,
      file: string(exercise.file, `${where}.file`, fail),
      checks,
      hint: spec.hints[0],
    });
    if (exercise.score !== rebuilt.score || exercise.max !== rebuilt.max) {
      fail(
        `${where}: ${id} says ${String(exercise.score)}/${String(exercise.max)}, its checks add up to ${rebuilt.score}/${rebuilt.max}`,
      );
    }
    return rebuilt;
  });
  const rebuilt = scoreReport({
    seed: seed as number,
    target: string(report.target, 'report.target', fail),
    exercises: graded,
  });
  if (report.score !== rebuilt.score || report.max !== rebuilt.max) {
    fail(
      `report says ${String(report.score)}/${String(report.max)}, its exercises add up to ${rebuilt.score}/${rebuilt.max}`,
    );
  }
  return rebuilt;
}

function object(value: unknown, what: string, fail: (why: string) => never): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${what} must be an object`);
  return value as Record<string, unknown>;
}

function string(value: unknown, what: string, fail: (why: string) => never): string {
  if (typeof value !== 'string') fail(`${what} must be a string`);
  return value as string;
}
