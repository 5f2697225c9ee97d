import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type ExerciseSpec, manifest } from '../manifest.ts';
import { Grader, KIT_ROOT } from '../node/grading/run.ts';
import { expectedFailure, type HostileEntry, loadHostile } from '../node/kit/hostile.ts';
import type { ExerciseReport } from '../node/report/report.ts';

/**
 * The hostile catalog (`fixtures/hostile/`), through the real grader: every entry scores exactly what its honest part
 * earns, with the message its expectation names, within its time budget, and the other exercises graded in the same
 * run keep their full marks. `AWAITLINGS_ONLY=01-fetch-all` narrows it, as in grading.test.ts.
 */
const only = process.env.AWAITLINGS_ONLY?.split(',').filter(Boolean);
const exercises = (manifest as readonly ExerciseSpec[]).filter(
  (exercise) => !only || only.includes(exercise.id),
);
const catalog = (await loadHostile(KIT_ROOT)).filter((entry) =>
  exercises.some((e) => e.id === entry.exercise),
);
const SEED = 20261122;
/** A line a CI runner or a score scraper would act on, or a terminal control sequence. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: looks for escape sequences
const ACTIONABLE = /^\s*(::|##\[|score\s*:)|\u001b|\r/im;

let grader: Grader;

beforeAll(async () => {
  grader = await Grader.start();
});

afterAll(async () => {
  await grader?.close();
});

/**
 * Runs of the catalog. An entry marked `alongsideSolutions` gets a run of its own, beside every other exercise's
 * reference solution. The others are batched: run k grades the k-th remaining entry of every exercise together, one
 * worker per suite file side by side, each entry's outcome unaffected by what its neighbours do.
 */
function batches(): HostileEntry[][] {
  const alone = catalog.filter((entry) => entry.alongsideSolutions).map((entry) => [entry]);
  const rest = exercises.map((exercise) =>
    catalog.filter((entry) => entry.exercise === exercise.id && !entry.alongsideSolutions),
  );
  const rounds = Math.max(0, ...rest.map((entries) => entries.length));
  const shared = Array.from({ length: rounds }, (_, round) =>
    rest.map((entries) => entries[round]).filter((entry): entry is HostileEntry => !!entry),
  );
  return [...alone, ...shared];
}

for (const batch of batches()) {
  const budget = Math.max(...batch.map((entry) => entry.withinSeconds ?? 45));
  const withSolutions = batch.some((entry) => entry.alongsideSolutions);
  const graded = withSolutions
    ? exercises.map((exercise) => exercise.id)
    : batch.map((entry) => entry.exercise);
  test(
    `${batch.map((entry) => `${entry.exercise}/${entry.name}`).join(', ')}${withSolutions ? ', the other exercises from solutions/' : ''}`,
    async () => {
      for (const entry of batch) removeCreated(entry);
      const started = performance.now();
      const printed = await capturingOutput(() =>
        grader.grade({
          exercises: graded,
          target: 'solutions',
          files: Object.fromEntries(batch.map((entry) => [entry.exercise, entry.file])),
          seed: SEED,
        }),
      );
      const report = printed.result;
      const seconds = (performance.now() - started) / 1000;
      for (const graded of report.exercises) {
        const entry = batch.find((candidate) => candidate.exercise === graded.id);
        if (!entry) {
          expect({ exercise: graded.id, failing: failing(graded) }).toEqual({
            exercise: graded.id,
            failing: [],
          });
          continue;
        }
        expect(outcome(entry, graded)).toEqual(expected(entry, graded));
        for (const file of entry.mustNotCreate ?? [])
          expect(existsSync(join(KIT_ROOT, file)), file).toBe(false);
        if (entry.someSay) {
          const said = graded.checks.map((check) => check.message.toLowerCase());
          expect(
            said.some((message) => message.includes(entry.someSay!.toLowerCase())),
            entry.someSay,
          ).toBe(true);
        }
      }
      // Nothing the submissions printed reached this process's terminal, and nothing in the report can act as a
      // workflow command or a score line.
      expect(printed.output).not.toMatch(ACTIONABLE);
      for (const graded of report.exercises) {
        for (const check of graded.checks)
          expect(check.message, `${graded.id}/${check.id}`).not.toMatch(ACTIONABLE);
      }
      // Speed is measured, not asserted (npm run bench, README); the test timeout below is only a backstop.
      console.log(`hostile batch graded in ${seconds.toFixed(1)} s (aim: under ${budget} s)`);
    },
    (budget + 60) * 1000,
  );
}

/** The behaviours issue 7 names, each of which must keep an entry in the catalog. */
const REQUIRED = [
  'loop-at-import',
  'loop-in-check',
  'never-settles',
  'exit-zero',
  'really-exit',
  'unhandled-rejection',
  'throw-in-timer',
  'uncleared-interval',
  'output-flood',
  'alloc-buffer',
  'patch-promise-then',
  'patch-fetch',
  'disable-fake-timers',
  'forged-report',
  'fake-score-lines',
  'copy-solution',
  'read-solution-file',
  'import-vitest',
  'forge-frames',
  'hide-as-abandoned',
  'kill-grader',
  'raw-socket',
  'tls-socket',
  'open-inspector',
  'read-secrets',
  'poison-builtins',
];

test.skipIf(only)('the catalog keeps an entry for every hostile behaviour the grader must survive', () => {
  const names = catalog.map((entry) => entry.name);
  expect(REQUIRED.filter((name) => !names.includes(name))).toEqual([]);
});

/** Runs `work` while recording what this process writes to its stdout and stderr. */
async function capturingOutput<T>(work: () => Promise<T>): Promise<{ result: T; output: string }> {
  let output = '';
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((stream) => stream.write);
  for (const stream of streams) {
    const write = stream.write;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      output += String(chunk);
      return (write as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof stream.write;
  }
  try {
    return { result: await work(), output };
  } finally {
    streams.forEach((stream, i) => {
      stream.write = writes[i];
    });
  }
}

function failing(graded: ExerciseReport): string[] {
  return graded.checks
    .filter((check) => check.status !== 'pass')
    .map((check) => `${check.id}: ${check.message}`);
}

function saying(fragments: readonly string[] | undefined): string {
  return `not passed, saying ${(fragments ?? []).map((fragment) => `"${fragment}"`).join(' or ')}`;
}

/** What the entry got: its score, and per check either `pass` or the status with its message. */
function outcome(entry: HostileEntry, graded: ExerciseReport) {
  return {
    entry: entry.name,
    score: graded.score,
    checks: Object.fromEntries(
      graded.checks.map((check) => {
        const fragments = expectedFailure(entry, check.id);
        if (check.status === 'pass') return [check.id, 'pass'];
        const said = check.message.toLowerCase();
        const matches = fragments?.some((fragment) => said.includes(fragment.toLowerCase()));
        return [check.id, matches ? saying(fragments) : `${check.status}: ${check.message}`];
      }),
    ),
  };
}

function expected(entry: HostileEntry, graded: ExerciseReport) {
  return {
    entry: entry.name,
    score: entry.cap,
    checks: Object.fromEntries(
      graded.checks.map((check) => {
        const fragments = expectedFailure(entry, check.id);
        return [check.id, fragments === undefined ? 'pass' : saying(fragments)];
      }),
    ),
  };
}

function removeCreated(entry: HostileEntry): void {
  for (const file of entry.mustNotCreate ?? []) rmSync(join(KIT_ROOT, file), { force: true });
}

test('the hostile entries build on a copy of the 01 reference solution that is kept in step with it', () => {
  const bodyOf = (file: string) => {
    const text = readFileSync(join(KIT_ROOT, file), 'utf8');
    return text.slice(text.indexOf('*/') + 2);
  };
  expect(bodyOf('fixtures/hostile/_shared/honest-01-fetch-all.ts')).toBe(
    bodyOf('solutions/01-fetch-all/index.ts'),
  );
});
