import { afterAll, beforeAll, expect, test } from 'vitest';
import { manifest } from '../manifest.ts';
import { Grader } from '../node/grading/run.ts';
import type { Report } from '../node/report/report.ts';

/**
 * Student code runs in a process of its own per exercise (grader/lab/subject.ts), driven over the bridge
 * (grader/bridge/). The checks keep their meaning there: the solutions score full marks and the
 * stubs nothing, and a submission that never yields is stopped from outside while the other exercises are graded.
 */
const SEED = 20261122;
let grader: Grader;

beforeAll(async () => {
  grader = await Grader.start();
});

afterAll(async () => {
  await grader?.close();
});

function scores(report: Report): Record<string, number> {
  return Object.fromEntries(report.exercises.map((exercise) => [exercise.id, exercise.score]));
}

const full = Object.fromEntries(
  manifest.map((exercise) => [exercise.id, exercise.checks.reduce((sum, check) => sum + check.points, 0)]),
);

test('every reference solution scores full marks in its subject', async () => {
  const report = await grader.grade({ target: 'solutions', seed: SEED });
  expect(scores(report)).toEqual(full);
});

test('every stub scores 0 in its subject', async () => {
  const report = await grader.grade({ target: 'exercises', seed: SEED });
  expect(scores(report)).toEqual(Object.fromEntries(manifest.map((exercise) => [exercise.id, 0])));
});

test('a module that loops forever at import is stopped from outside; the exercise graded beside it keeps full marks', async () => {
  // Two exercises, not nine: the bound is on what the loop costs, and nine honest exercises alone take most of a
  // minute on a machine loaded five times over.
  const exercises = ['01-fetch-all', '02-rate-limited-client'];
  const started = performance.now();
  const report = await grader.grade({
    exercises,
    target: 'solutions',
    files: { '01-fetch-all': 'fixtures/hostile/loop-at-import/index.ts' },
    seed: SEED,
  });
  expect((performance.now() - started) / 1000).toBeLessThan(60);
  expect(scores(report)).toEqual({
    '01-fetch-all': 0,
    '02-rate-limited-client': full['02-rate-limited-client'],
  });
  const looping = report.exercises.find((exercise) => exercise.id === '01-fetch-all');
  for (const check of looping?.checks ?? []) expect(check.message).toContain('kept the event loop busy');
});
