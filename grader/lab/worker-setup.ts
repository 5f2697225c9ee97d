/**
 * Setup file of the graded suites (grader/vitest.config.ts). vitest runs it before each suite file; one worker runs
 * several suite files in turn, and is kept for the next run (grader/node/grading/kept-workers.ts). It points the
 * worker's notes at the file about to run (./worker-notes.ts), makes sure that file's checks are registered afresh,
 * and stops the file's subjects when it is done.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, expect } from 'vitest';
import { closeSubjects } from './subject-submission.ts';
import { beginNotes } from './worker-notes.ts';

const SUITES = fileURLToPath(new URL('../suites/', import.meta.url));

/** What this file needs of vitest's module registry in the worker (`globalThis.__vitest_worker__`). */
interface ModuleRegistry {
  idToModuleMap: Map<
    string,
    { promise?: unknown; exports?: unknown; evaluated: boolean; importers: Set<string> }
  >;
}

/**
 * vitest imports each suite file afresh, but not the modules the file imports: a suite that registers its checks in
 * modules of its own (`import './03-producer-consumer/order.checks.ts'`) would register none the second time a kept
 * worker runs it. Forgets every module under grader/suites/ (as vitest's own `isolate` forgets every module), so they
 * run again when the suite file imports them; the lab and its dependencies stay loaded.
 */
function forgetSuiteModules(): void {
  const worker = (globalThis as { __vitest_worker__?: { evaluatedModules?: ModuleRegistry } })
    .__vitest_worker__;
  const registry = worker?.evaluatedModules;
  if (!registry) throw new Error('awaitlings: vitest no longer exposes its module registry to the worker');
  for (const [id, node] of registry.idToModuleMap) {
    if (!id.startsWith(SUITES)) continue;
    node.promise = undefined;
    node.exports = undefined;
    node.evaluated = false;
    node.importers.clear();
  }
}

const suiteFile = expect.getState().testPath;
if (suiteFile) beginNotes(suiteFile);
forgetSuiteModules();
afterAll(closeSubjects);
