/**
 * A vitest pool whose check workers outlive a run. vitest starts a fresh worker process for every run and stops it at
 * the run's end: Node, vitest's runtime, msw, fast-check and the lab are loaded again for every submission a batch
 * lane grades (about 0.5 s of CPU each time). A kept worker is handed to the next run instead; vitest still
 * re-imports each suite file (and the setup file) for every file it runs, as it does when one worker runs several
 * files in a run, so the checks are collected afresh and the modules they share stay loaded.
 *
 * Only where student code runs in a subject of its own (grader/lab/subject.ts): a worker that imported a student's
 * module (`isolation: 'worker'`) would keep it. A worker that ended badly (killed past its time, crashed, stopped by
 * force) is never kept. Runs in the grading process.
 */
import type { ForksPoolWorker as ForksPoolWorkerType, PoolOptions, PoolWorker } from 'vitest/node';
import { ForksPoolWorker } from 'vitest/node';

type Listener = (...args: unknown[]) => void;
type WorkerRequest = Parameters<PoolWorker['send']>[0];

/** vitest's own fork, and whether it went through vitest's start handshake. */
interface Kept {
  fork: ForksPoolWorkerType;
  started: boolean;
  exited: boolean;
  /** Runs it has served: a worker is retired after `KeptWorkers.maxRuns`. */
  runs: number;
}

/**
 * The kept workers of one grader. Its `pool` goes in vitest's `pool` option; `close` stops the workers when the
 * grader closes.
 *
 * @example
 * const kept = new KeptWorkers();
 * const vitest = await createVitest('test', { pool: kept.pool });
 * // ... runs ...
 * await vitest.close();
 * await kept.close();
 */
export class KeptWorkers {
  /**
   * Runs one worker serves before a fresh one takes over: a bound on what runs leave behind (measured: the heap after
   * a full collection grows by about 1.3 MB per run of exercises 01-05).
   */
  static readonly maxRuns = 25;
  readonly #idle: Kept[] = [];
  readonly #all = new Set<Kept>();

  /** The pool to give vitest. */
  readonly pool = {
    name: 'awaitlings-kept-forks',
    createPoolWorker: (options: PoolOptions): PoolWorker => new KeptWorker(options, this),
  };

  /** How many worker processes this grader has started (for tests and benchmarks). */
  started = 0;

  /** A kept worker that is alive, or a new one. */
  take(options: PoolOptions): Kept {
    for (const gone of [...this.#all].filter((kept) => kept.exited)) this.#all.delete(gone);
    while (this.#idle.length > 0) {
      const kept = this.#idle.pop() as Kept;
      if (!kept.exited) return kept;
    }
    const kept: Kept = { fork: new ForksPoolWorker(options), started: false, exited: false, runs: 0 };
    this.started++;
    this.#all.add(kept);
    return kept;
  }

  /** Keeps `kept` for the next run, or stops it when it may not be kept. */
  async give(kept: Kept, keep: boolean): Promise<void> {
    if (keep && !kept.exited && kept.runs < KeptWorkers.maxRuns) {
      this.#idle.push(kept);
      return;
    }
    this.#all.delete(kept);
    await stopFork(kept);
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    const all = [...this.#all];
    this.#all.clear();
    this.#idle.length = 0;
    await Promise.all(all.map(stopFork));
  }
}

async function stopFork(kept: Kept): Promise<void> {
  // ForksPoolWorker.stop() waits for an exit that a process killed earlier will never announce again.
  if (kept.exited) return;
  try {
    await kept.fork.stop();
  } catch {
    // Never forked.
  }
}

/**
 * What vitest sees for one run: a worker that starts (or is handed a kept process), runs, and stops (or is kept).
 * vitest's start and stop handshakes reach the process once each, on its first run and never: a kept process has its
 * runtime set up already, and its teardown would end its message handling.
 */
class KeptWorker implements PoolWorker {
  readonly name = 'awaitlings-kept-forks';
  readonly cacheFs = true;
  readonly #options: PoolOptions;
  readonly #workers: KeptWorkers;
  #kept: Kept | undefined;
  /** The listeners this run's vitest added, removed when the run gives the process back. */
  readonly #listeners: Array<[string, Listener]> = [];
  #stopAsked = false;

  constructor(options: PoolOptions, workers: KeptWorkers) {
    this.#options = options;
    this.#workers = workers;
  }

  get #current(): Kept {
    if (!this.#kept) throw new Error('awaitlings: a kept worker was used before it started');
    return this.#kept;
  }

  async start(): Promise<void> {
    const kept = this.#workers.take(this.#options);
    this.#kept = kept;
    if (kept.started) return;
    await kept.fork.start();
    kept.fork.on('exit', () => {
      kept.exited = true;
    });
  }

  on(event: string, callback: Listener): void {
    this.#listeners.push([event, callback]);
    this.#current.fork.on(event, callback);
  }

  off(event: string, callback: Listener): void {
    const at = this.#listeners.findIndex(([name, listener]) => name === event && listener === callback);
    if (at !== -1) this.#listeners.splice(at, 1);
    this.#current.fork.off(event, callback);
  }

  send(message: WorkerRequest): void {
    const kept = this.#current;
    const type = (message as { type?: string }).type;
    if (type === 'start') {
      kept.runs++;
      if (kept.started) {
        this.#answer({ type: 'started', __vitest_worker_response__: true });
        return;
      }
      kept.started = true;
    } else if (type === 'stop') {
      this.#stopAsked = true;
      this.#answer({ type: 'stopped', __vitest_worker_response__: true });
      return;
    }
    kept.fork.send(message);
  }

  deserialize(data: unknown): unknown {
    return data;
  }

  /**
   * Gives the process back. vitest asks a worker to stop gracefully (its stop handshake) after a run that ended well,
   * and skips it when it stops a worker by force: only the first kind of worker is kept.
   */
  async stop(): Promise<void> {
    const kept = this.#current;
    for (const [event, listener] of this.#listeners.splice(0)) kept.fork.off(event, listener);
    this.#kept = undefined;
    await this.#workers.give(kept, this.#stopAsked);
  }

  /** Answers vitest as the process would have, on a later turn (vitest listens once it has sent). */
  #answer(response: Record<string, unknown>): void {
    const listeners = this.#listeners
      .filter(([event]) => event === 'message')
      .map(([, listener]) => listener);
    setImmediate(() => {
      for (const listener of listeners) listener(response);
    });
  }
}
