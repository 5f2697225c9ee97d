#!/usr/bin/env -S npx tsx
/**
 * `npx tsx scripts/reporter-check.ts <reporter dist/main.js>`
 *
 * Runs GitHub Classroom's real grading reporter (classroom-resources/autograding-grading-reporter, the `dist/main.js`
 * of the commit classroom.yml pins; not part of the kit) on the kit's classroom results, as the workflow's last step
 * does: the result in the environment variable AWAITLINGS_RESULTS, `runners: awaitlings`. For each case it prints
 * the encoded size, the reporter's Points line and its log's totals, and fails unless they all agree with the
 * kit's score. The cases: five files that each throw a 6,000-character error at import (graded for real), the same
 * errors on every check (synthetic, the largest), and a partial score.
 *
 * Get the file from a clone of the reporter: `git show <commit>:dist/main.js > main.js`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type ExerciseSpec, manifest, visibilityOf } from '../grader/manifest.ts';
import { Grader } from '../grader/node/grading/run.ts';
import { ENV_VAR_CAP, encodeClassroom } from '../grader/node/report/formats/classroom.ts';
import { type Report, scoreExercise, scoreReport } from '../grader/node/report/report.ts';
import { parseArgs, runMain, UsageError } from './cli.ts';

const USAGE = 'Usage: npx tsx scripts/reporter-check.ts <path to the reporter’s dist/main.js>';
const args = parseArgs(USAGE);
const exercises = manifest as readonly ExerciseSpec[];

async function main(): Promise<void> {
  if (args._.length !== 1) throw new UsageError('Name the reporter’s dist/main.js.');
  const reporter = resolve(String(args._[0]));
  const cases: Array<[string, Report]> = [
    ['five files throwing a 6,000-character error (graded)', await gradedWorstCase()],
    ['every check failing with a 6,000-character message', synthetic(() => false)],
    ['the checks worth 2 or more passing', synthetic((points) => points > 1)],
  ];
  let failed = false;
  for (const [name, report] of cases) {
    const encoded = encodeClassroom(report);
    const ran = spawnSync(process.execPath, [reporter], {
      env: { PATH: process.env.PATH, INPUT_RUNNERS: 'awaitlings', AWAITLINGS_RESULTS: encoded },
      encoding: 'utf8',
    });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the reporter colours its log
    const log = `${ran.stdout}${ran.stderr}`.replace(/\u001b\[[0-9;]*m/g, '');
    const seen = {
      points: log.match(/::notice title=Autograding complete::(Points \d+\/\d+)/)?.[1],
      log: log.match(/Total points for awaitlings: ([\d.]+\/\d+)/)?.[1],
      tests: log.match(/Grand total tests passed: (\d+\/\d+)/)?.[1],
      table: log
        .match(/│ Total:\s*│ (\d+)\s*│ (\d+)/)
        ?.slice(1, 3)
        .join('/'),
    };
    const want = {
      points: `Points ${report.score}/${report.max}`,
      log: `${report.score.toFixed(2)}/${report.max}`,
      tests: `${report.score}/${report.max}`,
      table: `${report.score}/${report.max}`,
    };
    const ok = JSON.stringify(seen) === JSON.stringify(want) && encoded.length < ENV_VAR_CAP;
    failed ||= !ok;
    const uncut = encodeClassroom(report, { maxEncodedBytes: Number.POSITIVE_INFINITY }).length;
    console.log(
      `${ok ? 'ok  ' : 'FAIL'} ${name}: ${encoded.length} bytes encoded (${uncut} before cutting messages; cap ${ENV_VAR_CAP})`,
    );
    console.log(
      `     reporter: ${seen.points} · log ${seen.log} · tests passed ${seen.tests} · table ${seen.table}`,
    );
    if (!ok) console.log(`     expected: ${JSON.stringify(want)}\n${log.slice(-3000)}`);
  }
  if (failed) process.exitCode = 1;
}

/** Grades five submissions that each throw a 6,000-character error when imported. */
async function gradedWorstCase(): Promise<Report> {
  const target = mkdtempSync(join(tmpdir(), 'awaitlings-reporter-'));
  try {
    for (const exercise of exercises) {
      mkdirSync(join(target, exercise.id), { recursive: true });
      writeFileSync(
        join(target, exercise.id, 'index.ts'),
        `throw new Error('${'x'.repeat(6000)}');\nexport {};\n`,
      );
    }
    const grader = await Grader.start();
    try {
      return await grader.grade({ target, seed: 1 });
    } finally {
      await grader.close();
    }
  } finally {
    rmSync(target, { recursive: true, force: true });
  }
}

function synthetic(passes: (points: number) => boolean): Report {
  const message = `Error: ${'x'.repeat(5993)}`;
  return scoreReport({
    seed: 1,
    target: 'exercises',
    exercises: exercises.map((exercise) =>
      scoreExercise({
        id: exercise.id,
        title: exercise.title,
        file: `exercises/${exercise.id}/index.ts`,
        checks: exercise.checks.map((check) => {
          const pass = passes(check.points);
          return {
            id: check.id,
            title: check.title,
            points: check.points,
            score: pass ? check.points : 0,
            status: pass ? 'pass' : 'error',
            message: pass ? '' : message,
            hint: check.hint,
            visibility: visibilityOf(check),
          };
        }),
      }),
    ),
  });
}

runMain(main, { usage: USAGE, failure: 'reporter-check failed:', failureCode: 1 });
