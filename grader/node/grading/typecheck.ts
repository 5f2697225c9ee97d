import { Worker } from 'node:worker_threads';
import type { Diagnostic } from '../report/report.ts';

/**
 * A TypeChecker (typechecker.ts) in a worker thread, so the type-check runs while the suites grade
 * and TypeScript itself (a second to load) never loads in the grading process. Never fails grading: if the
 * checker itself breaks, `check` resolves with no diagnostics.
 *
 * @example
 * const checker = TypeCheckThread.start(KIT_ROOT);
 * const [report, diagnostics] = await Promise.all([grader.grade(request), checker.check(files)]);
 * await checker.close();
 */
export class TypeCheckThread {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, (diagnostics: Diagnostic[]) => void>();
  #next = 0;
  #broken = false;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.unref();
    worker.on('message', ({ id, diagnostics }: { id: number; diagnostics: Diagnostic[] }) => {
      this.#settle(id, diagnostics);
    });
    const broken = () => {
      this.#broken = true;
      for (const id of [...this.#waiting.keys()]) this.#settle(id, []);
    };
    worker.on('error', broken);
    worker.on('exit', broken);
  }

  static start(root: string): TypeCheckThread {
    // The worker runs TypeScript source: register tsx in it before loading the checker.
    const tsx = import.meta.resolve('tsx/esm/api');
    const entry = new URL('./typecheck-worker.ts', import.meta.url).href;
    const code = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
    return new TypeCheckThread(new Worker(code, { eval: true, workerData: { root } }));
  }

  check(files: readonly string[]): Promise<Diagnostic[]> {
    if (this.#broken) return Promise.resolve([]);
    const id = this.#next++;
    this.#worker.ref();
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      this.#worker.postMessage({ id, files });
    });
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }

  #settle(id: number, diagnostics: Diagnostic[]): void {
    this.#waiting.get(id)?.(diagnostics);
    this.#waiting.delete(id);
    if (this.#waiting.size === 0) this.#worker.unref();
  }
}
