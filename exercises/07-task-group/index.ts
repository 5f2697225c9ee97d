/**
 * Exercise 07 · Task groups, timeouts and shields.
 *
 * Read README.md next to this file first. Run `npm run grade -- 07` to see how you are doing.
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
  options: { signal?: AbortSignal } = {},
): Promise<T> {
  // TODO: an AbortController for the group, a list of failures, and the set of tasks still running.
  // TODO: run body(group) as a task too; a task's rejection is a failure unless it is the group's own abort reason.
  // TODO: the first failure aborts the group's signal; settle only once every task has settled.
  void body;
  void options;
  throw new Error('taskGroup: not implemented yet');
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
  options: { signal?: AbortSignal } = {},
): Promise<T> {
  // TODO: a timer that aborts fn's signal with new DOMException('…', 'TimeoutError'); the caller's abort too.
  void ms;
  void fn;
  void options;
  throw new Error('withTimeout: not implemented yet');
}

/**
 * Runs `fn()` out of reach of the caller's abort, like `asyncio.shield`: an abort rejects the caller at once with
 * `signal.reason`, and `fn` runs on to completion.
 *
 * @example
 * await shield(() => saveDraft(draft), { signal }); // the draft is saved even if the user leaves
 */
export function shield<T>(fn: () => Promise<T>, options: { signal?: AbortSignal } = {}): Promise<T> {
  // TODO: start fn() at once; race its promise against the caller's abort, without ever cancelling fn.
  void fn;
  void options;
  throw new Error('shield: not implemented yet');
}
