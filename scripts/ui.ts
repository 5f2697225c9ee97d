#!/usr/bin/env -S npx tsx
/**
 * `npm run ui [-- <exercise>...] [--target <dir>] [--seed <n>] [--port <n>] [--open]`
 *
 * The graded suites in the @vitest/ui browser view, run against the student's code: click through the checks,
 * read each failure, re-run one. Saving a file re-runs the suites. Scores come from `npm run grade`; this is for
 * exploring. Stop it with Ctrl-C.
 */
import { resolve } from 'node:path';
import { startVitest } from 'vitest/node';
import { chalk } from 'zx';
import type { GradingContext } from '../grader/context.ts';
import { resolveExerciseId } from '../grader/manifest.ts';
import { KIT_ROOT } from '../grader/node/grading/run.ts';
import { parseArgs, runMain, wholeNumber } from './cli.ts';

const USAGE = `Usage: npm run ui -- [exercise...] [--target <dir>] [--seed <n>] [--port <n>] [--open]

  exercise         02, 2 or 02-rate-limited-client (default: every exercise)
  --target <dir>   run the suites against another directory with the same layout (default: exercises)
  --seed <n>       property seed (default: random, printed)
  --port <n>       where the UI listens (default: 51204)
  --open           open the UI in a browser`;

const args = parseArgs(USAGE, { string: ['target', 'seed', 'port'], boolean: ['open'] });

async function main(): Promise<void> {
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const exercises = args._.map((selector) => resolveExerciseId(String(selector)));
  const seed = args.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : wholeNumber('seed', args.seed);
  const port = args.port === undefined ? 51204 : wholeNumber('port', args.port);
  const target = resolve(KIT_ROOT, args.target ?? 'exercises');
  // What `npm run grade` provides to the suites through vitest's `provide`: the suites read it with `inject`.
  const context: GradingContext = { root: KIT_ROOT, target, seed, files: {} };
  console.log(chalk.dim(`seed ${seed} · target ${target}`));
  await startVitest(
    'test',
    exercises.map((id) => `grader/suites/${id}.test.ts`),
    {
      config: resolve(KIT_ROOT, 'grader/vitest.config.ts'),
      root: KIT_ROOT,
      watch: true,
      ui: true,
      open: args.open,
      api: { port, strictPort: true },
      provide: { awaitlings: context },
      // Saving the student's code re-runs the suites, whatever imported it.
      forceRerunTriggers: [`${target}/**/*.ts`],
    },
  );
}

runMain(main, { usage: USAGE, failure: 'npm run ui failed:' });
