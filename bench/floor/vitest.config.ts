import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** The floor of `npm run bench`: vitest running one trivial test in this project, in the graded suites' pool. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: { include: ['trivial.test.ts'], pool: 'forks', watch: false },
});
