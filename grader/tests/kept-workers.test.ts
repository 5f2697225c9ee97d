import { afterAll, beforeAll, expect, test } from 'vitest';
import { Grader } from '../node/grading/run.ts';

/**
 * A grader keeps its check workers from run to run (grader/node/grading/kept-workers.ts): what one run graded must not
 * show in the next. 03 and 07 register their checks in modules of their own, which a kept worker has loaded before.
 */
const exercises = ['01-fetch-all', '03-producer-consumer', '07-task-group'];
let grader: Grader;

beforeAll(async () => {
  grader = await Grader.start({ workers: 1 });
});

afterAll(async () => {
  await grader?.close();
});

function scores(report: Awaited<ReturnType<Grader['grade']>>): string[] {
  return report.exercises.map(
    (exercise) => `${exercise.id} ${exercise.score}/${exercise.max} ${exercise.checks.length}`,
  );
}

test.skipIf(process.platform !== 'linux')(
  'one kept worker grades solutions, stubs and solutions again, each run its own target with every check',
  async () => {
    const solutions = await grader.grade({ exercises, target: 'solutions', seed: 7 });
    const stubs = await grader.grade({ exercises, target: 'exercises', seed: 7 });
    const again = await grader.grade({ exercises, target: 'solutions', seed: 7 });
    expect(scores(solutions).every((line) => /(\d+)\/\1 /.test(line))).toBe(true);
    expect(scores(stubs).every((line) => / 0\/\d+ /.test(line))).toBe(true);
    expect(scores(stubs).map((line) => line.split(' ').at(-1))).toEqual(
      scores(solutions).map((line) => line.split(' ').at(-1)),
    );
    expect(again).toEqual(solutions);
    expect(grader.workersStarted).toBe(1);
  },
);

test.skipIf(process.platform !== 'linux')(
  'a submission graded after hostile ones in the same kept worker gets exactly the report it gets first',
  async () => {
    const honest = { exercises: ['01-fetch-all'], target: 'solutions', seed: 11 };
    const before = await grader.grade(honest);
    const started = grader.workersStarted;
    // Each leaves something running behind it: an interval never cleared, a promise never settled, 20,000
    // requests never read.
    for (const hostile of ['uncleared-interval', 'never-settles', 'fetch-flood']) {
      const report = await grader.grade({
        ...honest,
        files: { '01-fetch-all': `fixtures/hostile/${hostile}/index.ts` },
      });
      expect(report.score).toBeLessThan(report.max);
    }
    expect(await grader.grade(honest)).toEqual(before);
    // The same worker throughout: what the hostile runs left did not cost it its life, nor the next run its grade.
    expect(grader.workersStarted).toBe(started);
  },
);
