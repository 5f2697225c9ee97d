#!/usr/bin/env -S npx tsx
/**
 * `npm run export -- <dir> [--kit-repo <owner/name>] [--kit-ref <commit>]`
 *
 * Writes the student template to <dir>: the stubs, the README, the grader with the public checks only, the scripts
 * that grade, package files and lockfile, and the classroom workflow grading with <owner/name>@<commit>. No solutions,
 * no mistakes, no hidden checks. Push <dir> as the GitHub Classroom template repository.
 */
import { resolve } from 'node:path';
import { chalk } from 'zx';
import { KIT_ROOT } from '../grader/node/grading/run.ts';
import { exportTemplate } from '../grader/node/kit/export.ts';
import { parseArgs, runMain, UsageError } from './cli.ts';

const USAGE = `Usage: npm run export -- <dir> [--kit-repo <owner/name>] [--kit-ref <commit>]

  dir                    where to write the student template (empty or absent)
  --kit-repo <owner/name>
                         the template repository the classroom workflow grades with (AWAITLINGS_KIT_REPO)
  --kit-ref <commit>     the commit of it to grade with (AWAITLINGS_KIT_REF; 40 hex digits, never a branch or tag)`;

const args = parseArgs(USAGE, { string: ['kit-repo', 'kit-ref'] });

async function main(): Promise<void> {
  if (args.help) {
    console.log(USAGE);
    return;
  }
  if (args._.length !== 1) throw new UsageError('Name the directory to write the template to.');
  // npm runs scripts in the kit's folder; a relative <dir> means the folder npm was called from.
  const to = resolve(process.env.INIT_CWD ?? process.cwd(), String(args._[0]));
  const result = await exportTemplate({
    root: KIT_ROOT,
    to,
    kitRepo: args['kit-repo'],
    kitRef: args['kit-ref'],
  });
  console.log(chalk.green(`Wrote the student template to ${to} (${result.files.length} files).`));
  console.log(`  npm scripts: ${result.scripts.kept.join(', ')}`);
  console.log(chalk.dim(`  left out (instructor only): ${result.scripts.dropped.join(', ')}`));
  for (const { exercise, checks, points } of result.hidden) {
    console.log(
      chalk.dim(
        `  ${exercise}: ${checks} hidden check${checks === 1 ? '' : 's'} (${points} points) left out`,
      ),
    );
  }
  if (!args['kit-repo']) {
    console.log(
      chalk.yellow(
        '\nThe classroom workflow still names the default AWAITLINGS_KIT_REPO: pass --kit-repo <owner/name> with the\n' +
          'repository you push this template to, or edit .github/workflows/classroom.yml there.',
      ),
    );
  }
  if (!args['kit-ref']) {
    console.log(
      chalk.yellow(
        '\nThe classroom workflow grades only once AWAITLINGS_KIT_REF names a commit of the template repository: push\n' +
          'the template, then write that commit (git rev-parse HEAD) into .github/workflows/classroom.yml and push again.',
      ),
    );
  }
  console.log(`\nNext: cd ${to} && git init && npm install && npm run grade`);
}

runMain(main, {
  usage: USAGE,
  failure: 'export failed:',
  failureCode: 1,
  // exportTemplate validates its options with TypeErrors naming them.
  isUsage: (error) => error instanceof TypeError,
});
