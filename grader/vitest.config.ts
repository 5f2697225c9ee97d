import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import type { GradingContext } from './context.ts';
import { LongestFirst } from './node/grading/sequencer.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * The grading context when the suites run without `npm run grade`, which provides its own for every run: under
 * Stryker (`npm run mutation`, in a sandbox copy of the kit) or `npx vitest run --config grader/vitest.config.ts`.
 * It grades `AWAITLINGS_TARGET` (default `solutions`) with the seed `AWAITLINGS_SEED` (default 20261122).
 */
const standalone: GradingContext = {
  root,
  target: resolve(root, process.env.AWAITLINGS_TARGET ?? 'solutions'),
  seed: Number(process.env.AWAITLINGS_SEED ?? 20261122),
  files: {},
  isolation: 'subject',
};

/** The graded suites. `npm run grade` runs them through grader/node; they are not the kit's own tests. */
export default defineConfig({
  root,
  test: {
    include: ['grader/suites/*.test.ts'],
    setupFiles: ['grader/lab/worker-setup.ts'],
    provide: { awaitlings: standalone },
    pool: 'forks',
    // One worker per core grades the suite files one after another: starting a worker (Node, vitest, msw) costs more
    // than most suites. Each suite file holds one exercise, whose student code runs in a subject process of its own
    // (grader/lab/subject.ts): no exercise's code ever runs in a worker, beside any checks.
    isolate: false,
    sequence: { sequencer: LongestFirst },
    fileParallelism: true,
    maxWorkers: '100%',
    testTimeout: 15_000,
    hookTimeout: 15_000,
    restoreMocks: false,
    watch: false,
  },
});
