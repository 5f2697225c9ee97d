/**
 * Exercise 02: a rate-limited API client on a semaphore. Reference solution.
 */

/** A counting semaphore: at most `permits` holders at once, waiters served first come, first served. */
export class Semaphore {
  #free: number;
  readonly #waiters: Array<(release: () => void) => void> = [];

  /** TypeError unless `permits` is a positive integer. */
  constructor(permits: number) {
    if (!Number.isInteger(permits) || permits < 1) {
      throw new TypeError(`Expected \`permits\` to be a positive integer, got ${String(permits)}`);
    }
    this.#free = permits;
  }

  /** Permits free right now. */
  get available(): number {
    return this.#free;
  }

  /** Callers waiting in acquire(). */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Resolves with a release function once a permit is free; waiters are served first come, first served.
   * Calling the release function more than once frees one permit only. An aborted waiter rejects with
   * `signal.reason` and gives up its place.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#free > 0 && this.#waiters.length === 0) {
      this.#free--;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const grant = (release: () => void) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(release);
      };
      const onAbort = () => {
        this.#waiters.splice(this.#waiters.indexOf(grant), 1);
        reject(signal?.reason);
      };
      this.#waiters.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** acquire, run `task`, release whatever happens. */
  async run<T>(task: () => Promise<T> | T, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await task();
    } finally {
      release();
    }
  }

  /** A release function that works once: a permit goes straight to the first waiter, if any. */
  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next) next(this.#releaser());
      else this.#free++;
    };
  }
}

/** A response with a status outside 200–299. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;

  constructor(status: number, message = `HTTP ${status}`) {
    super(message);
    this.status = status;
  }
}

export interface ClientOptions {
  baseUrl: string;
  /** Requests in flight at once. TypeError unless a positive integer. */
  maxConcurrent: number;
  /** At most this many requests START in any sliding window of `windowMs`. Default: no limit. */
  maxPerWindow?: number;
  /** Default 1000. */
  windowMs?: number;
}

export interface RateLimitedClient {
  /** GET baseUrl+path, parsed JSON; rejects with HttpError on a non-2xx status. */
  get<T = unknown>(path: string, options?: { signal?: AbortSignal }): Promise<T>;
  get active(): number;
  get pending(): number;
  /** Resolves when nothing is running or queued. */
  onIdle(): Promise<void>;
}

/**
 * A client that keeps at most `maxConcurrent` requests in flight and starts at most `maxPerWindow` of them in
 * any `windowMs`, in the order they were made.
 */
export function createClient(options: ClientOptions): RateLimitedClient {
  const { baseUrl, maxConcurrent, maxPerWindow = Infinity, windowMs = 1000 } = checkOptions(options);
  const slots = new Semaphore(maxConcurrent);
  // Started in the window: a permit comes back `windowMs` after the start that took it.
  const window = maxPerWindow === Infinity ? undefined : new Semaphore(maxPerWindow);
  let active = 0;
  let pending = 0;
  const idle: Array<() => void> = [];

  const settled = () => {
    if (active > 0 || pending > 0) return;
    for (const resolve of idle.splice(0)) resolve();
  };

  async function get<T = unknown>(path: string, { signal }: { signal?: AbortSignal } = {}): Promise<T> {
    pending++;
    let release: (() => void) | undefined;
    try {
      // The slot first, then the window: the window must count the moment the request really starts.
      release = await slots.acquire(signal);
      if (window) {
        const windowRelease = await window.acquire(signal);
        setTimeout(windowRelease, windowMs);
      }
    } catch (error) {
      release?.();
      pending--;
      settled();
      throw error;
    }
    pending--;
    active++;
    try {
      const response = await fetch(`${baseUrl}${path}`, { signal });
      if (!response.ok) {
        await response.body?.cancel();
        throw new HttpError(response.status, `GET ${path}: HTTP ${response.status}`);
      }
      return (await response.json()) as T;
    } catch (error) {
      throw signal?.aborted ? signal.reason : error;
    } finally {
      release();
      active--;
      settled();
    }
  }

  return {
    get,
    get active() {
      return active;
    },
    get pending() {
      return pending;
    },
    onIdle() {
      if (active === 0 && pending === 0) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
  };
}

function checkOptions(options: ClientOptions): ClientOptions {
  const { baseUrl, maxConcurrent, maxPerWindow = Infinity, windowMs = 1000 } = options ?? {};
  if (typeof baseUrl !== 'string') throw new TypeError('Expected `baseUrl` to be a string');
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
    throw new TypeError(`Expected \`maxConcurrent\` to be a positive integer, got ${String(maxConcurrent)}`);
  }
  if (maxPerWindow !== Infinity && (!Number.isInteger(maxPerWindow) || maxPerWindow < 1)) {
    throw new TypeError(
      `Expected \`maxPerWindow\` to be a positive integer or Infinity, got ${String(maxPerWindow)}`,
    );
  }
  if (typeof windowMs !== 'number' || !Number.isFinite(windowMs) || windowMs <= 0) {
    throw new TypeError(`Expected \`windowMs\` to be a positive number of ms, got ${String(windowMs)}`);
  }
  return { baseUrl, maxConcurrent, maxPerWindow, windowMs };
}
