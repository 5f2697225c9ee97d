/**
 * A warm re-grade: a grader already started re-grades exercise 01 after its file is saved, as `--watch` does.
 * `npm run bench` calls `warmRegrades` in its own process; with `--node` it runs this file under each other Node
 * (`<node> tsx bench/warm-regrade.ts --runs <n> --out <file>`), which writes the times to `--out` as JSON.
 */
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ExerciseSpec, manifest } from '../grader/manifest.ts';
import { Grader, KIT_ROOT } from '../grader/node/grading/run.ts';
import { parseArgs, runMain, UsageError, wholeNumber } from '../scripts/cli.ts';

/** Wall times in ms of `runs` re-grades of the first exercise's solution, each after touching its file. */
export async function warmRegrades(grader: Grader, runs: number): Promise<number[]> {
  const [exercise] = manifest as readonly ExerciseSpec[];
  const saved = join(KIT_ROOT, 'solutions', exercise.id, 'index.ts');
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const now = new Date();
    utimesSync(saved, now, now);
    const started = performance.now();
    await grader.grade({ exercises: [exercise.id], target: 'solutions', seed: 1 });
    times.push(performance.now() - started);
  }
  return times;
}

const USAGE = 'Usage: tsx bench/warm-regrade.ts --runs <n> --out <file>';

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = parseArgs(USAGE, { string: ['runs', 'out'] });
  runMain(
    async () => {
      const runs = wholeNumber('runs', args.runs ?? '');
      if (!args.out) throw new UsageError('Expected `--out` to name the file for the times.');
      const grader = await Grader.start();
      try {
        // The first grade after start-up is the cold one, not measured here.
        await grader.grade({
          exercises: [(manifest as readonly ExerciseSpec[])[0].id],
          target: 'solutions',
          seed: 1,
        });
        writeFileSync(
          args.out,
          `${JSON.stringify({ node: process.version, warmMs: await warmRegrades(grader, runs) })}\n`,
        );
      } finally {
        await grader.close();
      }
    },
    { usage: USAGE, failure: 'warm re-grade failed:', failureCode: 1 },
  );
}
