/**
 * Exercise 01: fetch five URLs at once. Reference solution.
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

type Success = Extract<Outcome, { ok: true }>;

/**
 * Fetches every URL concurrently and resolves with one Outcome per URL, in input order. Never rejects.
 */
export async function fetchAll(urls: readonly string[], options: FetchOptions = {}): Promise<Outcome[]> {
  const { timeoutMs, signal } = checkOptions(urls, options);
  return Promise.all(urls.map((url) => fetchOne(url, timeoutMs, signal)));
}

/**
 * Resolves with the first successful Outcome (by completion time) and aborts the requests still running.
 * Rejects with an AggregateError (one Error per URL, in input order) when none succeeds.
 */
export async function fetchFirst(urls: readonly string[], options: FetchOptions = {}): Promise<Success> {
  const { timeoutMs, signal } = checkOptions(urls, options);
  signal?.throwIfAborted();
  const losers = new AbortController();
  const shared = signal ? AbortSignal.any([signal, losers.signal]) : losers.signal;
  try {
    return await Promise.any(
      urls.map(async (url) => {
        const outcome = await fetchOne(url, timeoutMs, shared);
        if (outcome.ok) return outcome;
        throw new Error(`${url}: ${outcome.message}`, { cause: outcome });
      }),
    );
  } catch (error) {
    signal?.throwIfAborted();
    if (urls.length === 0) throw new AggregateError([], 'fetchFirst: no URLs to fetch');
    throw error;
  } finally {
    losers.abort();
  }
}

/**
 * Yields each URL's Outcome as soon as it completes, while every request runs concurrently, in the order the
 * requests complete even when the consumer is slow. A consumer that stops early (`break`) aborts the requests still
 * running. Like any `async function*`, it runs nothing until the first `next()`: a bad argument rejects that call.
 */
export async function* fetchAsCompleted(
  urls: readonly string[],
  options: FetchOptions = {},
): AsyncGenerator<Outcome> {
  const { timeoutMs, signal } = checkOptions(urls, options);
  const stop = new AbortController();
  const shared = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  // Outcomes queue up in the order their requests complete. Racing the requests still running would not do:
  // when several finish while the consumer is busy, Promise.race picks the first of them in input order.
  const done: Outcome[] = [];
  let wake: (() => void) | undefined;
  for (const url of urls) {
    fetchOne(url, timeoutMs, shared).then((outcome) => {
      done.push(outcome);
      wake?.();
    });
  }
  try {
    for (let yielded = 0; yielded < urls.length; yielded++) {
      while (done.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      yield done.shift() as Outcome;
    }
  } finally {
    stop.abort();
  }
}

/** One request, body included, within `timeoutMs`; never rejects. */
async function fetchOne(url: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<Outcome> {
  if (signal?.aborted) return { url, ok: false, reason: 'aborted', message: describe(signal.reason) };
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    const body = await response.text();
    if (!response.ok) {
      return { url, ok: false, reason: 'http', status: response.status, message: `HTTP ${response.status}` };
    }
    return { url, ok: true, status: response.status, body };
  } catch (error) {
    if (signal?.aborted) return { url, ok: false, reason: 'aborted', message: describe(signal.reason) };
    if (timeout.aborted)
      return { url, ok: false, reason: 'timeout', message: `no answer within ${timeoutMs} ms` };
    return { url, ok: false, reason: 'network', message: describe(error) };
  }
}

function checkOptions(urls: readonly string[], options: FetchOptions) {
  if (!Array.isArray(urls)) throw new TypeError('Expected `urls` to be an array of URLs');
  const { timeoutMs = 5000, signal } = options;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
    throw new TypeError(`Expected \`timeoutMs\` to be a positive number, got ${String(timeoutMs)}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError('Expected `signal` to be an AbortSignal');
  }
  return { timeoutMs, signal };
}

function describe(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}
