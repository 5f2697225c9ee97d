import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { YAML } from 'zx';
import { type ExerciseSpec, manifest } from '../manifest.ts';
import { gradeBatch, gradebookCsv } from '../node/batch.ts';
import { copyKit } from '../node/kit-files.ts';
import { KIT_ROOT } from '../node/run.ts';
import { writeSampleClass } from '../node/sample-class.ts';

const workflowFile = join(KIT_ROOT, '.github/workflows/classroom.yml');
const workflow = YAML.parse(readFileSync(workflowFile, 'utf8'));
const job = workflow.jobs['run-autograding-tests'];
const steps: Array<Record<string, any>> = job.steps;
const stepNamed = (name: string) => steps.find((step) => step.name === name) as Record<string, any>;
const totalPoints = (manifest as readonly ExerciseSpec[]).reduce((sum, exercise) => sum + exercise.points, 0);
const scratch = mkdtempSync(join(tmpdir(), 'awaitlings-classroom-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the classroom workflow', () => {
  test('has the triggers, permissions and bot guard GitHub Classroom expects', () => {
    expect(workflow.on).toEqual(['push', 'repository_dispatch']);
    expect(workflow.permissions).toEqual({ checks: 'write', actions: 'read', contents: 'read' });
    expect(job['runs-on']).toBe('ubuntu-latest');
    expect(job.if).toBe("github.actor != 'github-classroom[bot]'");
  });

  test('passes an actionlint-style check of its steps', () => {
    const ids = new Set<string>();
    steps.forEach((step, index) => {
      expect(typeof step.name, `step ${index} needs a name`).toBe('string');
      expect(Boolean(step.uses) !== Boolean(step.run), `${step.name}: exactly one of uses/run`).toBe(true);
      if (step.uses) expect(step.uses, `${step.name}: pin the action`).toMatch(/^[\w.-]+\/[\w.-]+@v\d+$/);
      if (step.id) {
        expect(step.id).toMatch(/^[A-Za-z_][\w-]*$/);
        expect(ids.has(step.id), `duplicate step id ${step.id}`).toBe(false);
      }
      // Every step output used here comes from a step declared earlier.
      for (const [, id] of JSON.stringify(step).matchAll(/steps\.([\w-]+)\.outputs/g)) {
        expect(ids.has(id), `${step.name} reads steps.${id} before it exists`).toBe(true);
      }
      if (step.id) ids.add(step.id);
    });
  });

  test('hands the grade step’s result to the reporter under <STEP_ID>_RESULTS', () => {
    const grade = stepNamed('Grade');
    const reporter = stepNamed('Report points to GitHub Classroom');
    expect(reporter.uses).toBe('classroom-resources/autograding-grading-reporter@v1');
    const runner: string = reporter.with.runners;
    expect(runner).toMatch(/^[a-zA-Z0-9]+$/);
    expect(runner).toBe(grade.id);
    expect(reporter.env[`${runner.toUpperCase()}_RESULTS`]).toBe(`\${{ steps.${grade.id}.outputs.result }}`);
  });

  test('a tampered student repository cannot change the score', () => {
    const workspace = join(scratch, 'tampered');
    const kit = join(workspace, 'kit');
    const submission = join(workspace, 'submission');
    copyKit(kit);
    copyKit(submission);
    // Honest work: exercise 01 solved in another style, the rest left as stubs.
    cpSync(
      join(KIT_ROOT, 'fixtures/styles/01-fetch-all/controllers-and-timers.ts'),
      join(submission, 'exercises/01-fetch-all/index.ts'),
    );
    // Tampering: a suite that passes anything, a grade script that prints full marks, inflated points.
    writeFileSync(
      join(submission, 'grader/suites/01-fetch-all.test.ts'),
      "import { test } from 'vitest';\ntest('starts-all-at-once', () => {});\n",
    );
    const pkg = JSON.parse(readFileSync(join(submission, 'package.json'), 'utf8'));
    pkg.scripts.grade = 'echo Score: 100/100';
    writeFileSync(join(submission, 'package.json'), JSON.stringify(pkg));
    const manifestFile = join(submission, 'grader/manifest.ts');
    writeFileSync(manifestFile, readFileSync(manifestFile, 'utf8').replace(/points: (\d+)/g, 'points: 50'));
    writeFileSync(join(submission, 'exercises/01-fetch-all/evil.sh'), 'echo pwned');

    const env = {
      ...process.env,
      GITHUB_ACTIONS: 'true',
      GITHUB_OUTPUT: join(workspace, 'output'),
      GITHUB_STEP_SUMMARY: join(workspace, 'summary.md'),
      CI: 'true',
    };
    runStep(stepNamed("Take only the student's exercises"), workspace, env);
    runStep(stepNamed('Grade'), join(workspace, stepNamed('Grade')['working-directory']), env);

    const output = readFileSync(env.GITHUB_OUTPUT, 'utf8');
    const encoded = output.match(/^result=(.+)$/m)?.[1] ?? '';
    const result = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
    const score = result.tests.reduce((sum: number, test: { score: number }) => sum + test.score, 0);
    expect({ score, max: result.max_score }).toEqual({ score: 20, max: totalPoints });
    expect(readFileSync(join(workspace, 'summary.md'), 'utf8')).toContain(`## awaitlings: 20/${totalPoints}`);
    expect(() => readFileSync(join(kit, 'exercises/01-fetch-all/evil.sh'))).toThrow();
  });
});

describe('batch grading a class', () => {
  test('writes a gradebook with every student’s known score', async () => {
    const dir = join(scratch, 'class');
    const students = writeSampleClass(KIT_ROOT, dir, 4);
    mkdirSync(join(dir, 'student-99-empty'));
    const ids = (manifest as readonly ExerciseSpec[]).map((exercise) => exercise.id);
    const summary = await gradeBatch({
      dir,
      seed: 5,
      outDir: join(scratch, 'reports'),
      concurrency: 2,
      allowReferenceImports: true,
    });
    const csv = gradebookCsv(summary, ids).trim().split('\n');
    expect(csv[0]).toBe(['student', ...ids, 'total', 'max', 'status'].join(','));
    for (const student of students) {
      const row = csv.find((line) => line.startsWith(`${student.name},`));
      const perExercise = ids.map((id) => student.submissions.find((s) => s.exercise === id)?.expected ?? 0);
      expect(row).toBe([student.name, ...perExercise, student.expected, totalPoints, 'graded'].join(','));
    }
    expect(csv.at(-1)).toBe(`student-99-empty,${ids.map(() => '').join(',')},,,missing`);
    expect(JSON.parse(readFileSync(join(scratch, 'reports', `${students[0].name}.json`), 'utf8')).score).toBe(
      students[0].expected,
    );
    const worst = summary.distribution[0];
    expect(worst.graded).toBe(students.length);
  });
});

function runStep(step: Record<string, any>, cwd: string, env: NodeJS.ProcessEnv): void {
  const result = spawnSync('bash', ['-e', '-c', step.run], { cwd, env, encoding: 'utf8' });
  expect(result.status, `${step.name} failed:\n${result.stdout}\n${result.stderr}`).toBe(0);
}
