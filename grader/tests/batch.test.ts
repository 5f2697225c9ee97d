import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ClassSummary, gradeBatch, gradebookCsv, parseShard, shardOf } from '../node/class/batch.ts';
import { renderClassSummary, renderFeedback } from '../node/class/class-summary.ts';
import { writeSampleClass } from '../node/class/sample-class.ts';
import {
  mergeRecords,
  parseStudentRecord,
  RecordError,
  type StudentRecord,
} from '../node/class/student-record.ts';
import { takeExercises } from '../node/class/submission.ts';
import { KIT_ROOT } from '../node/grading/run.ts';

const scratch = mkdtempSync(join(tmpdir(), 'awaitlings-batch-test-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('takeExercises() - only regular .ts files under exercises/', () => {
  const student = join(scratch, 'intake', 'ada');
  const secret = join(scratch, 'intake', 'secret.ts');

  beforeAll(() => {
    mkdirSync(join(student, 'exercises/01-fetch-all/lib'), { recursive: true });
    writeFileSync(secret, 'export const answer = 42;\n');
    writeFileSync(join(student, 'exercises/01-fetch-all/index.ts'), 'export const mine = 1;\n');
    writeFileSync(join(student, 'exercises/01-fetch-all/lib/util.ts'), 'export const util = 2;\n');
    writeFileSync(join(student, 'exercises/01-fetch-all/notes.md'), '# notes\n');
    writeFileSync(join(student, 'exercises/01-fetch-all/big.ts'), `// ${'x'.repeat(200_000)}\n`);
    writeFileSync(join(student, 'exercises/01-fetch-all/.hidden.ts'), 'export {};\n');
    symlinkSync(secret, join(student, 'exercises/01-fetch-all/link.ts'));
    symlinkSync(join(scratch, 'intake'), join(student, 'exercises/02-outside'));
    writeFileSync(join(student, 'package.json'), '{}');
  });

  test('copies regular .ts files and ignores links, other files and oversize files, each with a reason', () => {
    const to = join(scratch, 'intake-out');
    const taken = takeExercises(student, to);
    expect(taken.found).toBe(true);
    expect(taken.kept).toEqual(['exercises/01-fetch-all/index.ts', 'exercises/01-fetch-all/lib/util.ts']);
    expect(taken.ignored).toEqual([
      { file: 'exercises/01-fetch-all/.hidden.ts', reason: expect.stringContaining('dot file') },
      { file: 'exercises/01-fetch-all/big.ts', reason: '200004 bytes, over the 131072-byte limit' },
      { file: 'exercises/01-fetch-all/link.ts', reason: 'a symbolic link' },
      { file: 'exercises/01-fetch-all/notes.md', reason: 'not a .ts file' },
      { file: 'exercises/02-outside', reason: 'a symbolic link' },
    ]);
    expect(walk(to)).toEqual(taken.kept);
  });

  test('ignores an exercises/ folder that is a symbolic link (to the solutions, say)', () => {
    const linked = join(scratch, 'intake', 'eve');
    mkdirSync(linked);
    symlinkSync(join(KIT_ROOT, 'solutions'), join(linked, 'exercises'));
    const taken = takeExercises(linked, join(scratch, 'intake-eve'));
    expect(taken).toEqual({
      found: false,
      kept: [],
      ignored: [{ file: 'exercises', reason: 'a symbolic link (the whole exercises folder)' }],
    });
  });

  test('stops at the file count and total size limits', () => {
    const taken = takeExercises(student, join(scratch, 'intake-limited'), { maxFiles: 1 });
    expect(taken.kept).toEqual(['exercises/01-fetch-all/index.ts']);
    expect(taken.ignored).toContainEqual({
      file: 'exercises/01-fetch-all/lib/util.ts',
      reason: 'more than 1 files',
    });
  });
});

describe('shards', () => {
  test('parseShard() reads i/n and names `--shard` when it is wrong', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/3', '4/3', '3', 'a/b', '1/0', '-1/2']) {
      expect(() => parseShard(bad), bad).toThrow(/Expected `--shard` to be i\/n/);
    }
  });

  test('shardOf() gives every student to exactly one shard, the same one whatever the listing order', () => {
    const students = Array.from({ length: 61 }, (_, i) => `s${i}`);
    const shuffled = [...students].reverse();
    const shards = [1, 2, 3, 4].map((index) => shardOf(shuffled, { index, count: 4 }));
    expect(shards.flat().sort()).toEqual([...students].sort());
    expect(shards.map((shard) => shard.length)).toEqual([16, 15, 15, 15]);
    expect(shardOf(students, { index: 2, count: 4 })).toEqual(shards[1]);
  });
});

describe('a class of 60 graded in shards', { timeout: 600_000 }, () => {
  const dir = join(scratch, 'class');
  const ids = ['05-backoff-retry'];
  let students: ReturnType<typeof writeSampleClass>;
  let whole: ClassSummary;
  let wholeCsv: string;

  beforeAll(async () => {
    students = writeSampleClass(KIT_ROOT, dir, 60);
    // Extra files that must be ignored (and logged), and one student whose exercises/ is a link to the solutions.
    symlinkSync(
      join(KIT_ROOT, 'solutions/05-backoff-retry/index.ts'),
      join(dir, 'student-01/exercises/05-backoff-retry/answer.ts'),
    );
    writeFileSync(join(dir, 'student-02/exercises/05-backoff-retry/huge.ts'), `// ${'x'.repeat(300_000)}\n`);
    mkdirSync(join(dir, 'student-61-linked'));
    symlinkSync(join(KIT_ROOT, 'solutions'), join(dir, 'student-61-linked/exercises'));
    mkdirSync(join(dir, 'student-62-empty'));
    whole = await gradeBatch({
      dir,
      exercises: ids,
      seed: 5,
      outDir: join(scratch, 'whole'),
      concurrency: 2,
      allowReferenceImports: true,
    });
    wholeCsv = gradebookCsv(whole, ids);
  }, 900_000);

  test('the unsharded gradebook holds every student’s known score', () => {
    const rows = wholeCsv.trim().split('\n');
    expect(rows[0]).toBe('student,05-backoff-retry,total,max,status');
    const kinds = new Set<string>();
    for (const student of students) {
      const submission = student.submissions.find((s) => s.exercise === '05-backoff-retry')!;
      kinds.add(submission.kind);
      expect(rows).toContain(`${student.name},${submission.expected},${submission.expected},20,graded`);
    }
    expect(kinds).toEqual(new Set(['stub', 'solution', 'mistake']));
    expect(rows.at(-2)).toBe('student-61-linked,,,,missing');
    expect(rows.at(-1)).toBe('student-62-empty,,,,missing');
  });

  test('symbolic links and oversize files are recorded as ignored and never graded', () => {
    const record = (name: string) =>
      JSON.parse(readFileSync(join(scratch, 'whole', `${name}.json`), 'utf8')) as StudentRecord;
    expect(record('student-01').ignored).toContainEqual({
      file: 'exercises/05-backoff-retry/answer.ts',
      reason: 'a symbolic link',
    });
    expect(record('student-02').ignored).toContainEqual({
      file: 'exercises/05-backoff-retry/huge.ts',
      reason: '300004 bytes, over the 131072-byte limit',
    });
    expect(record('student-61-linked')).toMatchObject({
      status: 'missing',
      ignored: [{ file: 'exercises', reason: 'a symbolic link (the whole exercises folder)' }],
    });
    // Reports name the student's files as the class folder lays them out, not the private staging folder.
    expect(record('student-03').report?.exercises[0].file).toBe(
      'student-03/exercises/05-backoff-retry/index.ts',
    );
  });

  test('three shards merge to exactly the unsharded gradebook', async () => {
    const out = join(scratch, 'sharded');
    for (const index of [1, 2, 3]) {
      await gradeBatch({
        dir,
        exercises: ids,
        seed: 5,
        shard: { index, count: 3 },
        outDir: join(out, `reports-${index}`, `shard-${index}`),
        concurrency: 2,
        allowReferenceImports: true,
      });
    }
    const counts = [1, 2, 3].map(
      (index) => readdirSync(join(out, `reports-${index}`, `shard-${index}`)).length,
    );
    expect(counts).toEqual([21, 21, 20]);
    const merged = mergeRecords(out);
    expect(gradebookCsv(merged, ids)).toBe(wholeCsv);
    expect(merged.distribution).toEqual(whole.distribution);
  });

  test('the class summary and the feedback files', () => {
    const summary = renderClassSummary(whole);
    expect(summary).toContain('## awaitlings: class of 62');
    expect(summary).toContain('60 graded, 2 with no exercises/ folder, 0 the grader could not grade.');
    expect(summary).toMatch(/\| 05-backoff-retry · .+ \| \d+\/60 \(\d+%\) \|/);
    const feedback = renderFeedback(whole.results.find((result) => result.student === 'student-01')!);
    expect(feedback).toContain('- not graded: `exercises/05-backoff-retry/answer.ts` (a symbolic link)');
    expect(feedback).toContain('## awaitlings: ');
  });

  test('a merge trusts only records it can check, and names the file it refuses', () => {
    const good = readFileSync(join(scratch, 'whole', 'student-03.json'), 'utf8');
    const record = JSON.parse(good) as StudentRecord;
    const failing = record.report!.exercises[0].checks.find((check) => check.status !== 'pass');
    const cases: Array<[string, string, RegExp]> = [
      ['not json', '{', /not JSON/],
      [
        'wrong schema',
        JSON.stringify({ ...record, schema: 'awaitlings.student/0' }),
        /expected schema awaitlings\.student\/1/,
      ],
      ['renamed', good, /holds student student-03, but the file is not named student-03\.json/],
      [
        'inflated',
        JSON.stringify({ ...record, report: { ...record.report, score: 100 } }),
        /report says 100\/20, its exercises add up to/,
      ],
      ['points', good.replace(/"points": (\d+)/, '"points": 99'), /is worth \d+ points, the record says 99/],
      [
        'unknown check',
        good.replace(/"id": "([a-z-]+)",\n(\s+)"title"/, '"id": "made-up",\n$2"title"'),
        /has no check made-up/,
      ],
      ['bad status', good.replace(/"status": "(pass|fail|error)"/, '"status": "passed"'), /status must be/],
    ];
    if (failing) {
      // Turning a failed check into a pass without fixing the totals is caught by the totals.
      const forged = good.replace(
        new RegExp(`("id": "${failing.id}",[\\s\\S]*?"status": )"(fail|error)"`),
        '$1"pass"',
      );
      cases.push(['forged pass', forged, /says \d+\/20, its checks add up to/]);
    }
    for (const [name, text, error] of cases) {
      const file = `reports/${name === 'renamed' ? 'renamed' : 'student-03'}.json`;
      expect(() => parseStudentRecord(text, file), name).toThrow(RecordError);
      expect(() => parseStudentRecord(text, file), name).toThrow(error);
      expect(() => parseStudentRecord(text, file), name).toThrow(
        new RegExp(`^${file.replace('.', '\\.')}: `),
      );
    }
    // The same student in two shards is refused too.
    const twice = join(scratch, 'twice');
    for (const shard of ['a', 'b']) {
      mkdirSync(join(twice, shard), { recursive: true });
      cpSync(join(scratch, 'whole', 'student-03.json'), join(twice, shard, 'student-03.json'));
    }
    expect(() => mergeRecords(twice)).toThrow(/student student-03 is also recorded in/);
  });
});

function walk(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? walk(join(dir, entry.name), `${prefix}${entry.name}/`)
        : [`${prefix}${entry.name}`],
    )
    .sort();
}
