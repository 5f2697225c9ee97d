import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ExerciseSpec, manifest } from '../../manifest.ts';
import { loadMistakes } from '../kit/mistakes.ts';

/** What a generated student handed in for one exercise, and what it must score. */
export interface SampleSubmission {
  exercise: string;
  kind: 'stub' | 'solution' | 'mistake';
  source: string;
  expected: number;
}

export interface SampleStudent {
  name: string;
  submissions: SampleSubmission[];
  /** Total the grader must give. */
  expected: number;
}

/**
 * Writes a class of `size` students under `dir` (one folder each, with `exercises/<id>/index.ts`), made from the
 * kit's stubs, reference solutions and mistakes, so every student's score is known in advance.
 * Mistakes import the reference solution by relative path; those imports are pointed back at the kit.
 */
export function writeSampleClass(root: string, dir: string, size: number): SampleStudent[] {
  const exercises = manifest as readonly ExerciseSpec[];
  const choices = exercises.map((exercise) => [
    {
      exercise: exercise.id,
      kind: 'stub' as const,
      source: `exercises/${exercise.id}/index.ts`,
      expected: 0,
    },
    {
      exercise: exercise.id,
      kind: 'solution' as const,
      source: `solutions/${exercise.id}/index.ts`,
      expected: exercise.points,
    },
    ...loadMistakes(root, exercise.id).map((mistake) => ({
      exercise: exercise.id,
      kind: 'mistake' as const,
      source: mistake.file,
      expected:
        exercise.points -
        exercise.checks
          .filter((check) => mistake.fails.includes(check.id))
          .reduce((sum, check) => sum + check.points, 0),
    })),
  ]);
  const students: SampleStudent[] = [];
  for (let i = 0; i < size; i++) {
    const name = `student-${String(i + 1).padStart(2, '0')}`;
    const submissions = choices.map((options, e) => options[(i * 7 + e * 3) % options.length]);
    for (const submission of submissions) {
      const folder = join(dir, name, 'exercises', submission.exercise);
      mkdirSync(folder, { recursive: true });
      const text = readFileSync(join(root, submission.source), 'utf8').replace(
        /(['"])(\.\.\/)+/g,
        `$1${root.replace(/\/$/, '')}/`,
      );
      writeFileSync(join(folder, 'index.ts'), text);
      if (submission.kind === 'stub') {
        cpSync(join(root, 'exercises', submission.exercise), folder, { recursive: true, force: false });
      }
    }
    students.push({ name, submissions, expected: submissions.reduce((sum, s) => sum + s.expected, 0) });
  }
  return students;
}
