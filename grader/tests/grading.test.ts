import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ExerciseSpec, manifest } from '../manifest.ts';
import { Grader, KIT_ROOT } from '../node/grading/run.ts';
import { loadMistakes, type Mistake } from '../node/kit/mistakes.ts';
import type { Report } from '../node/report/report.ts';

/**
 * End to end: the real grader, the real suites, the shipped solutions, stubs and mistakes.
 * `AWAITLINGS_ONLY=02-rate-limited-client,03-producer-consumer` narrows it while writing an exercise.
 */
const only = process.env.AWAITLINGS_ONLY?.split(',').filter(Boolean);
const exercises = (manifest as readonly ExerciseSpec[]).filter(
  (exercise) => !only || only.includes(exercise.id),
);
const ids = exercises.map((exercise) => exercise.id);
const SEED = 20261122;
let grader: Grader;

beforeAll(async () => {
  grader = await Grader.start();
});

afterAll(async () => {
  await grader?.close();
});

function failing(report: Report, exercise: string): string[] {
  const found = report.exercises.find((candidate) => candidate.id === exercise);
  return (found?.checks ?? []).filter((check) => check.status !== 'pass').map((check) => check.id);
}

describe('grading the shipped files', () => {
  test('every reference solution scores full marks', async () => {
    const report = await grader.grade({ exercises: ids, target: 'solutions', seed: SEED });
    for (const exercise of report.exercises) {
      const problems = exercise.checks.filter((check) => check.status !== 'pass');
      expect(problems.map((check) => `${exercise.id}/${check.id}: ${check.message}`)).toEqual([]);
    }
    expect(report.score).toBe(report.max);
    expect(report.max).toBe(exercises.reduce((sum, exercise) => sum + exercise.points, 0));
  });

  test('every stub scores 0, with every check listed', async () => {
    const report = await grader.grade({ exercises: ids, target: 'exercises', seed: SEED });
    expect(report.score).toBe(0);
    for (const exercise of exercises) {
      const graded = report.exercises.find((candidate) => candidate.id === exercise.id);
      expect(graded?.checks.map((check) => check.id)).toEqual(exercise.checks.map((check) => check.id));
    }
  });

  test('the same seed gives the same report twice', async () => {
    const first = await grader.grade({ exercises: ids, target: 'solutions', seed: 7 });
    const second = await grader.grade({ exercises: ids, target: 'solutions', seed: 7 });
    expect(second).toEqual(first);
  });
});

describe('correct code in other styles scores full marks', () => {
  const styles = exercises.flatMap((exercise) => listStyles(exercise.id));
  test.each(styles)('$exercise/$name', async ({ exercise, file }) => {
    const report = await grader.grade({ exercises: [exercise], files: { [exercise]: file }, seed: SEED });
    expect({ file, failing: failing(report, exercise) }).toEqual({ file, failing: [] });
  });
});

describe('every mistake fails exactly the checks it declares', () => {
  const catalog = exercises.map((exercise) => loadMistakes(KIT_ROOT, exercise.id));
  const rounds = Math.max(0, ...catalog.map((mistakes) => mistakes.length));
  // Round k grades the k-th mistake of every exercise in one run: one fork per exercise, side by side.
  for (let round = 0; round < rounds; round++) {
    const batch = catalog
      .map((mistakes) => mistakes[round])
      .filter((mistake): mistake is Mistake => !!mistake);
    test(batch.map((mistake) => `${mistake.exercise}/${mistake.name}`).join(', '), async () => {
      const report = await grader.grade({
        exercises: batch.map((mistake) => mistake.exercise),
        files: Object.fromEntries(batch.map((mistake) => [mistake.exercise, mistake.file])),
        seed: SEED,
      });
      for (const mistake of batch) {
        expect({ mistake: mistake.file, failing: failing(report, mistake.exercise).sort() }).toEqual({
          mistake: mistake.file,
          failing: [...mistake.fails].sort(),
        });
      }
    });
  }
});

/** `fixtures/styles/<exercise>/*.ts`: correct implementations written differently from the reference. */
function listStyles(exercise: string): Array<{ exercise: string; name: string; file: string }> {
  const folder = join(KIT_ROOT, 'fixtures/styles', exercise);
  let names: string[] = [];
  try {
    names = readdirSync(folder).filter((name) => name.endsWith('.ts'));
  } catch {
    return [];
  }
  return names.map((name) => ({
    exercise,
    name: name.replace(/\.ts$/, ''),
    file: join('fixtures/styles', exercise, name),
  }));
}
