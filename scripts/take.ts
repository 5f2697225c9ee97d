#!/usr/bin/env -S npx tsx
/**
 * `npm run take -- <submission-dir> [--to <kit-dir>]`
 *
 * Replaces the kit's `exercises/` with a submission's: only regular `.ts` files under `<submission-dir>/exercises/`,
 * within size limits; symbolic links, other files and oversize files are left out, each with a line in the log.
 * The classroom workflow runs it before grading, so nothing else of the student's repository is used.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chalk } from 'zx';
import { takeExercises } from '../grader/node/class/submission.ts';
import { KIT_ROOT } from '../grader/node/grading/run.ts';
import { parseArgs, runMain, UsageError } from './cli.ts';

const USAGE = `Usage: npm run take -- <submission-dir> [--to <kit-dir>]

  submission-dir   a checkout of the student's repository
  --to <kit-dir>   the kit whose exercises/ is replaced (default: this kit)`;

const args = parseArgs(USAGE, { string: ['to'] });

function main(): void {
  if (args.help) {
    console.log(USAGE);
    return;
  }
  if (args._.length !== 1) throw new UsageError('Name the submission folder.');
  const from = resolve(process.env.INIT_CWD ?? process.cwd(), String(args._[0]));
  const to = args.to ? resolve(process.env.INIT_CWD ?? process.cwd(), args.to) : KIT_ROOT;
  rmSync(join(to, 'exercises'), { recursive: true, force: true });
  const taken = takeExercises(from, to);
  for (const { file, reason } of taken.ignored) console.log(chalk.yellow(`ignored ${file}: ${reason}`));
  if (!taken.found)
    console.log(
      chalk.yellow('The submission has no exercises/ folder: every exercise is graded as missing.'),
    );
  console.log(
    `Took ${taken.kept.length} file${taken.kept.length === 1 ? '' : 's'}: ${taken.kept.join(', ')}`,
  );
}

runMain(main, { usage: USAGE, failure: 'take failed:', failureCode: 1 });
