/**
 * Exercise 07 · Task groups, timeouts and shields: the reference solution.
 */

/** What the body of `taskGroup` receives. */
export interface TaskGroup {
  /** Aborts at the group's first failure (or when the caller's signal aborts). Every task gets it. */
  readonly signal: AbortSignal;
  /**
   * Starts `fn(signal)` as a task of the group and returns its promise (the group reports its failure, so leaving
   * it unawaited is safe). Throws once the group has settled.
   */
  spawn<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

/**
 * Runs `body(group)` and every task it spawns concurrently, like `asyncio.TaskGroup`. Resolves with the body's value
 * once every task has settled; rejects with an `AggregateError` of every real failure, in the order they happened,
 * or with the caller's `signal.reason` when only the caller's abort stopped it.
 *
 * @example
 * const [user, posts] = await taskGroup(async (group) => {
 *   const user = group.spawn((signal) => fetchUser(42, { signal }));
 *   const posts = group.spawn((signal) => fetchPosts(42, { signal }));
 *   return Promise.all([user, posts]);
 * });
 */
export async function taskGroup<T>(
  body: (group: TaskGroup) => Promise<T>,
  { signal: outer }: { signal?: AbortSignal } = {},
): Promise<T> {
  if (typeof body !== 'function') throw new TypeError('Expected `body` to be a function');
  outer?.throwIfAborted();
  const controller = new AbortController();
  const { signal } = controller;
  const failures: unknown[] = [];
  const running = new Set<Promise<unknown>>();
  let settled = false;

  const onOuterAbort = () => controller.abort((outer as AbortSignal).reason);
  outer?.addEventListener('abort', onOuterAbort);

  const track = <R>(promise: Promise<R>): Promise<R> => {
    const watched = promise.then(
      () => {},
      (error: unknown) => {
        // A task that stopped because the group aborted is not a failure.
        if (signal.aborted && error === signal.reason) return;
        failures.push(error);
        // The reason is an AbortError DOMException; aborting again later does nothing.
        controller.abort();
      },
    );
    running.add(watched);
    watched.then(() => running.delete(watched));
    return promise;
  };

  const group: TaskGroup = {
    signal,
    spawn(fn) {
      if (settled) throw new Error('spawn: this task group has already settled');
      // Calling a non-function rejects this task with a TypeError naming `fn`.
      const task = track(
        (async () => {
          return fn(signal);
        })(),
      );
      task.catch(() => {});
      return task;
    },
  };

  let result: T | undefined;
  const bodyDone = track(Promise.resolve().then(() => body(group)));
  bodyDone.then(
    (value) => {
      result = value;
    },
    () => {},
  );
  try {
    while (running.size > 0) await Promise.all(running);
  } finally {
    settled = true;
    outer?.removeEventListener('abort', onOuterAbort);
  }
  if (failures.length > 0) throw new AggregateError(failures);
  if (outer?.aborted) throw outer.reason;
  return result as T;
}

/**
 * Runs `fn(signal)` with a deadline, like `asyncio.timeout`: its signal aborts after `ms`. Rejects with a
 * `TimeoutError` DOMException when the deadline fired, with `signal.reason` when the caller aborted.
 *
 * @example
 * const page = await withTimeout(5_000, (signal) => fetch(url, { signal }));
 */
export function withTimeout<T>(
  ms: number,
  fn: (signal: AbortSignal) => Promise<T>,
  { signal: outer }: { signal?: AbortSignal } = {},
): Promise<T> {
  if (typeof ms !== 'number' || !(ms >= 0)) {
    return Promise.reject(new TypeError(`Expected \`ms\` to be a number from 0 and up, got ${String(ms)}`));
  }
  if (outer?.aborted) return Promise.reject(outer.reason);
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const stop = (reason: unknown) => {
      cleanup();
      controller.abort(reason);
      reject(reason);
    };
    const onOuterAbort = () => stop((outer as AbortSignal).reason);
    const timer = setTimeout(() => stop(new DOMException(`Timed out after ${ms} ms`, 'TimeoutError')), ms);
    const cleanup = () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    };
    outer?.addEventListener('abort', onOuterAbort);
    // A non-function `fn` rejects here with a TypeError naming it.
    (async () => fn(controller.signal))().then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (error: unknown) => {
        cleanup();
        reject(error);
      },
    );
  });
}

/**
 * Runs `fn()` out of reach of the caller's abort, like `asyncio.shield`: an abort rejects the caller at once with
 * `signal.reason`, and `fn` runs on to completion.
 *
 * @example
 * await shield(() => saveDraft(draft), { signal }); // the draft is saved even if the user leaves
 */
export function shield<T>(fn: () => Promise<T>, { signal }: { signal?: AbortSignal } = {}): Promise<T> {
  // A non-function `fn` rejects here with a TypeError naming it.
  const work = (async () => fn())();
  if (!signal) return work;
  work.catch(() => {});
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort);
    work.then(
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
}
