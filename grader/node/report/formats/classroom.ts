import type { CheckReport, Report } from '../report.ts';

/** One test as GitHub Classroom's autograding-grading-reporter reads it. */
export interface ClassroomTest {
  name: string;
  status: 'pass' | 'fail' | 'error';
  score: number;
  message: string;
  test_code: string;
  filename: string;
  line_no: number;
  duration: number;
}

/** The `result` a Classroom grading step outputs (base64 of this JSON): version 1 of the reporter's format. */
export interface ClassroomResult {
  version: 1;
  status: 'pass' | 'fail' | 'error';
  max_score: number;
  tests: ClassroomTest[];
}

/**
 * Linux caps one environment variable at 131,072 bytes (MAX_ARG_STRLEN), and the reporter reads the whole result
 * from one (`<STEP_ID>_RESULTS`): past it the reporter's process cannot start and Classroom records nothing.
 */
export const ENV_VAR_CAP = 131_072;

/**
 * What the encoded result may take at most by default: three quarters of the cap, 32 KiB clear of it. (Half the cap
 * left nine exercises' 180 tests no room for their messages.)
 */
export const CLASSROOM_BUDGET = (ENV_VAR_CAP * 3) / 4;

export interface ClassroomOptions {
  /** Most bytes of the base64 result; messages are cut to fit, tests and scores never. @default CLASSROOM_BUDGET */
  maxEncodedBytes?: number;
}

/**
 * One reporter test per point: a check worth 2 points is two tests, each scoring 1 when the check passed. The
 * reporter prints `passed tests / tests × max_score` in the log and sends the sum of the scores as the Points line;
 * with one test per point the two agree. Failure messages are cut (evenly, longest first) until the encoded result
 * fits `maxEncodedBytes`; no test and no score is ever dropped.
 */
export function toClassroomResult(report: Report, options: ClassroomOptions = {}): ClassroomResult {
  const budget = options.maxEncodedBytes ?? CLASSROOM_BUDGET;
  const full = report.exercises.flatMap((exercise) =>
    exercise.checks.flatMap((check) => testsOf(exercise.id, exercise.file, check)),
  );
  const status = full.some((test) => test.status === 'error')
    ? 'error'
    : full.some((test) => test.status === 'fail')
      ? 'fail'
      : 'pass';
  const result = (tests: ClassroomTest[]): ClassroomResult => ({
    version: 1,
    status,
    max_score: report.max,
    tests,
  });
  if (encodedLength(result(full)) <= budget) return result(full);
  // The longest message a test may keep: the largest that fits, found by bisection.
  let low = 0;
  let high = Math.max(...full.map((test) => test.message.length));
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (encodedLength(result(cut(full, middle))) <= budget) low = middle;
    else high = middle - 1;
  }
  return result(cut(full, low));
}

function testsOf(id: string, file: string, check: CheckReport): ClassroomTest[] {
  const count = Math.max(1, check.points);
  const message =
    check.status === 'pass'
      ? ''
      : [check.message, check.hint && `Hint: ${check.hint}`].filter(Boolean).join('\n');
  return Array.from({ length: count }, (_, index) => ({
    name: `${id} › ${check.title}${count > 1 ? ` (point ${index + 1} of ${count})` : ''}`,
    status: check.status,
    score: check.status === 'pass' && check.points > 0 ? 1 : 0,
    // The message once per check: the other points of the same check say where it is.
    message: index === 0 || check.status === 'pass' ? message : `See point 1 of ${count}.`,
    test_code: `npm run grade -- ${id.slice(0, 2)}`,
    filename: file,
    line_no: 0,
    duration: 0,
  }));
}

function cut(tests: readonly ClassroomTest[], max: number): ClassroomTest[] {
  return tests.map((test) => {
    if (test.message.length <= max) return test;
    const note = `… (cut to fit GitHub Classroom; ${test.test_code} shows all of it)`;
    const kept = test.message.slice(0, Math.max(0, max - note.length)).replace(/[\uD800-\uDBFF]$/, '');
    return { ...test, message: max >= note.length ? `${kept}${note}` : '' };
  });
}

function encodedLength(result: ClassroomResult): number {
  return Math.ceil(Buffer.byteLength(JSON.stringify(result), 'utf8') / 3) * 4;
}

/** The plain JSON file of the classroom result. */
export function renderClassroom(report: Report): string {
  return `${JSON.stringify(toClassroomResult(report), null, 2)}\n`;
}

/** What the grading step writes as its `result` output: base64 of the compact JSON, within `CLASSROOM_BUDGET`. */
export function encodeClassroom(report: Report, options: ClassroomOptions = {}): string {
  return Buffer.from(JSON.stringify(toClassroomResult(report, options)), 'utf8').toString('base64');
}
