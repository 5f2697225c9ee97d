/**
 * Exercise 01: fetch five URLs at once.
 *
 * Read README.md next to this file first. Run `npm run grade -- 01` to see how you are doing.
 */

export type FailureReason = 'http' | 'network' | 'timeout' | 'aborted';

/** What happened to one URL. */
export type Outcome =
  | { url: string; ok: true; status: number; body: string }
  | { url: string; ok: false; reason: FailureReason; status?: number; message: string };

export interface FetchOptions {
  /** Per-request limit in ms, body included. Default 5000. */
  timeoutMs?: number;
  /** Aborting it cancels every request still running. */
  signal?: AbortSignal;
}

/**
 * Fetches every URL concurrently and resolves with one Outcome per URL, in input order. Never rejects.
 *
 * @example
 * const outcomes = await fetchAll(['https://a.test/1', 'https://a.test/2'], { timeoutMs: 1000 });
 */
export async function fetchAll(urls: readonly string[], options: FetchOptions = {}): Promise<Outcome[]> {
  // TODO: start a request for every URL before waiting for any of them.
  // TODO: turn each response or failure into an Outcome ('http' for a non-2xx status, 'network', 'timeout', 'aborted').
  // TODO: abort a request that takes longer than `timeoutMs`, and every request when `options.signal` aborts.
  void urls;
  void options;
  throw new Error('fetchAll: not implemented yet');
}

/**
 * Resolves with the first successful Outcome (by completion time) and aborts the requests still running.
 * Rejects with an AggregateError (one Error per URL, in input order) when none succeeds.
 */
export async function fetchFirst(
  urls: readonly string[],
  options: FetchOptions = {},
): Promise<Extract<Outcome, { ok: true }>> {
  // TODO: race the requests for the first success (a fast failure must not win), then abort the rest.
  void urls;
  void options;
  throw new Error('fetchFirst: not implemented yet');
}

/**
 * Yields each URL's Outcome as soon as it completes, while every request runs concurrently, in the order the
 * requests complete even when the consumer is slow. A consumer that stops early (`break`) aborts the requests still
 * running. Like any `async function*`, it runs nothing until the first `next()`: a bad argument rejects that call.
 */
// biome-ignore lint/correctness/useYield: the stub yields nothing yet; your version will.
export async function* fetchAsCompleted(
  urls: readonly string[],
  options: FetchOptions = {},
): AsyncGenerator<Outcome> {
  // TODO: start every request, then yield each Outcome in the order the requests complete.
  // TODO: when several complete while the consumer is busy, keep that order (a queue of finished Outcomes).
  // TODO: in a `finally` around the loop, abort the requests still running.
  void urls;
  void options;
  throw new Error('fetchAsCompleted: not implemented yet');
}
