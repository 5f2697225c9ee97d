/**
 * Exercise 02: a rate-limited API client on a semaphore.
 *
 * Read README.md next to this file first. Run `npm run grade -- 02` to see how you are doing.
 */

/**
 * A counting semaphore: at most `permits` holders at once, waiters served first come, first served.
 *
 * @example
 * const slots = new Semaphore(2);
 * const release = await slots.acquire();
 * try {
 *   await doWork();
 * } finally {
 *   release();
 * }
 */
export class Semaphore {
  /** TypeError unless `permits` is a positive integer. */
  constructor(permits: number) {
    // TODO: validate `permits` (a TypeError that names `permits`), then remember how many are free.
    void permits;
    throw new Error('Semaphore: not implemented yet');
  }

  /** Permits free right now. */
  get available(): number {
    // TODO
    throw new Error('available: not implemented yet');
  }

  /** Callers waiting in acquire(). */
  get waiting(): number {
    // TODO
    throw new Error('waiting: not implemented yet');
  }

  /**
   * Resolves with a release function once a permit is free; waiters are served first come, first served.
   * Calling the release function more than once frees one permit only. An aborted waiter rejects with
   * `signal.reason` and gives up its place.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    // TODO: take a free permit at once, or queue a waiter whose promise a release will resolve.
    // TODO: an aborted `signal` (already, or while waiting) rejects with `signal.reason` and leaves the queue.
    void signal;
    throw new Error('acquire: not implemented yet');
  }

  /**
   * acquire, run `task`, release whatever happens.
   *
   * @example
   * const user = await slots.run(() => loadUser(42));
   */
  run<T>(task: () => Promise<T> | T, signal?: AbortSignal): Promise<T> {
    // TODO: release the permit even when `task` throws or rejects.
    void task;
    void signal;
    throw new Error('run: not implemented yet');
  }
}

/** A response with a status outside 200–299. `name` is `'HttpError'`. */
export class HttpError extends Error {
  readonly status: number;

  constructor(status: number, message?: string) {
    // TODO: set `name` to 'HttpError' and give the message a useful default (for example `HTTP 404`).
    super(message);
    this.status = status;
  }
}

export interface ClientOptions {
  baseUrl: string;
  /** Requests in flight at once. TypeError unless a positive integer. */
  maxConcurrent: number;
  /** At most this many requests START in any sliding window of `windowMs`. Default: no limit (`Infinity`). */
  maxPerWindow?: number;
  /** Default 1000. */
  windowMs?: number;
}

export interface RateLimitedClient {
  /** GET baseUrl+path, parsed JSON; rejects with HttpError on a non-2xx status. */
  get<T = unknown>(path: string, options?: { signal?: AbortSignal }): Promise<T>;
  /** Requests started and not settled yet. */
  get active(): number;
  /** Requests accepted and not started yet (waiting for a slot or for the window). */
  get pending(): number;
  /** Resolves when nothing is running or queued. */
  onIdle(): Promise<void>;
}

/**
 * A client that keeps at most `maxConcurrent` requests in flight and starts at most `maxPerWindow` of them in
 * any sliding window of `windowMs`, in the order they were made.
 *
 * @example
 * const api = createClient({ baseUrl: 'https://api.example', maxConcurrent: 4, maxPerWindow: 10, windowMs: 1000 });
 * const user = await api.get<{ name: string }>('/users/42');
 */
export function createClient(options: ClientOptions): RateLimitedClient {
  // TODO: validate the options (TypeError naming `maxConcurrent`, `maxPerWindow` or `windowMs`).
  // TODO: a Semaphore(maxConcurrent) for the slots; something that allows maxPerWindow starts per windowMs.
  // TODO: get(): wait for a slot, then for the window, fetch, release in a `finally`.
  void options;
  throw new Error('createClient: not implemented yet');
}
