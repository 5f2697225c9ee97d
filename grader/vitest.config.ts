import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Packages that belong to the grader: a submission that imports them could rewrite its own grade. */
const GRADER_PACKAGES = /^(vitest|@vitest\/|vite$|msw|@mswjs\/|fast-check|@fast-check\/)/;

/** Code outside `grader/` and `node_modules/` is submission code: exercises, solutions, fixtures, any target. */
function isSubmissionCode(file: string): boolean {
  const path = file.replace(/\\/g, '/');
  return !path.includes('/node_modules/') && !path.startsWith(`${root}grader/`);
}

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
    pool: 'forks',
    isolate: true,
    fileParallelism: true,
    testTimeout: 15_000,
    hookTimeout: 15_000,
    restoreMocks: false,
    watch: false,
  },
});
