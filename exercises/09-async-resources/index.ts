/**
 * Exercise 09: resources that always close.
 *
 * Read README.md next to this file first. Run `npm run grade -- 09` to see how you are doing.
 * `await using` needs TypeScript 5.2 or later; the grader transpiles it for every supported Node (20 to 26).
 */

export interface PoolOptions<R> {
  /** Makes a resource. Its signal fires when the pool no longer needs it (the pool closed). */
  create: (context: { signal: AbortSignal }) => R | Promise<R>;
  /** Frees a resource; called exactly once per created resource. Its errors are ignored. */
  destroy: (resource: R) => void | Promise<void>;
  /** Live resources at most, creations in progress included. @default 10 */
  max?: number;
  /** An idle resource is destroyed after this many ms unused. @default Infinity */
  idleMs?: number;
  /** An acquire that waits longer rejects with a `TimeoutError`. @default Infinity */
  acquireTimeoutMs?: number;
}

/** A resource on loan: hand it back with `release()` or by leaving an `await using` block. */
export interface Lease<R> extends AsyncDisposable {
  readonly resource: R;
  /** Gives the resource back to the pool. A second call does nothing. */
  release(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface Pool<R> {
  /** Resolves with a lease: an idle resource, a new one, or the next one released (first come, first served). */
  acquire(options?: { signal?: AbortSignal }): Promise<Lease<R>>;
  /** Refuses new acquires, rejects the waiters, and resolves once every resource has been destroyed. */
  close(): Promise<void>;
}

/** What withResources' callback gets: AsyncDisposableStack's `use`, `adopt` and `defer`. */
export interface ResourceStack {
  /** Registers `value[Symbol.asyncDispose]` (or `[Symbol.dispose]`) and returns `value`; null and undefined are skipped. */
  use<T extends AsyncDisposable | Disposable | null | undefined>(value: T): T;
  /** Registers `onDispose(value)` and returns `value`. */
  adopt<T>(value: T, onDispose: (value: T) => unknown): T;
  /** Registers `onDispose()`. */
  defer(onDispose: () => unknown): void;
}

/**
 * Given, not a TODO: a SuppressedError of the standard shape (`name`, `error`, `suppressed`) on every Node (the global
 * `SuppressedError` exists only from Node 24 on). `new SuppressedErrorClass(error, suppressed)`.
 */
export const SuppressedErrorClass: new (
  error: unknown,
  suppressed: unknown,
  message?: string,
) => Error & { error: unknown; suppressed: unknown } = class SuppressedError extends Error {
  readonly error: unknown;
  readonly suppressed: unknown;
  constructor(error: unknown, suppressed: unknown, message = 'An error was suppressed during disposal.') {
    super(message);
    this.name = 'SuppressedError';
    this.error = error;
    this.suppressed = suppressed;
  }
};

/**
 * A pool of at most `max` resources, handed out as leases.
 *
 * @example
 * const pool = createPool({ create: () => connect(), destroy: (c) => c.end(), max: 5, idleMs: 30_000 });
 * await using lease = await pool.acquire({ signal });
 * await lease.resource.query('select 1');
 */
export function createPool<R>(options: PoolOptions<R>): Pool<R> {
  // TODO: validate the options; keep the live count, the idle resources and the line of waiters.
  // TODO: acquire(): an idle resource, else a new one if fewer than max are live, else wait in line
  //       (with a timeout and the signal); leases release once; close() waits for every lease.
  void options;
  throw new Error('createPool: not implemented yet');
}

/**
 * Runs `fn(stack)`, then every cleanup registered on the stack in reverse order, each awaited, even when `fn` or
 * another cleanup throws. Errors combine the way AsyncDisposableStack combines them: a cleanup's error wraps the
 * error so far in a SuppressedError (`error`: the new one, `suppressed`: the one before).
 *
 * @example
 * const rows = await withResources(async (stack) => {
 *   const db = stack.use(await connect());
 *   stack.defer(() => console.log('done'));
 *   return db.query('select 1');
 * });
 */
export async function withResources<T>(fn: (stack: ResourceStack) => T | Promise<T>): Promise<T> {
  // TODO: collect the cleanups, run fn, then the cleanups from the last to the first, combining errors.
  void fn;
  throw new Error('withResources: not implemented yet');
}
