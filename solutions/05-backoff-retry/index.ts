/**
 * Exercise 05: retry with exponential backoff. Reference solution.
 */

export interface RetryOptions {
  /** Retries after the first attempt. Default 5. TypeError if negative, fractional or NaN. */
  retries?: number;
  /** Default 100. */ minDelayMs?: number;
  /** Default 10_000. */ maxDelayMs?: number;
  /** Default 2. */ factor?: number;
  /** Default 'full'. */ jitter?: 'full' | 'equal' | 'none';
  /** Source of randomness in [0, 1). Default Math.random. */ random?: () => number;
  signal?: AbortSignal;
  /** Return false to stop retrying and reject with this error. */
  shouldRetry?: (error: unknown, attempt: number) => boolean | Promise<boolean>;
  /** Called before each wait. */
  onRetry?: (info: { error: unknown; attempt: number; delayMs: number }) => void;
}

type Settings = Required<Omit<RetryOptions, 'signal' | 'onRetry'>> & Pick<RetryOptions, 'signal' | 'onRetry'>;

const JITTERS = ['full', 'equal', 'none'] as const;
const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const SINGLE_ATTEMPT_METHODS = new Set(['POST', 'PATCH']);

/**
 * Delay before retry number n (1-based): cap = min(maxDelayMs, minDelayMs * factor ** (n - 1));
 * 'none' -> cap; 'full' -> random() * cap; 'equal' -> cap / 2 + random() * cap / 2.
 */
export function backoffDelay(n: number, options: RetryOptions = {}): number {
  if (!Number.isInteger(n) || n < 1)
    throw new TypeError(`Expected \`n\` to be an integer from 1 and up, got ${n}`);
  return delayFor(n, resolveOptions(options));
}

/** Calls fn(attempt) (attempt starts at 1) until it resolves, waiting backoffDelay between attempts. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  if (typeof fn !== 'function') throw new TypeError('Expected `fn` to be a function');
  const settings = resolveOptions(options);
  return attempts(fn, settings, (error, attempt) => settings.shouldRetry(error, attempt));
}

/**
 * fetch with retry: retries network errors and 408, 429, 500, 502, 503, 504; a Retry-After header
 * (delta-seconds or HTTP-date) replaces the computed delay, capped at maxDelayMs; POST and PATCH are never
 * retried; resolves with the first response not to retry, or with the last response once retries run out;
 * rejects with the last network error if the last attempt had no response.
 */
export async function fetchWithRetry(
  input: string | URL,
  init: RequestInit = {},
  options: RetryOptions = {},
): Promise<Response> {
  const settings = resolveOptions(options);
  const sources = [options.signal, init.signal ?? undefined].filter((signal) => signal !== undefined);
  const signal = sources.length > 1 ? AbortSignal.any(sources) : sources[0];
  const method = (init.method ?? 'GET').toUpperCase();
  const retries = SINGLE_ATTEMPT_METHODS.has(method) ? 0 : settings.retries;
  try {
    return await attempts(
      async () => {
        const response = await fetch(input, { ...init, signal });
        if (!RETRY_STATUSES.has(response.status)) return response;
        throw new RetryableStatus(response);
      },
      { ...settings, retries, signal },
      (error, attempt) => error instanceof RetryableStatus || settings.shouldRetry(error, attempt),
      async (error) => {
        if (!(error instanceof RetryableStatus)) return undefined;
        await error.response.body?.cancel().catch(() => {});
        const wait = retryAfterMs(error.response.headers.get('retry-after'));
        return wait === undefined ? undefined : Math.min(settings.maxDelayMs, wait);
      },
    );
  } catch (error) {
    if (error instanceof RetryableStatus) return error.response;
    throw error;
  }
}

/** A response that asks for another try; carries the response in case no retry is left. */
class RetryableStatus extends Error {
  constructor(readonly response: Response) {
    super(`HTTP ${response.status}`);
    this.name = 'RetryableStatus';
  }
}

/**
 * The attempt loop both functions share. `delayOverride` may replace the computed delay (Retry-After); it is
 * asked only when a retry will happen.
 */
async function attempts<T>(
  fn: (attempt: number) => Promise<T>,
  settings: Settings,
  shouldRetry: (error: unknown, attempt: number) => boolean | Promise<boolean>,
  delayOverride?: (error: unknown) => Promise<number | undefined>,
): Promise<T> {
  const { signal, onRetry } = settings;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (error) {
      signal?.throwIfAborted();
      if (attempt > settings.retries) throw error;
      const again = await shouldRetry(error, attempt);
      // An abort while shouldRetry was deciding wins over its answer, as it wins over an attempt's failure.
      signal?.throwIfAborted();
      if (!again) throw error;
      const delayMs = (await delayOverride?.(error)) ?? delayFor(attempt, settings);
      onRetry?.({ error, attempt, delayMs });
      await sleep(delayMs, signal);
    }
  }
}

function delayFor(n: number, { minDelayMs, maxDelayMs, factor, jitter, random }: Settings): number {
  // 0 × Infinity is NaN: a zero minimum stays zero however many retries there were.
  const cap = minDelayMs === 0 ? 0 : Math.min(maxDelayMs, minDelayMs * factor ** (n - 1));
  if (jitter === 'none') return cap;
  if (jitter === 'full') return random() * cap;
  return cap / 2 + (random() * cap) / 2;
}

/** Resolves after `ms` (rounded up to a whole ms), or rejects with `signal.reason` as soon as it aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.ceil(ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Retry-After as ms from now: delta-seconds or an HTTP-date (a past date is 0). Undefined when unreadable. */
function retryAfterMs(value: string | null): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function resolveOptions(options: RetryOptions): Settings {
  if (options === null || typeof options !== 'object')
    throw new TypeError('Expected `options` to be an object');
  const {
    retries = 5,
    minDelayMs = 100,
    maxDelayMs = 10_000,
    factor = 2,
    jitter = 'full',
    random = Math.random,
    signal,
    shouldRetry = () => true,
    onRetry,
  } = options;
  if (
    typeof retries !== 'number' ||
    !(retries >= 0) ||
    !(Number.isInteger(retries) || retries === Infinity)
  ) {
    throw new TypeError(
      `Expected \`retries\` to be a whole number from 0 and up (or Infinity), got ${String(retries)}`,
    );
  }
  for (const [name, value] of [
    ['minDelayMs', minDelayMs],
    ['maxDelayMs', maxDelayMs],
  ] as const) {
    if (typeof value !== 'number' || !(value >= 0)) {
      throw new TypeError(`Expected \`${name}\` to be a number from 0 and up, got ${String(value)}`);
    }
  }
  if (!Number.isFinite(minDelayMs)) throw new TypeError('Expected `minDelayMs` to be finite');
  if (typeof factor !== 'number' || !(factor >= 1) || !Number.isFinite(factor)) {
    throw new TypeError(`Expected \`factor\` to be a finite number from 1 and up, got ${String(factor)}`);
  }
  if (!JITTERS.includes(jitter)) {
    throw new TypeError(`Expected \`jitter\` to be 'full', 'equal' or 'none', got ${String(jitter)}`);
  }
  if (typeof random !== 'function') throw new TypeError('Expected `random` to be a function');
  if (typeof shouldRetry !== 'function') throw new TypeError('Expected `shouldRetry` to be a function');
  if (onRetry !== undefined && typeof onRetry !== 'function') {
    throw new TypeError('Expected `onRetry` to be a function');
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError('Expected `signal` to be an AbortSignal');
  }
  return { retries, minDelayMs, maxDelayMs, factor, jitter, random, signal, shouldRetry, onRetry };
}
