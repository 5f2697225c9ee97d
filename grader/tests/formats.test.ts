import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { type ExerciseSpec, manifest, visibilityOf } from '../manifest.ts';
import { annotations, neutralise } from '../node/class/github.ts';
import { KIT_ROOT } from '../node/grading/run.ts';
import {
  CLASSROOM_BUDGET,
  type ClassroomResult,
  type ClassroomTest,
  ENV_VAR_CAP,
  encodeClassroom,
  toClassroomResult,
} from '../node/report/formats/classroom.ts';
import { toGradescope } from '../node/report/formats/gradescope.ts';
import { FORMATS, type FormatName, parseFormat } from '../node/report/formats/index.ts';
import { REPORT_SCHEMA, type Report, scoreExercise, scoreReport } from '../node/report/report.ts';

/** A real report (a mistake graded with seed 42), with one check turned into an error that quotes hostile text. */
const sample = JSON.parse(readFileSync(join(KIT_ROOT, 'fixtures/reports/sample.json'), 'utf8')) as Report;
const goldenDir = join(KIT_ROOT, 'fixtures/reports/golden');

describe('every format is a view of the same report', () => {
  test.each(Object.keys(FORMATS) as FormatName[])('%s matches its golden file', (format) => {
    const rendered = FORMATS[format].render(sample);
    const golden = join(goldenDir, FORMATS[format].file);
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, rendered);
    expect(rendered).toBe(readFileSync(golden, 'utf8'));
  });

  test('the sample is a versioned report whose scores add up', () => {
    expect(sample.schema).toBe(REPORT_SCHEMA);
    const checks = sample.exercises.flatMap((exercise) => exercise.checks);
    expect(sample.score).toBe(
      checks.filter((check) => check.status === 'pass').reduce((s, c) => s + c.points, 0),
    );
    expect(new Set(checks.map((check) => check.status))).toEqual(new Set(['pass', 'fail', 'error']));
  });

  test('--format takes a name and an optional file, and names a bad format', () => {
    expect(parseFormat('junit')).toEqual({ format: 'junit', file: 'reports/junit.xml' });
    expect(parseFormat('classroom=out/c.json')).toEqual({ format: 'classroom', file: 'out/c.json' });
    expect(() => parseFormat('pdf')).toThrow(
      /Expected `--format` to be one of json, classroom, junit, gradescope, markdown, got `pdf`/,
    );
  });
});

describe('GitHub Classroom', () => {
  test('the result decodes to the reporter’s format, one test per point of each check', () => {
    const decoded = JSON.parse(Buffer.from(encodeClassroom(sample), 'base64').toString('utf8'));
    expect(decoded).toEqual(toClassroomResult(sample));
    expect(decoded).toMatchObject({ version: 1, status: 'error', max_score: sample.max });
    const checks = sample.exercises.flatMap((exercise) => exercise.checks);
    expect(decoded.tests).toHaveLength(sample.max);
    for (const check of checks) {
      const tests = decoded.tests.filter((test: ClassroomTest) => test.name.includes(check.title));
      expect(tests, check.id).toHaveLength(check.points);
      expect(
        tests.every(
          (test: ClassroomTest) =>
            test.status === check.status && test.score === (check.status === 'pass' ? 1 : 0),
        ),
      ).toBe(true);
    }
    for (const test of decoded.tests) {
      expect(Object.keys(test).sort()).toEqual(
        ['duration', 'filename', 'line_no', 'message', 'name', 'score', 'status', 'test_code'].sort(),
      );
    }
  });

  test("the reporter's Points line and its log's totals both give our score", () => {
    for (const report of [sample, worstCase(), partial()]) {
      const result = toClassroomResult(report);
      expect(reporterTotals(result), `${report.score}/${report.max}`).toEqual({
        points: `Points ${report.score}/${report.max}`,
        log: `Total points for awaitlings: ${report.score.toFixed(2)}/${report.max}`,
        tests: `Grand total tests passed: ${report.score}/${report.max}`,
      });
    }
  });

  test('the worst case (the file of every exercise throwing a 6,000-character error) fits well under the 131,072-byte cap', () => {
    const report = worstCase();
    const unbounded = Buffer.from(
      JSON.stringify(toClassroomResult(report, { maxEncodedBytes: Infinity })),
    ).toString('base64');
    expect(unbounded.length).toBeGreaterThan(ENV_VAR_CAP);
    const encoded = encodeClassroom(report);
    expect(encoded.length).toBeLessThanOrEqual(CLASSROOM_BUDGET);
    expect(`AWAITLINGS_RESULTS=${encoded}`.length).toBeLessThan(ENV_VAR_CAP);
    const result: ClassroomResult = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
    // Every test and score is still there; only messages were cut, and each says so.
    expect(result.tests).toHaveLength(report.max);
    expect(result.tests.map((test) => [test.name, test.status, test.score])).toEqual(
      toClassroomResult(report, { maxEncodedBytes: Infinity }).tests.map((test) => [
        test.name,
        test.status,
        test.score,
      ]),
    );
    const first = result.tests.find((test) => test.message.startsWith('Error: thrown'));
    expect(first?.message).toMatch(
      /… \(cut to fit GitHub Classroom; npm run grade -- \d\d shows all of it\)$/,
    );
    // Nine exercises make 180 tests (one per point), whose names, commands and files take most of the budget: each
    // message keeps more than 80 characters in this worst case.
    expect(first?.message.length).toBeGreaterThan(80);
  });

  test('a tighter budget cuts messages further and still keeps every test', () => {
    const report = worstCase();
    const size = (result: ClassroomResult) => Math.ceil(Buffer.byteLength(JSON.stringify(result)) / 3) * 4;
    const longest = (result: ClassroomResult) => Math.max(...result.tests.map((test) => test.message.length));
    const roomy = toClassroomResult(report);
    const budget = size(roomy) - 4_000;
    const tight = toClassroomResult(report, { maxEncodedBytes: budget });
    expect(size(tight)).toBeLessThanOrEqual(budget);
    expect(longest(tight)).toBeLessThan(longest(roomy));
    expect(tight.tests).toHaveLength(report.max);
  });

  test('student text cannot act as a workflow command', () => {
    const wrapped = neutralise('all good\n::notice::Score: 100/100');
    const [first, , , last] = wrapped.split('\n');
    const token = first.replace('::stop-commands::', '');
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(last).toBe(`::${token}::`);
    // An annotation is one line: whatever the message holds stays its data, never a second command.
    for (const line of annotations(sample)) {
      expect(line).toMatch(/^::(error|notice) file=[^:]+::/);
      expect(line).not.toMatch(/[\r\n]/);
    }
  });

  test('annotations point at the student’s file, one per failing check', () => {
    const failing = sample.exercises[0].checks.filter((check) => check.status !== 'pass');
    const lines = annotations(sample);
    expect(lines).toHaveLength(failing.length);
    expect(lines[0]).toMatch(
      /^::error file=fixtures\/mistakes\/01-fetch-all\/await-in-loop.ts,line=1,title=01-fetch-all%3A /,
    );
  });
});

describe('JUnit and Gradescope', () => {
  test('JUnit XML is well formed and uses only the common schema’s elements and attributes', () => {
    const xml = FORMATS.junit.render(sample);
    const allowed: Record<string, string[]> = {
      testsuites: ['name', 'tests', 'failures', 'errors', 'time'],
      testsuite: ['name', 'id', 'package', 'hostname', 'timestamp', 'tests', 'failures', 'errors', 'time'],
      properties: [],
      property: ['name', 'value'],
      testcase: ['name', 'classname', 'time'],
      failure: ['message', 'type'],
      error: ['message', 'type'],
      'system-out': [],
      'system-err': [],
    };
    const parents: Record<string, string> = {
      testsuite: 'testsuites',
      properties: 'testsuite',
      property: 'properties',
      testcase: 'testsuite',
      failure: 'testcase',
      error: 'testcase',
      'system-out': 'testsuite',
      'system-err': 'testsuite',
    };
    const stack: string[] = [];
    for (const match of xml.replace(/^<\?xml[^>]*\?>/, '').matchAll(/<(\/?)([\w-]+)([^>]*?)(\/?)>/g)) {
      const [, closing, name, attributes, selfClosing] = match;
      if (closing) {
        expect(stack.pop()).toBe(name);
        continue;
      }
      expect(Object.keys(allowed)).toContain(name);
      if (parents[name]) expect(stack.at(-1)).toBe(parents[name]);
      for (const [, attribute] of attributes.matchAll(/([\w-]+)="[^"<]*"/g))
        expect(allowed[name]).toContain(attribute);
      if (!selfClosing) stack.push(name);
    }
    expect(stack).toEqual([]);
    expect(xml).not.toMatch(/&(?!amp;|lt;|gt;|quot;|apos;)/);
  });

  test('Gradescope results carry points, status and visibility from the manifest', () => {
    const results = toGradescope(sample);
    expect(results.score).toBe(sample.score);
    const hidden = results.tests.find((test) => test.name.includes('AggregateError'));
    expect(hidden).toMatchObject({ visibility: 'hidden', status: 'failed', score: 0, max_score: 1 });
    expect(results.tests.reduce((sum, test) => sum + test.max_score, 0)).toBe(sample.max);
  });
});

/** Every check of every exercise failing with the same 6,000-character error (a file that throws at import). */
function worstCase(): Report {
  const error = `Error: thrown at import ${'x'.repeat(6000 - 24)}`;
  return scoreReport({
    seed: 1,
    target: 'exercises',
    exercises: (manifest as readonly ExerciseSpec[]).map((exercise) =>
      scoreExercise({
        id: exercise.id,
        title: exercise.title,
        file: `exercises/${exercise.id}/index.ts`,
        checks: exercise.checks.map((check) => ({
          id: check.id,
          title: check.title,
          points: check.points,
          score: 0,
          status: 'error',
          message: error,
          hint: check.hint,
          visibility: visibilityOf(check),
        })),
      }),
    ),
  });
}

/** The worst case with every check worth 2 or more points passing and the rest failing: a partial score. */
function partial(): Report {
  const report = worstCase();
  return scoreReport({
    ...report,
    exercises: report.exercises.map((exercise) =>
      scoreExercise({
        ...exercise,
        checks: exercise.checks.map((check) =>
          check.points > 1 ? { ...check, status: 'pass', score: check.points, message: '' } : check,
        ),
      }),
    ),
  });
}

/**
 * What the reporter (classroom-resources/autograding-grading-reporter v1) shows for one runner: its Points notice
 * (sum of test scores / max_score), its log's total (tests passed / tests × max_score) and its test count. The real
 * reporter is run on the worst case by scripts/reporter-check.ts; this mirrors its arithmetic for the test suite.
 */
function reporterTotals(result: ClassroomResult) {
  const points = result.tests.reduce((sum, test) => sum + test.score, 0);
  const passed = result.tests.filter((test) => test.status === 'pass').length;
  const logged = (passed / result.tests.length) * result.max_score;
  return {
    points: `Points ${points}/${result.max_score}`,
    log: `Total points for awaitlings: ${logged.toFixed(2)}/${result.max_score}`,
    tests: `Grand total tests passed: ${passed}/${result.tests.length}`,
  };
}
