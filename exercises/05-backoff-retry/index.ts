/**
 * Exercise 05: retry with exponential backoff.
 *
 * Read README.md next to this file first. Run `npm run grade -- 05` to see how you are doing.
 */

export interface RetryOptions {
  /**
   * Retries after the first attempt, so fn is called at most `retries + 1` times. A whole number from 0 and up,
   * or Infinity. TypeError if negative, fractional or NaN.
   * @default 5
   */
  retries?: number;
  /** The first wait, in ms. @default 100 */
  minDelayMs?: number;
  /** No wait is longer than this, in ms. @default 10_000 */
  maxDelayMs?: number;
  /** Each wait is `factor` times the previous one (before the cap and the jitter). @default 2 */
  factor?: number;
  /** How the wait is spread below its cap. @default 'full' */
  jitter?: 'full' | 'equal' | 'none';
  /** Source of randomness in [0, 1). @default Math.random */
  random?: () => number;
  /** Aborting it rejects with `signal.reason` at once, even in the middle of a wait. */
  signal?: AbortSignal;
  /**
   * Return false (or a promise of false) to stop retrying and reject with this error. `attempt` is the number of
   * the attempt that just failed, from 1. Not called when no retry is left.
   */
  shouldRetry?: (error: unknown, attempt: number) => boolean | Promise<boolean>;
  /** Called before each wait, with the attempt that just failed and the wait about to start. */
  onRetry?: (info: { error: unknown; attempt: number; delayMs: number }) => void;
}

/**
 * Delay before retry number n (1-based): cap = min(maxDelayMs, minDelayMs * factor ** (n - 1));
 * 'none' -> cap; 'full' -> random() * cap; 'equal' -> cap / 2 + random() * cap / 2.
 *
 * @example
 * backoffDelay(1, { jitter: 'none' }); // 100
 * backoffDelay(3, { jitter: 'none' }); // 400
 * backoffDelay(3, { jitter: 'full', random: () => 0.5 }); // 200
 */
export function backoffDelay(n: number, options: RetryOptions = {}): number {
  // TODO: apply the defaults, compute the cap, then the jitter.
  void n;
  void options;
  throw new Error('backoffDelay: not implemented yet');
}

/**
 * Calls fn(attempt) (attempt starts at 1) until it resolves, waiting backoffDelay between attempts.
 * Rejects with the last error itself when no retry is left or when `shouldRetry` says no.
 *
 * @example
 * const user = await retry((attempt) => loadUser(42, { attempt }), { retries: 3, signal });
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  // TODO: validate the options (a TypeError naming the option) before the first attempt.
  // TODO: loop over attempts: return on success; on failure decide whether to retry (retries left? shouldRetry?).
  // TODO: call onRetry, then sleep backoffDelay(attempt) in a way the signal can interrupt (clear the timer!).
  void fn;
  void options;
  throw new Error('retry: not implemented yet');
}

/**
 * fetch with retry: retries network errors and 408, 429, 500, 502, 503, 504; a Retry-After header
 * (delta-seconds or HTTP-date) replaces the computed delay, capped at maxDelayMs; POST and PATCH are never
 * retried; resolves with the first response not to retry, or with the last response once retries run out;
 * rejects with the last network error if the last attempt had no response.
 *
 * @example
 * const response = await fetchWithRetry('https://api.example/items', { headers: { accept: 'application/json' } });
 */
export async function fetchWithRetry(
  input: string | URL,
  init: RequestInit = {},
  options: RetryOptions = {},
): Promise<Response> {
  // TODO: make one attempt for POST and PATCH; retry the status classes above and network errors (ask shouldRetry).
  // TODO: read Retry-After (seconds or an HTTP-date) and wait that long instead, capped at maxDelayMs.
  // TODO: either `options.signal` or `init.signal` aborts the whole thing.
  void input;
  void init;
  void options;
  throw new Error('fetchWithRetry: not implemented yet');
}
