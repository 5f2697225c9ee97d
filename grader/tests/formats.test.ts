import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { encodeClassroom, toClassroomResult } from '../node/formats/classroom.ts';
import { toGradescope } from '../node/formats/gradescope.ts';
import { FORMATS, type FormatName, parseFormat } from '../node/formats/index.ts';
import { annotations, neutralise } from '../node/github.ts';
import { REPORT_SCHEMA, type Report } from '../node/report.ts';
import { KIT_ROOT } from '../node/run.ts';

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
  test('the result decodes to the reporter’s format, one test per check with its points as score', () => {
    const decoded = JSON.parse(Buffer.from(encodeClassroom(sample), 'base64').toString('utf8'));
    expect(decoded).toEqual(toClassroomResult(sample));
    expect(decoded).toMatchObject({ version: 1, status: 'error', max_score: sample.max });
    const checks = sample.exercises.flatMap((exercise) => exercise.checks);
    expect(decoded.tests).toHaveLength(checks.length);
    for (const test of decoded.tests) {
      expect(Object.keys(test).sort()).toEqual(
        ['duration', 'filename', 'line_no', 'message', 'name', 'score', 'status', 'test_code'].sort(),
      );
    }
  });

  test("the reporter's aggregation (sum of test scores over sum of max_score) gives our score", () => {
    // GitHub Classroom's reporter adds every runner's test scores and max_score; reproduced here for one runner.
    const runners = [{ results: toClassroomResult(sample) }];
    const totals = runners.reduce(
      (acc, { results }) => {
        if (!results.max_score) return acc;
        acc.max += results.max_score;
        for (const { score } of results.tests) acc.total += score;
        return acc;
      },
      { total: 0, max: 0 },
    );
    expect(totals).toEqual({ total: sample.score, max: sample.max });
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
