/**
 * A cold grading run (its own process, as `npm run grade` is) of a submission whose every exercise is the first
 * shipped mistake of that exercise. Used by `npm run bench`.
 */
import { type ExerciseSpec, manifest } from '../grader/manifest.ts';
import { grade, KIT_ROOT } from '../grader/node/grading/run.ts';
import { loadMistakes } from '../grader/node/kit/mistakes.ts';

const files = Object.fromEntries(
  (manifest as readonly ExerciseSpec[]).flatMap((exercise) => {
    const [first] = loadMistakes(KIT_ROOT, exercise.id);
    return first ? [[exercise.id, first.file]] : [];
  }),
);
const report = await grade({ files, seed: 1 });
console.log(`${report.score}/${report.max}`);
