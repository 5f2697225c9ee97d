import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { singleFile } from '../../scripts/grade-file.ts';
import { KIT_ROOT } from '../node/grading/run.ts';
import { loadMistakes } from '../node/kit/mistakes.ts';
import type { Report } from '../node/report/report.ts';

/** `npm run grade -- <exercise> --file <path>`: one file graded as one exercise's index.ts. */
const scratch = mkdtempSync(join(tmpdir(), 'awaitlings-grade-file-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function grade(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/grade.ts', ...args], {
    cwd: KIT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', CI: '', GITHUB_ACTIONS: '' },
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

const EXERCISE = '05-backoff-retry';
const MISTAKE = `fixtures/mistakes/${EXERCISE}/no-cap.ts`;

describe('npm run grade -- <exercise> --file <path>', () => {
  test('grades one mistake as the exercise: it fails exactly the checks it declares', () => {
    const json = join(scratch, 'report.json');
    const result = grade('05', '--file', MISTAKE, '--seed', '5', '--json', json);
    expect(result.status, result.output).toBe(0);
    const report: Report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.exercises.map((exercise) => exercise.id)).toEqual([EXERCISE]);
    const [exercise] = report.exercises;
    expect(exercise.file).toContain(MISTAKE);
    const declared = loadMistakes(KIT_ROOT, EXERCISE).find((mistake) => mistake.file === MISTAKE)!.fails;
    const failing = exercise.checks.filter((check) => check.status !== 'pass').map((check) => check.id);
    expect(failing.sort()).toEqual([...declared].sort());
  });

  test("a property's Reproduce line grades the same file again", () => {
    const json = join(scratch, 'reproduce.json');
    const mistake = 'fixtures/mistakes/01-fetch-all/await-in-loop.ts';
    const result = grade('01', '--file', mistake, '--seed', '5', '--json', json);
    expect(result.status, result.output).toBe(0);
    const report: Report = JSON.parse(readFileSync(json, 'utf8'));
    const lines = report.exercises[0].checks.flatMap((check) => check.message.match(/Reproduce: .*/g) ?? []);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toBe(`Reproduce: npm run grade -- 01 --file ${mistake} --seed 5`);
  });

  test('a bad use is a usage error: exit 2, with what to write and the usage', () => {
    const result = grade('--file', MISTAKE);
    expect(result.output).toContain('name exactly one exercise, e.g. npm run grade -- 01 --file');
    expect(result.output).toContain('Usage: npm run grade');
    expect(result.status).toBe(2);
  });
});

describe('singleFile()', () => {
  const usage = (exercises: string[] | undefined, file: unknown, others: string[] = []) => {
    try {
      singleFile(exercises, file, KIT_ROOT, others);
    } catch (error) {
      return `${(error as Error).constructor.name}: ${(error as Error).message}`;
    }
    return 'no error';
  };

  test('resolves the file against the working directory, for the one exercise named', () => {
    expect(singleFile([EXERCISE], MISTAKE, KIT_ROOT, [])).toEqual({
      exercises: [EXERCISE],
      files: { [EXERCISE]: join(KIT_ROOT, MISTAKE) },
    });
  });

  test.each([
    [undefined, MISTAKE, [], 'name exactly one exercise, e.g. npm run grade -- 01 --file'],
    [[EXERCISE, '01-fetch-all'], MISTAKE, [], 'name exactly one exercise'],
    [[EXERCISE], 'fixtures/no-such-file.ts', [], '`--file` fixtures/no-such-file.ts does not exist'],
    [[EXERCISE], 'fixtures', [], '`--file` fixtures is a folder'],
    [[EXERCISE], '', [], 'Expected `--file` to be the path of a .ts file'],
    [[EXERCISE], MISTAKE, ['watch'], 'cannot be combined with `--watch`'],
  ])('%j, %j, %j is a UsageError that says what to write', (exercises, file, others, message) => {
    expect(usage(exercises, file, others)).toMatch(/^UsageError: /);
    expect(usage(exercises, file, others)).toContain(message);
  });
});
