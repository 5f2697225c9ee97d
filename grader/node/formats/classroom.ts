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

/** One test per check, its points as score, so the Classroom shows partial credit check by check. */
export function toClassroomResult(report: Report): ClassroomResult {
  const tests = report.exercises.flatMap((exercise) =>
    exercise.checks.map(
      (check: CheckReport): ClassroomTest => ({
        name: `${exercise.id} › ${check.title}`,
        status: check.status,
        score: check.status === 'pass' ? check.points : 0,
        message:
          check.status === 'pass'
            ? ''
            : [check.message, check.hint && `Hint: ${check.hint}`].filter(Boolean).join('\n'),
        test_code: `npm run grade -- ${exercise.id.slice(0, 2)}`,
        filename: exercise.file,
        line_no: 0,
        duration: 0,
      }),
    ),
  );
  const status = tests.some((test) => test.status === 'error')
    ? 'error'
    : tests.some((test) => test.status === 'fail')
      ? 'fail'
      : 'pass';
  return { version: 1, status, max_score: report.max, tests };
}

/** The plain JSON file of the classroom result. */
export function renderClassroom(report: Report): string {
  return `${JSON.stringify(toClassroomResult(report), null, 2)}\n`;
}

/** What the grading step writes as its `result` output: base64 of the compact JSON. */
export function encodeClassroom(report: Report): string {
  return Buffer.from(JSON.stringify(toClassroomResult(report)), 'utf8').toString('base64');
}
