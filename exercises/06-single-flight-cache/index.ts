/**
 * Exercise 06 · A single-flight cache, a mutex and an event.
 *
 * Read README.md next to this file first. Run `npm run grade -- 06` to see how you are doing.
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

/**
 * A cache that loads each key once however many callers ask at the same time.
 * TypeError naming the option when `load` is not a function, `ttlMs` or `staleMs` is negative or not a number,
 * or `maxEntries` is not a whole number from 1 up (Infinity is fine).
 *
 * @example
 * const users = createCache({ load: (id, { signal }) => fetchUser(id, { signal }), ttlMs: 60_000 });
 * const [a, b] = await Promise.all([users.get(42), users.get(42)]); // one fetchUser(42)
 */
export function createCache<K, V>(options: CacheOptions<K, V>): Cache<K, V> {
  // TODO: validate the options, then keep two maps: the loaded values (with when they loaded, in least recently
  //       used order) and the loads in flight (with how many callers wait for each, and its AbortController).
  void options;
  throw new Error('createCache: not implemented yet');
}

/**
 * A lock for async code, like `asyncio.Lock`: one holder at a time, waiters served first in, first out.
 *
 * @example
 * const mutex = new Mutex();
 * await mutex.runExclusive(async () => writeFile(path, await render()));
 */
export class Mutex {
  /**
   * Resolves with a `release` function once this caller holds the lock; calling `release` again does nothing.
   * Rejects with `signal.reason` when `signal` aborts first (or already has), giving up its place in line.
   */
  lock(options: { signal?: AbortSignal } = {}): Promise<() => void> {
    // TODO: free? take it now. Held? wait in line; when the holder releases, the first in line gets it.
    void options;
    throw new Error('Mutex.lock: not implemented yet');
  }

  /** Runs `fn` while holding the lock and releases it however `fn` ends; resolves or rejects like `fn`. */
  runExclusive<T>(fn: () => T | Promise<T>, options: { signal?: AbortSignal } = {}): Promise<T> {
    // TODO: lock, then try { return await fn() } finally { release() }.
    void fn;
    void options;
    throw new Error('Mutex.runExclusive: not implemented yet');
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
  /** True between `set()` and `clear()`. */
  get isSet(): boolean {
    // TODO
    throw new Error('Event.isSet: not implemented yet');
  }

  /**
   * Resolves at once when the event is set, otherwise at the next `set()`.
   * Rejects with `signal.reason` when `signal` aborts first (or already has).
   */
  wait(options: { signal?: AbortSignal } = {}): Promise<void> {
    // TODO: set? resolve now. Otherwise wait in a list that set() empties; an abort leaves the list.
    void options;
    throw new Error('Event.wait: not implemented yet');
  }

  /** Sets the flag and wakes every waiter. */
  set(): void {
    // TODO
    throw new Error('Event.set: not implemented yet');
  }

  /** Clears the flag: the next `wait()` waits again. */
  clear(): void {
    // TODO
    throw new Error('Event.clear: not implemented yet');
  }
}
