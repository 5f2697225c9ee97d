import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ExerciseSpec, manifest } from '../manifest.ts';
import { Grader, KIT_ROOT } from '../node/grading/run.ts';
import { copyKit } from '../node/kit/kit-files.ts';
import { totals } from '../node/kit/kit-lists.ts';
import {
  checkFiles,
  checkManifestText,
  checkOrphanSuites,
  checkSuiteAgreement,
  type Problem,
} from '../node/kit/verify.ts';
import { exerciseOfKitFile, lintKit, typeCheckKit } from '../node/kit/verify-static.ts';
import type { Report } from '../node/report/report.ts';

/**
 * What `npm run verify` checks, as the kit's own tests: the cheap criteria over the real kit, then each failure
 * mode on a temporary copy of the kit, proving verify fails and names the problem.
 */
const exercises = manifest as readonly ExerciseSpec[];
const scratch = mkdtempSync(join(tmpdir(), 'awaitlings-verify-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const messages = (problems: readonly Problem[]) => problems.map((problem) => problem.message);

describe('the kit as it is', () => {
  let grader: Grader;
  let stubs: Report;
  beforeAll(async () => {
    grader = await Grader.start();
    stubs = await grader.grade({ target: 'exercises', seed: 1 });
  });
  afterAll(async () => {
    await grader?.close();
  });

  test('no placeholder or empty text in the manifest', () => {
    expect(messages(exercises.flatMap(checkManifestText))).toEqual([]);
  });

  test('every exercise has a stub with a // TODO, a README, a solution and a suite', () => {
    expect(messages(exercises.flatMap((exercise) => checkFiles(KIT_ROOT, exercise)))).toEqual([]);
  });

  test('every suite file belongs to an exercise', () => {
    expect(messages(checkOrphanSuites(KIT_ROOT, exercises))).toEqual([]);
  });

  test('the suites and the manifest agree: one test per check, hidden checks only in hidden files', () => {
    expect(stubs.exercises.map((exercise) => exercise.id)).toEqual(exercises.map((exercise) => exercise.id));
    const problems = exercises.flatMap((exercise) =>
      checkSuiteAgreement(
        exercise,
        grader.lastSuiteFiles.filter((file) => file.exercise === exercise.id),
      ),
    );
    expect(messages(problems)).toEqual([]);
  });

  test('the solutions score full marks under another seed too', { timeout: 300_000 }, async () => {
    for (const seed of [424242]) {
      const report = await grader.grade({ target: 'solutions', seed });
      const failing = report.exercises.flatMap((exercise) =>
        exercise.checks
          .filter((check) => check.status !== 'pass')
          .map((check) => `seed ${seed}: ${exercise.id}/${check.id}: ${check.message}`),
      );
      expect(failing).toEqual([]);
    }
  });
});

describe('checkSuiteAgreement()', () => {
  const exercise: ExerciseSpec = {
    id: '09-sample',
    title: 'Sample',
    points: 3,
    hints: ['Look.'],
    checks: [
      { id: 'one', title: 'one', points: 1, hint: 'h' },
      { id: 'two', title: 'two', points: 1, hint: 'h' },
      { id: 'secret', title: 'secret', points: 1, hint: 'h', visibility: 'hidden' },
    ],
  };
  const file = (name: string, tests: string[], errors: string[] = []) => ({
    exercise: '09-sample',
    file: `grader/suites/${name}`,
    tests,
    errors,
    durationMs: 1,
  });

  test('accepts public checks in the public file and hidden ones in the hidden file', () => {
    const files = [file('09-sample.test.ts', ['one', 'two']), file('09-sample.hidden.ts', ['secret'])];
    expect(checkSuiteAgreement(exercise, files)).toEqual([]);
  });

  test('names a check without a test, a test without a check, and checks in the wrong file', () => {
    const files = [file('09-sample.test.ts', ['one', 'secret', 'extra']), file('09-sample.hidden.ts', [])];
    expect(messages(checkSuiteAgreement(exercise, files))).toEqual([
      expect.stringContaining('`secret` is a hidden check but grader/suites/09-sample.test.ts is public'),
      expect.stringContaining('has a test `extra` that is not a check of `09-sample`'),
      expect.stringContaining("the manifest's check `two` has no test"),
    ]);
  });

  test('reports a suite file that could not be loaded', () => {
    const files = [file('09-sample.test.ts', [], ['check `x` is not in grader/manifest.ts'])];
    expect(messages(checkSuiteAgreement(exercise, files))).toEqual([
      'grader/suites/09-sample.test.ts could not be loaded: check `x` is not in grader/manifest.ts',
    ]);
  });
});

/** Exercise 01's mistake kept in the scratch kits: one mistake and no styles keep each verify run short. */
const KEPT_MISTAKE = 'fixtures/mistakes/01-fetch-all/no-res-ok.ts';

function scratchKit(name: string): string {
  const kit = join(scratch, name);
  copyKit(kit, {
    filter: (file) =>
      !file.startsWith('fixtures/styles/') &&
      (!file.startsWith('fixtures/mistakes/') || file === KEPT_MISTAKE),
  });
  return kit;
}

function npm(kit: string, ...args: string[]): { status: number | null; output: string } {
  const result = spawnSync('npm', ['run', '--silent', ...args], {
    cwd: kit,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', CI: 'true' },
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

/**
 * `npm run verify` on exercise 01 with one seed. Lint and the type check are skipped unless a test is about them:
 * they have tests of their own, and the type check alone takes 10-20 s.
 */
function verify(kit: string, ...options: string[]): { status: number | null; output: string } {
  const skip = options.length === 0 ? ['--no-lint', '--no-typecheck'] : [];
  return npm(kit, 'verify', '--', '01', '--seeds', '20261122', ...skip, ...options);
}

/** Replaces `from` in a kit file, failing loudly when the file no longer holds it. */
function edit(kit: string, file: string, from: string | RegExp, to: string): void {
  const path = join(kit, file);
  const text = readFileSync(path, 'utf8');
  expect(text, `${file} should contain ${from}`).toMatch(from);
  writeFileSync(path, text.replace(from, to));
}

/**
 * Real-time limits here are 4x what each test took on 2 cores at a load average of 20 (up to 100 s for the sound
 * kit with lint and types, 20-30 s for the others), so a machine 4x slower still passes.
 */
describe('npm run verify on a scratch copy of the kit', { timeout: 420_000 }, () => {
  test('passes on the kit as it is, lint and types included; a suite past its time budget is a warning', () => {
    const result = verify(scratchKit('sound'), '--budget', '10');
    expect(result.output).toMatch(/^01-fetch-all +✓ +✓ +✓ +✓ +✓ /m);
    expect(result.output).toMatch(
      /⚠ 01-fetch-all \[time\] its suite took [\d.]+ m?s against the solution, past the 10 ms budget\. Not a verdict/,
    );
    expect(result.output).toContain('The kit is sound.');
    expect(result.status).toBe(0);
  });

  test('fails naming a broken solution, and says what it did not check', () => {
    const kit = scratchKit('broken-solution');
    edit(kit, 'solutions/01-fetch-all/index.ts', 'if (!response.ok) {', 'if (false) {');
    const result = verify(kit);
    expect(result.status).toBe(1);
    expect(result.output).toContain(
      'the reference solution solutions/01-fetch-all/index.ts fails `failures-become-outcomes`',
    );
    expect(result.output).toContain('Not checked in this run: lint and types');
    expect(result.output).toMatch(/^01-fetch-all +✓ +✓ +– +– +✓ +✗ \d+ /m);
  });

  test('fails naming a stub that passes checks', () => {
    const kit = scratchKit('passing-stub');
    const solved = readFileSync(join(kit, 'solutions/01-fetch-all/index.ts'), 'utf8');
    writeFileSync(join(kit, 'exercises/01-fetch-all/index.ts'), `${solved}\n// TODO: nothing left\n`);
    const result = verify(kit);
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/the stub exercises\/01-fetch-all\/index\.ts passes `starts-all-at-once`/);
  });

  test('fails naming a mistake that stopped failing its checks', () => {
    const kit = scratchKit('harmless-mistake');
    writeFileSync(
      join(kit, KEPT_MISTAKE),
      "/**\n * @fails failures-become-outcomes\n */\nexport * from '../../../solutions/01-fetch-all/index.ts';\n",
    );
    const result = verify(kit);
    expect(result.status).toBe(1);
    expect(result.output).toContain(
      `${KEPT_MISTAKE} must fail exactly \`failures-become-outcomes\`, but it no longer fails \`failures-become-outcomes\``,
    );
  });

  test('fails naming every way the manifest and the suites disagree', () => {
    const kit = scratchKit('disagreeing');
    // A test the manifest does not know.
    const suite = join(kit, 'grader/suites/01-fetch-all.test.ts');
    writeFileSync(
      suite,
      `${readFileSync(suite, 'utf8')}\nimport { test as plainTest } from 'vitest';\nplainTest('not-in-manifest', () => {});\n`,
    );
    // A check no suite tests (the exercise's points grow with it, so the manifest stays valid).
    edit(
      kit,
      'grader/manifest.ts',
      "title: 'Fetch five URLs at once',\n    points: 20,",
      "title: 'Fetch five URLs at once',\n    points: 21,",
    );
    edit(
      kit,
      'grader/manifest.ts',
      "checks: [\n      {\n        id: 'starts-all-at-once',",
      "checks: [\n      { id: 'untested-rule', title: 'a rule', points: 1, hint: 'a hint' },\n      {\n        id: 'starts-all-at-once',\n        visibility: 'hidden',",
    );
    // ...and `first-all-fail` made public while it lives in the hidden suite file.
    edit(kit, 'grader/manifest.ts', /(id: 'first-all-fail',[^}]*?)\n\s*visibility: 'hidden',/, '$1');
    const result = verify(kit);
    expect(result.status).toBe(1);
    expect(result.output).toContain(
      'grader/suites/01-fetch-all.test.ts has a test `not-in-manifest` that is not a check of `01-fetch-all`',
    );
    expect(result.output).toContain("the manifest's check `untested-rule` has no test");
    expect(result.output).toContain(
      '`starts-all-at-once` is a hidden check but grader/suites/01-fetch-all.test.ts is public',
    );
    expect(result.output).toContain(
      '`first-all-fail` is a public check but lives in grader/suites/01-fetch-all.hidden.ts',
    );
  });
});

// lintKit and typeCheckKit took 37 s on a loaded 2-core machine.
describe('lint and types', { timeout: 180_000 }, () => {
  test("exerciseOfKitFile() - an exercise file names its exercise; the kit's own files name none", () => {
    expect(
      [
        'exercises/01-fetch-all/index.ts',
        'solutions/04-polite-scraper/helpers.ts',
        'fixtures/mistakes/05-backoff-retry/lib/retry.ts',
        'fixtures/styles/02-rate-limited-client/class.ts',
        'grader/suites/03-producer-consumer.hidden.ts',
        'grader/suites/03-producer-consumer.test.ts',
        'grader/manifest.ts',
        'fixtures/hostile/loop.ts',
        'README.md',
      ].map(exerciseOfKitFile),
    ).toEqual([
      '01-fetch-all',
      '04-polite-scraper',
      '05-backoff-retry',
      '02-rate-limited-client',
      '03-producer-consumer',
      '03-producer-consumer',
      undefined,
      undefined,
      undefined,
    ]);
  });

  test('lintKit() and typeCheckKit() - name the file, line and rule of each problem', () => {
    const kit = scratchKit('static');
    const solution = join(kit, 'solutions/01-fetch-all/index.ts');
    const lines = readFileSync(solution, 'utf8').split('\n').length;
    writeFileSync(
      solution,
      `${readFileSync(solution, 'utf8')}export const wrong: number = 'text';\nexport const spaced   =  1\n`,
    );
    // Only the solution's: the rest of the kit is another test's business.
    const located = (problems: ReturnType<typeof lintKit>) =>
      problems
        .filter((problem) => problem.file.startsWith('solutions/'))
        .map((problem) => `${problem.file}:${problem.line} ${problem.rule}`);
    expect(located(lintKit(kit))).toEqual(['solutions/01-fetch-all/index.ts:0 format']);
    expect(located(typeCheckKit(kit))).toEqual([`solutions/01-fetch-all/index.ts:${lines} TS2322`]);
  });
});

// 82 s on a loaded 2-core machine: npm run new, grade, verify with lint and types, biome.
describe('npm run new', { timeout: 400_000 }, () => {
  test('scaffolds an exercise that grades at once and that verify holds back until it is written', () => {
    const kit = scratchKit('new-exercise');
    const next = String(Math.max(...exercises.map((exercise) => Number(exercise.id.slice(0, 2)))) + 1);
    const id = `${next.padStart(2, '0')}-demo`;
    const created = npm(kit, 'new', '--', 'demo');
    expect(created.status, created.output).toBe(0);
    expect(created.output).toContain(`Created exercise ${id}`);
    expect(npm(kit, 'new', '--', 'demo').status).toBe(2);
    // The lists of exercises show it at once, and agree with the manifest it was appended to.
    for (const [file, link] of [
      ['README.md', `exercises/${id}/README.md`],
      ['docs/student-guide.md', `../exercises/${id}/README.md`],
    ]) {
      const text = readFileSync(join(kit, file), 'utf8');
      expect(text).toContain(`[TODO: the title students read](${link})`);
      expect(text).toContain(`${totals([...exercises, exercises[0]])}`);
    }
    expect(npm(kit, 'new', '--', '--lists').output).toContain('The lists are up to date.');

    const graded = npm(kit, 'grade', '--', 'demo', '--json', 'r.json');
    expect(graded.status, graded.output).toBe(0);
    const report: Report = JSON.parse(readFileSync(join(kit, 'r.json'), 'utf8'));
    expect(report.exercises.map((exercise) => [exercise.id, exercise.score, exercise.max])).toEqual([
      [id, 0, 20],
    ]);
    expect(graded.output).toContain(`Not started yet: exercises/${id}/index.ts`);

    const verified = npm(kit, 'verify', '--', 'demo', '--seeds', '1');
    expect(verified.status).toBe(1);
    const problems = verified.output.split('\n').filter((line) => line.includes(`✗ ${id}`));
    // The placeholders hold it back; the scaffolded solution, stub and suite are already sound.
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((line) => line.includes('[manifest]') && line.includes('placeholder'))).toBe(true);
    expect(lint(kit, `exercises/${id}`, `solutions/${id}`, `grader/suites/${id}.test.ts`)).toBe('');
  });
});

function lint(kit: string, ...files: string[]): string {
  const result = spawnSync(join(kit, 'node_modules/.bin/biome'), ['check', ...files], {
    cwd: kit,
    encoding: 'utf8',
  });
  return result.status === 0 ? '' : `${result.stdout}${result.stderr}`;
}
