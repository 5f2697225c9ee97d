import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chalk } from 'zx';
import { findExercise } from '../manifest.ts';
import { Grader, KIT_ROOT } from '../node/grading/run.ts';
import { TypeCheckThread } from '../node/grading/typecheck.ts';
import { gradeWithFeedback } from '../node/report/feedback.ts';
import { renderHtml } from '../node/report/html.ts';
import type { Report } from '../node/report/report.ts';
import { renderReport } from '../node/report/terminal.ts';

/**
 * Feedback that teaches, end to end: a type error and a syntax error in the student's file each give one line with
 * `file:line:col` and the compiler's message, and the rest of the report; a stub says kindly where to start.
 */
const EXERCISE = '01-fetch-all';
const solution = readFileSync(join(KIT_ROOT, 'solutions', EXERCISE, 'index.ts'), 'utf8');
const root = mkdtempSync(join(tmpdir(), 'awaitlings-feedback-'));
// Plain text: colour codes would only get in the way of the assertions.
chalk.level = 0;
const plain = chalk;
let grader: Grader;
let typeCheck: TypeCheckThread;

function target(name: string, source: string): string {
  const folder = join(root, name);
  mkdirSync(join(folder, EXERCISE), { recursive: true });
  writeFileSync(join(folder, EXERCISE, 'index.ts'), source);
  return folder;
}

function grade(targetDir: string): Promise<Report> {
  return gradeWithFeedback(
    grader,
    { exercises: [EXERCISE], target: targetDir, seed: 11 },
    { root: KIT_ROOT, typeCheck },
  );
}

beforeAll(async () => {
  typeCheck = TypeCheckThread.start(KIT_ROOT);
  grader = await Grader.start();
});

afterAll(async () => {
  await grader?.close();
  await typeCheck?.close();
  rmSync(root, { recursive: true, force: true });
});

const titles = findExercise(EXERCISE).checks.map((check) => check.title);

describe('a TypeScript problem in the student file', () => {
  test('a type error: one located line, and the checks still run', async () => {
    const line = solution.split('\n').length + 1;
    const report = await grade(target('type-error', `${solution}\nexport const answer: number = '42';\n`));
    const [exercise] = report.exercises;
    expect(exercise.diagnostics).toEqual([
      expect.objectContaining({ line, column: 14, code: 'TS2322', kind: 'type' }),
    ]);
    expect(exercise.score).toBe(exercise.max);
    const text = renderReport(report, { chalk: plain });
    const located = text.split('\n').filter((row) => /index\.ts:\d+:\d+/.test(row));
    expect(located).toHaveLength(1);
    expect(located[0]).toMatch(
      new RegExp(
        `type-error/${EXERCISE}/index\\.ts:${line}:14 {2}Type 'string' is not assignable to type 'number'`,
      ),
    );
    for (const title of titles) expect(text).toContain(title);
    expect(text).toContain('Score: 20/20');
  });

  test('a syntax error: one located line, every check listed as not run', async () => {
    const broken = solution.replace('export async function fetchAll(', 'export async function fetchAll((');
    expect(broken).not.toBe(solution);
    const report = await grade(target('syntax-error', broken));
    const [exercise] = report.exercises;
    expect(exercise.diagnostics?.[0]).toEqual(expect.objectContaining({ kind: 'syntax' }));
    expect(exercise.checks.every((check) => check.status === 'error')).toBe(true);
    const text = renderReport(report, { chalk: plain });
    const located = text.split('\n').filter((row) => /index\.ts:\d+:\d+/.test(row));
    expect(located).toHaveLength(1);
    expect(located[0]).toMatch(/syntax-error\/01-fetch-all\/index\.ts:\d+:\d+ {2}\S/);
    for (const title of titles) expect(text).toContain(title);
    expect(text).toContain('Score: 0/20');
    expect(renderHtml(report)).toContain('class="diagnostics syntax"');
  });

  test('a stub: not started yet, said kindly, with where to begin and the first hint only', async () => {
    const report = await grade(join(KIT_ROOT, 'exercises'));
    const text = renderReport(report, { chalk: plain });
    const hints = findExercise(EXERCISE).hints;
    expect(text).toContain('Not started yet');
    expect(text).toContain(`Read exercises/${EXERCISE}/README.md, then follow the TODOs`);
    expect(text).toContain(hints[0]);
    for (const later of hints.slice(1)) expect(text).not.toContain(later);
    expect(report.exercises[0].diagnostics).toEqual([]);
  });
});
