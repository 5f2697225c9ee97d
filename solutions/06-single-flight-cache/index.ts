/**
 * Exercise 06 · A single-flight cache, a mutex and an event: the reference solution.
 */

/** What `createCache` needs. */
export interface CacheOptions<K, V> {
  /** Loads the value of `key`. Its signal aborts when every caller waiting for it has given up. */
  load: (key: K, options: { signal: AbortSignal }) => Promise<V>;
  /** How long a loaded value is fresh, in ms, counted from when its load resolved. @default Infinity */
  ttlMs?: number;
  /** How long after `ttlMs` a value is still served while one background refresh runs. @default 0 */
  staleMs?: number;
  /** How many loaded values are kept; the least recently used goes first. @default Infinity */
  maxEntries?: number;
}

/** A cache whose concurrent `get`s of one key share a single `load`. */
export interface Cache<K, V> {
  /** The value of `key`: cached, stale (while a refresh runs), or from the load in flight (started if none). */
  get(key: K, options?: { signal?: AbortSignal }): Promise<V>;
}

/** A load in flight and the callers waiting for it. */
interface Flight<V> {
  promise: Promise<V>;
  controller: AbortController;
  waiters: number;
  /** A background refresh nobody waits for: no caller's abort cancels it. */
  background: boolean;
}

interface Entry<V> {
  value: V;
  loadedAt: number;
}

/**
 * A cache that loads each key once however many callers ask at the same time.
 *
 * @example
 * const users = createCache({ load: (id, { signal }) => fetchUser(id, { signal }), ttlMs: 60_000 });
 * const [a, b] = await Promise.all([users.get(42), users.get(42)]); // one fetchUser(42)
 */
export function createCache<K, V>(options: CacheOptions<K, V>): Cache<K, V> {
  const { load, ttlMs = Infinity, staleMs = 0, maxEntries = Infinity } = options;
  if (typeof load !== 'function') throw new TypeError('Expected `load` to be a function');
  if (typeof ttlMs !== 'number' || !(ttlMs >= 0)) {
    throw new TypeError(`Expected \`ttlMs\` to be a number from 0 and up, got ${String(ttlMs)}`);
  }
  if (typeof staleMs !== 'number' || !(staleMs >= 0)) {
    throw new TypeError(`Expected \`staleMs\` to be a number from 0 and up, got ${String(staleMs)}`);
  }
  if (!(Number.isInteger(maxEntries) || maxEntries === Infinity) || !(maxEntries >= 1)) {
    throw new TypeError(
      `Expected \`maxEntries\` to be a whole number from 1 and up, got ${String(maxEntries)}`,
    );
  }

  /** Loaded values, least recently used first. */
  const entries = new Map<K, Entry<V>>();
  const flights = new Map<K, Flight<V>>();

  const remember = (key: K, value: V) => {
    entries.delete(key);
    entries.set(key, { value, loadedAt: Date.now() });
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value as K);
  };

  const startFlight = (key: K, background: boolean): Flight<V> => {
    const controller = new AbortController();
    const flight: Flight<V> = { controller, waiters: 0, background, promise: undefined as never };
    flight.promise = (async () => {
      try {
        const value = await load(key, { signal: controller.signal });
        if (flights.get(key) === flight) remember(key, value);
        return value;
      } finally {
        if (flights.get(key) === flight) flights.delete(key);
      }
    })();
    flights.set(key, flight);
    return flight;
  };

  const join = (key: K, signal: AbortSignal | undefined): Promise<V> => {
    const flight = flights.get(key) ?? startFlight(key, false);
    flight.waiters++;
    // Once the load has settled its waiters no longer count: only an abort before that takes one away.
    if (!signal) return flight.promise;
    return new Promise<V>((resolve, reject) => {
      const onAbort = () => {
        flight.waiters--;
        reject(signal.reason);
        if (flight.waiters === 0 && !flight.background) {
          if (flights.get(key) === flight) flights.delete(key);
          flight.controller.abort(signal.reason);
        }
      };
      signal.addEventListener('abort', onAbort);
      flight.promise.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  };

  return {
    async get(key, { signal } = {}) {
      signal?.throwIfAborted();
      const entry = entries.get(key);
      if (entry) {
        const age = Date.now() - entry.loadedAt;
        if (age < ttlMs + staleMs) {
          entries.delete(key);
          entries.set(key, entry);
          if (age >= ttlMs && !flights.has(key)) {
            // The refresh's failure is not cached: the stale value stays until it expires.
            startFlight(key, true).promise.catch(() => {});
          }
          return entry.value;
        }
        entries.delete(key);
      }
      return join(key, signal);
    },
  };
}

/** A waiter in a line: how to wake it, or reject it. */
interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

/**
 * Waits in line for `signal`-aware waiters: `enqueue` parks a waiter until `resolve` (or rejects it on abort,
 * taking it out of the line).
 */
function enqueue<T>(line: Array<Waiter<T>>, signal: AbortSignal | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // Only added when there is a signal, and removed once the waiter is served: the waiter is still in line.
    const onAbort = () => {
      line.splice(line.indexOf(waiter), 1);
      reject((signal as AbortSignal).reason);
    };
    const waiter: Waiter<T> = {
      resolve: (value) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
      },
      reject,
    };
    line.push(waiter);
    signal?.addEventListener('abort', onAbort);
  });
}

/**
 * A lock for async code, like `asyncio.Lock`: one holder at a time, waiters served first in, first out.
 *
 * @example
 * const mutex = new Mutex();
 * await mutex.runExclusive(async () => writeFile(path, await render()));
 */
export class Mutex {
  #locked = false;
  readonly #line: Array<Waiter<() => void>> = [];

  /** Resolves with a `release` function once this caller holds the lock; calling it again does nothing. */
  async lock({ signal }: { signal?: AbortSignal } = {}): Promise<() => void> {
    signal?.throwIfAborted();
    if (!this.#locked) {
      this.#locked = true;
      return this.#releaser();
    }
    return enqueue(this.#line, signal);
  }

  /** Runs `fn` while holding the lock and releases it however `fn` ends. */
  async runExclusive<T>(fn: () => T | Promise<T>, options: { signal?: AbortSignal } = {}): Promise<T> {
    const release = await this.lock(options);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#line.shift();
      if (next) next.resolve(this.#releaser());
      else this.#locked = false;
    };
  }
}

/**
 * A flag that async code can wait for, like `asyncio.Event`.
 *
 * @example
 * const ready = new Event();
 * setTimeout(() => ready.set(), 100);
 * await ready.wait(); // 100 ms later
 */
export class Event {
  #set = false;
  #line: Array<Waiter<void>> = [];

  /** True between `set()` and `clear()`. */
  get isSet(): boolean {
    return this.#set;
  }

  /** Resolves at once when set, otherwise at the next `set()`; rejects with `signal.reason` on abort. */
  async wait({ signal }: { signal?: AbortSignal } = {}): Promise<void> {
    signal?.throwIfAborted();
    if (this.#set) return;
    return enqueue(this.#line, signal);
  }

  /** Sets the flag and wakes every waiter. */
  set(): void {
    this.#set = true;
    const woken = this.#line;
    this.#line = [];
    for (const waiter of woken) waiter.resolve();
  }

  /** Clears the flag: the next `wait()` waits again. */
  clear(): void {
    this.#set = false;
  }
}
