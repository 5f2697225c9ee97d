import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import type { GradingContext } from './context.ts';
import { LongestFirst } from './node/sequencer.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Packages that belong to the grader: a submission that imports them could rewrite its own grade. */
const GRADER_PACKAGES = /^(vitest|@vitest\/|vite$|msw|@mswjs\/|fast-check|@fast-check\/)/;

/** Code outside `grader/` and `node_modules/` is submission code: exercises, solutions, fixtures, any target. */
function isSubmissionCode(file: string): boolean {
  const path = file.replace(/\\/g, '/');
  return !path.includes('/node_modules/') && !path.startsWith(`${root}grader/`) && !isStrykerSetup(path);
}

/** The setup file Stryker's vitest runner copies to the kit's root (`npm run mutation`); it imports vitest. */
function isStrykerSetup(path: string): boolean {
  return /^stryker-setup-\d+\.js$/.test(path.slice(root.length)) && path.startsWith(root);
}

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
  isolation: process.env.AWAITLINGS_ISOLATION === 'subject' ? 'subject' : 'worker',
};

/** Refuses, with a reason, any import of the grader's own tools from submission code. */
function blockGraderImports(): Plugin {
  return {
    name: 'awaitlings:block-grader-imports',
    enforce: 'pre',
    resolveId(source, importer) {
      if (!importer || !isSubmissionCode(importer) || !GRADER_PACKAGES.test(source)) return null;
      const error = new Error(
        `${importer.slice(root.length)} imports \`${source}\`, which belongs to the grader. Exercises may not import ` +
          'vitest, msw or fast-check: the grader owns the clock, the network and the checks. Remove that import.',
      );
      error.name = 'BlockedImportError';
      throw error;
    },
  };
}

/** The graded suites. `npm run grade` runs them through grader/node; they are not the kit's own tests. */
export default defineConfig({
  root,
  plugins: [blockGraderImports()],
  test: {
    include: ['grader/suites/*.test.ts'],
    provide: { awaitlings: standalone },
    pool: 'forks',
    // One worker per core grades the suite files one after another: starting a worker (Node, vitest, msw) costs more
    // than most suites. Each suite file holds one exercise; between files the guard restores the built-ins or
    // retires the worker (grader/lab/watchdog.ts), so one exercise's code never runs beside another's checks.
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
