/**
 * Exercise 09: resources that always close. Reference solution.
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
 * A SuppressedError of the standard shape (`name`, `error`, `suppressed`) on every Node: the global one exists only
 * from Node 24 on. `new SuppressedErrorClass(error, suppressed)`.
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

interface Waiter<R> {
  resolve: (lease: Lease<R>) => void;
  reject: (error: unknown) => void;
  /** Stops its timer and its abort listener. */
  done: () => void;
}

/**
 * A pool of at most `max` resources, handed out as leases.
 *
 * @example
 * const pool = createPool({ create: () => connect(), destroy: (c) => c.end(), max: 5, idleMs: 30_000 });
 * await using lease = await pool.acquire({ signal });
 * await lease.resource.query('select 1');
 */
export function createPool<R>(options: PoolOptions<R>): Pool<R> {
  const { create, destroy, max = 10, idleMs = Infinity, acquireTimeoutMs = Infinity } = options ?? {};
  if (typeof create !== 'function') throw new TypeError('Expected `create` to be a function');
  if (typeof destroy !== 'function') throw new TypeError('Expected `destroy` to be a function');
  if (!Number.isInteger(max) || max < 1)
    throw new TypeError(`Expected \`max\` to be a whole number from 1, got ${max}`);
  if (!(idleMs >= 0)) throw new TypeError(`Expected \`idleMs\` to be a number from 0, got ${idleMs}`);
  if (!(acquireTimeoutMs >= 0)) {
    throw new TypeError(`Expected \`acquireTimeoutMs\` to be a number from 0, got ${acquireTimeoutMs}`);
  }

  const closing = new AbortController();
  const idle: Array<{ resource: R; timer: ReturnType<typeof setTimeout> | undefined }> = [];
  const line: Waiter<R>[] = [];
  const destroyed: Promise<void>[] = [];
  let live = 0;
  let leased = 0;
  let closed = false;
  let allReturned: (() => void) | undefined;

  const retire = (resource: R) => {
    destroyed.push(
      (async () => {
        try {
          await destroy(resource);
        } catch {
          // A resource that fails to close is gone all the same.
        }
        live--;
        checkClosed();
      })(),
    );
  };

  const checkClosed = () => {
    if (closed && live === 0 && leased === 0) allReturned?.();
  };

  const lend = (resource: R): Lease<R> => {
    leased++;
    let returned = false;
    const release = async () => {
      if (returned) return;
      returned = true;
      leased--;
      giveBack(resource);
    };
    return { resource, release, [Symbol.asyncDispose]: release };
  };

  /** A resource is free again: the first waiter gets it, else it idles (or is destroyed when closing). */
  const giveBack = (resource: R) => {
    if (closed) {
      retire(resource);
      return;
    }
    const waiter = line.shift();
    if (waiter) {
      waiter.done();
      waiter.resolve(lend(resource));
      return;
    }
    const entry = { resource, timer: undefined as ReturnType<typeof setTimeout> | undefined };
    if (idleMs !== Infinity) {
      entry.timer = setTimeout(() => {
        idle.splice(idle.indexOf(entry), 1);
        retire(resource);
      }, idleMs);
    }
    idle.push(entry);
  };

  /** Creates a resource for `waiter` (or, if it gave up meanwhile, for whoever is next). */
  const grow = (waiter: Waiter<R>) => {
    live++;
    (async () => create({ signal: closing.signal }))().then(
      (resource) => {
        if (line.includes(waiter)) {
          line.splice(line.indexOf(waiter), 1);
          waiter.done();
          waiter.resolve(lend(resource));
        } else {
          giveBack(resource);
        }
      },
      (error: unknown) => {
        live--;
        if (line.includes(waiter)) {
          line.splice(line.indexOf(waiter), 1);
          waiter.done();
          waiter.reject(error);
        }
        // The slot is free again: the first waiter with no creation of its own gets one.
        const next = line.find((other) => !growing.has(other));
        if (next && !closed) startFor(next);
        checkClosed();
      },
    );
  };

  const growing = new Set<Waiter<R>>();
  const startFor = (waiter: Waiter<R>) => {
    growing.add(waiter);
    grow(waiter);
  };

  return {
    acquire({ signal }: { signal?: AbortSignal } = {}) {
      return new Promise<Lease<R>>((resolve, reject) => {
        if (closed) {
          reject(new Error('The pool is closed'));
          return;
        }
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        const ready = idle.pop();
        if (ready) {
          clearTimeout(ready.timer);
          resolve(lend(ready.resource));
          return;
        }
        let timer: ReturnType<typeof setTimeout> | undefined;
        const giveUp = (reason: unknown) => {
          const at = line.indexOf(waiter);
          if (at === -1) return;
          line.splice(at, 1);
          waiter.done();
          reject(reason);
        };
        const onAbort = () => giveUp(signal?.reason);
        const waiter: Waiter<R> = {
          resolve,
          reject,
          done: () => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
          },
        };
        line.push(waiter);
        if (acquireTimeoutMs !== Infinity) {
          timer = setTimeout(() => {
            const error = new Error(`No resource within ${acquireTimeoutMs} ms`);
            error.name = 'TimeoutError';
            giveUp(error);
          }, acquireTimeoutMs);
        }
        signal?.addEventListener('abort', onAbort, { once: true });
        if (live < max) startFor(waiter);
      });
    },

    async close() {
      if (!closed) {
        closed = true;
        closing.abort(new Error('The pool is closed'));
        for (const waiter of line.splice(0)) {
          waiter.done();
          waiter.reject(new Error('The pool is closed'));
        }
        for (const { resource, timer } of idle.splice(0)) {
          clearTimeout(timer);
          retire(resource);
        }
      }
      if (live > 0 || leased > 0) {
        await new Promise<void>((resolve) => {
          const previous = allReturned;
          allReturned = () => {
            previous?.();
            resolve();
          };
        });
      }
      await Promise.all(destroyed);
    },
  };
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
  if (typeof fn !== 'function') throw new TypeError('Expected `fn` to be a function');
  const cleanups: Array<() => unknown> = [];
  const stack: ResourceStack = {
    use(value) {
      if (value === null || value === undefined) return value;
      const disposable = value as Partial<AsyncDisposable & Disposable>;
      const method = disposable[Symbol.asyncDispose] ?? disposable[Symbol.dispose];
      if (typeof method !== 'function') throw new TypeError('Expected a value with [Symbol.asyncDispose]()');
      cleanups.push(() => method.call(value));
      return value;
    },
    adopt(value, onDispose) {
      if (typeof onDispose !== 'function') throw new TypeError('Expected `onDispose` to be a function');
      cleanups.push(() => onDispose(value));
      return value;
    },
    defer(onDispose) {
      if (typeof onDispose !== 'function') throw new TypeError('Expected `onDispose` to be a function');
      cleanups.push(onDispose);
    },
  };
  let failure: { error: unknown } | undefined;
  let result: T | undefined;
  try {
    result = await fn(stack);
  } catch (error) {
    failure = { error };
  }
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      failure = { error: failure ? new SuppressedErrorClass(error, failure.error) : error };
    }
  }
  if (failure) throw failure.error;
  return result as T;
}
