/** Runs in a worker thread (see TypeCheckThread): answers `{ id, files }` with `{ id, diagnostics }`. */
import { parentPort, workerData } from 'node:worker_threads';
import { TypeChecker } from './typechecker.ts';

const checker = new TypeChecker((workerData as { root: string }).root);

parentPort?.on('message', ({ id, files }: { id: number; files: string[] }) => {
  let diagnostics: ReturnType<TypeChecker['check']> = [];
  try {
    diagnostics = checker.check(files);
  } catch {
    // A broken type-check must not stop grading: report nothing.
  }
  parentPort?.postMessage({ id, diagnostics });
});
