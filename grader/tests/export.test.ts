import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { YAML } from 'zx';
import { type ExerciseSpec, manifest, visibilityOf } from '../manifest.ts';
import { KIT_ROOT } from '../node/grading/run.ts';
import { type ExportResult, exportTemplate, publicManifest } from '../node/kit/export.ts';
import { copyKit, kitFiles } from '../node/kit/kit-files.ts';
import type { Report } from '../node/report/report.ts';

/** The student template: written once to a scratch folder (node_modules linked), then searched and graded. */
const exercises = manifest as readonly ExerciseSpec[];
const scratch = mkdtempSync(join(tmpdir(), 'awaitlings-export-'));
const template = join(scratch, 'template');
const KIT_COMMIT = '0123456789abcdef0123456789abcdef01234567';
let result: ExportResult;
let files: string[];

beforeAll(async () => {
  result = await exportTemplate({
    root: KIT_ROOT,
    to: template,
    kitRepo: 'example-class/awaitlings-template',
    kitRef: KIT_COMMIT,
    linkNodeModules: true,
  });
  files = walk(template);
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules') return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [relative(template, path).replace(/\\/g, '/')];
  });
}

function run(command: string, args: string[]): { status: number | null; output: string } {
  const ran = spawnSync(command, args, {
    cwd: template,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', CI: 'true' },
  });
  return { status: ran.status, output: `${ran.stdout}\n${ran.stderr}` };
}

describe('npm run export', { timeout: 300_000 }, () => {
  test('writes the stubs, the grader with its public suites, the scripts, package files and the workflow', () => {
    for (const exercise of exercises) {
      expect(files).toContain(`exercises/${exercise.id}/index.ts`);
      expect(files).toContain(`grader/suites/${exercise.id}.test.ts`);
    }
    for (const file of [
      'README.md',
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'biome.json',
      '.gitignore',
      'scripts/grade.ts',
      'grader/manifest.ts',
      'grader/vitest.config.ts',
      '.github/workflows/classroom.yml',
    ]) {
      expect(files).toContain(file);
    }
    expect(result.files.sort()).toEqual([...files].sort());
  });

  test('leaves out the solutions, the mistakes, the hidden checks and the kit’s own tests', () => {
    const forbidden = files.filter((file) =>
      /^(solutions|fixtures|docs|\.ci)\/|^grader\/tests\/|\.hidden\.ts$|^stryker\.config|^vitest\.config/.test(
        file,
      ),
    );
    expect(forbidden).toEqual([]);
    const exported = readFileSync(join(template, 'grader/manifest.ts'), 'utf8');
    for (const exercise of exercises) {
      for (const check of exercise.checks.filter((spec) => visibilityOf(spec) === 'hidden')) {
        expect(exported, `${exercise.id}/${check.id}`).not.toContain(`'${check.id}'`);
      }
    }
  });

  test('keeps only the npm scripts that work without the instructor’s files', () => {
    const pkg = JSON.parse(readFileSync(join(template, 'package.json'), 'utf8'));
    const kit = JSON.parse(readFileSync(join(KIT_ROOT, 'package.json'), 'utf8'));
    expect(Object.keys(pkg.scripts)).toContain('grade');
    for (const name of ['test', 'verify', 'new', 'export', 'mutation'])
      expect(pkg.scripts).not.toHaveProperty(name);
    for (const command of Object.values<string>(pkg.scripts)) {
      for (const [file] of command.matchAll(/scripts\/[\w./-]+\.ts/g)) expect(files).toContain(file);
    }
    // `npm ci` needs package.json and the lockfile to agree.
    expect(pkg.devDependencies).toEqual(kit.devDependencies);
  });

  test('points the classroom workflow at the template repository, pinned to a commit', () => {
    const workflow = YAML.parse(readFileSync(join(template, '.github/workflows/classroom.yml'), 'utf8'));
    expect(workflow.env).toMatchObject({
      AWAITLINGS_KIT_REPO: 'example-class/awaitlings-template',
      AWAITLINGS_KIT_REF: KIT_COMMIT,
    });
    // The instructor's class grading stays in the kit: its workflow, its collect script.
    expect(files.filter((file) => /grade-class|collect/.test(file))).toEqual([]);
    expect(result.scripts.dropped).toContain('collect');
  });

  test('refuses a branch or tag as the kit ref, before writing anything', async () => {
    for (const kitRef of ['main', 'v1', 'abc1234', '0'.repeat(40)]) {
      const to = join(scratch, `unpinned-${kitRef}`);
      await expect(exportTemplate({ root: KIT_ROOT, to, kitRef })).rejects.toThrow(
        /Expected `--kit-ref` to be a commit \(40 hex digits/,
      );
      expect(existsSync(to)).toBe(false);
    }
  });

  test('holds no solution code', () => {
    const lines = solutionLines();
    for (const exercise of exercises) {
      // Enough lines to recognise each solution by, or the search below proves nothing.
      expect(lines.filter((line) => line.exercise === exercise.id).length, exercise.id).toBeGreaterThan(10);
    }
    const leaks = lines.flatMap(({ exercise, line }) =>
      files
        .filter((file) => readFileSync(join(template, file), 'utf8').includes(line))
        .map((file) => `${file} holds a line of solutions/${exercise}: ${line}`),
    );
    expect(leaks).toEqual([]);
  });

  test('grades on its own: the public checks listed, the hidden ones counted', () => {
    const graded = run('npm', ['run', '--silent', 'grade', '--', '--json', 'r.json']);
    expect(graded.status, graded.output).toBe(0);
    const report: Report = JSON.parse(readFileSync(join(template, 'r.json'), 'utf8'));
    const expected = publicManifest(exercises);
    expect(
      report.exercises.map((exercise) => [exercise.id, exercise.checks.map((check) => check.id)]),
    ).toEqual(expected.map((exercise) => [exercise.id, exercise.checks.map((check) => check.id)]));
    expect(report.score).toBe(0);
    for (const exercise of expected.filter((spec) => spec.hidden)) {
      const { checks, points } = exercise.hidden!;
      expect(graded.output).toContain(
        `${checks} hidden check${checks === 1 ? '' : 's'} (${points} point${points === 1 ? '' : 's'}) ${checks === 1 ? 'is' : 'are'} graded by your instructor, not here and not on push.`,
      );
    }
  });

  test('gives the reference solutions full marks on the public checks', () => {
    const graded = run('npm', ['run', '--silent', 'grade', '--', '--target', join(KIT_ROOT, 'solutions')]);
    expect(graded.status, graded.output).toBe(0);
    const publicPoints = publicManifest(exercises).reduce(
      (sum, exercise) => sum + exercise.checks.reduce((total, check) => total + check.points, 0),
      0,
    );
    expect(graded.output).toContain(`Score: ${publicPoints}/${publicPoints}`);
  });

  test('passes its own lint and type-check', () => {
    const lint = run(join(template, 'node_modules/.bin/biome'), ['check', '.']);
    expect(lint.status, lint.output).toBe(0);
    const typecheck = run(join(template, 'node_modules/.bin/tsc'), ['--noEmit']);
    expect(typecheck.status, typecheck.output).toBe(0);
  });

  test('refuses to ship a hidden check that sits in a public suite file', async () => {
    const kit = join(scratch, 'leaky-kit');
    copyKit(kit, { linkNodeModules: false });
    appendFileSync(
      join(kit, 'grader/suites/01-fetch-all.test.ts'),
      "\ncheck('first-all-fail', async () => {});\n",
    );
    await expect(exportTemplate({ root: kit, to: join(scratch, 'leaky-template') })).rejects.toThrow(
      '`first-all-fail` (01-fetch-all) is in grader/suites/01-fetch-all.test.ts',
    );
  });

  test('refuses a folder that already holds files', async () => {
    await expect(exportTemplate({ root: KIT_ROOT, to: template })).rejects.toThrow(/empty or absent/);
  });
});

/**
 * Every solution's distinctive lines: trimmed, longer than 25 characters, and found neither in the exercise's own
 * folder (the API, the JSDoc) nor in the grader (the lab and the suites ship in the template anyway, and share a few
 * idioms such as `signal?.removeEventListener('abort', onAbort);` with the solutions).
 */
function solutionLines(): Array<{ exercise: string; line: string }> {
  const all = kitFiles(KIT_ROOT);
  const grader = all
    .filter((file) => file.startsWith('grader/') && !file.startsWith('grader/tests/'))
    .map((file) => readFileSync(join(KIT_ROOT, file), 'utf8'))
    .join('\n');
  return exercises.flatMap((exercise) => {
    const own = all
      .filter((file) => file.startsWith(`exercises/${exercise.id}/`))
      .map((file) => readFileSync(join(KIT_ROOT, file), 'utf8'))
      .join('\n');
    const solution = join(KIT_ROOT, 'solutions', exercise.id, 'index.ts');
    if (!existsSync(solution)) return [];
    const lines = readFileSync(solution, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 25 && !own.includes(line) && !grader.includes(line));
    return [...new Set(lines)].map((line) => ({ exercise: exercise.id, line }));
  });
}
