import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { loadMistakes } from '../node/mistakes.ts';
import type { Report } from '../node/report.ts';
import { KIT_ROOT } from '../node/run.ts';

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

  test.each([
    [['--file', MISTAKE], 'name exactly one exercise, e.g. npm run grade -- 01 --file'],
    [['01', '02', '--file', MISTAKE], 'name exactly one exercise'],
    [['05', '--file', 'fixtures/no-such-file.ts'], '`--file` fixtures/no-such-file.ts does not exist'],
    [['05', '--file', 'fixtures'], '`--file` fixtures is a folder'],
    [['05', '--file'], 'Expected `--file` to be the path of a .ts file'],
    [['05', '--file', MISTAKE, '--watch'], 'cannot be combined with `--watch`'],
    [['77', '--file', MISTAKE], 'Unknown exercise `77`'],
  ])('%j is a usage error (exit 2) that says what to write', (args, message) => {
    const result = grade(...args);
    expect(result.output).toContain(message);
    expect(result.output).toContain('Usage: npm run grade');
    expect(result.status).toBe(2);
  });
});
