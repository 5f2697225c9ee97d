#!/usr/bin/env -S npx tsx
/**
 * `npm run hint -- <exercise>`: shows the next hint for an exercise, gentlest first; the ones already shown stay
 * listed above it. `--reset` forgets them (for one exercise, or all). With no exercise, lists how many each has left.
 */
import { chalk } from 'zx';
import { type ExerciseSpec, manifest, resolveExerciseId } from '../grader/manifest.ts';
import { KIT_ROOT } from '../grader/node/grading/run.ts';
import { readHintState, resetHints, unlockNextHint } from '../grader/node/report/hints.ts';
import { parseArgs, runMain, UsageError } from './cli.ts';

const USAGE = `Usage: npm run hint -- <exercise> [--reset]

  exercise   02, 2 or 02-rate-limited-client: shows its next hint
  --reset    forget the hints shown (for that exercise, or for every exercise)`;

const args = parseArgs(USAGE, { boolean: ['reset'] });

async function main(): Promise<void> {
  if (args.help) {
    console.log(USAGE);
    return;
  }
  if (args._.length > 1) throw new UsageError('Name one exercise.');
  const exercise = args._.length === 1 ? resolveExerciseId(String(args._[0])) : undefined;
  if (args.reset) {
    await resetHints(KIT_ROOT, exercise);
    console.log(`Hints forgotten for ${exercise ?? 'every exercise'}.`);
    return;
  }
  if (!exercise) {
    const state = await readHintState(KIT_ROOT);
    console.log(`${USAGE}\n\nHints seen so far:`);
    for (const spec of manifest as readonly ExerciseSpec[]) {
      console.log(`  ${spec.id}  ${state.shown[spec.id] ?? 0} of ${spec.hints.length}`);
    }
    return;
  }
  const { hints, total, unlocked } = await unlockNextHint(KIT_ROOT, exercise);
  console.log(chalk.bold(`${exercise}: hint ${hints.length} of ${total}`));
  hints.forEach((hint, index) => {
    const text = `  ${index + 1}. ${hint}`;
    console.log(index === hints.length - 1 && unlocked ? chalk.cyan(text) : chalk.dim(text));
  });
  if (!unlocked) {
    console.log(
      `\nThat was the last hint. The exercise README and each failing check's hint in ` +
        `\`npm run grade -- ${exercise.slice(0, 2)}\` say more; the timelines in \`--html\` show what your code did.`,
    );
  } else if (hints.length < total) {
    console.log(
      chalk.dim(`\nStill stuck? \`npm run hint -- ${exercise.slice(0, 2)}\` again shows the next one.`),
    );
  }
}

runMain(main, { usage: USAGE, failure: 'npm run hint failed:' });
