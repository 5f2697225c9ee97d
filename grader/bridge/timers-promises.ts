/**
 * `node:timers/promises` on any clock, with Node's abort behaviour: the lab's clock (grader/lab/clock.ts) and the
 * subject's (grader/subject/clock.ts) each hand it their own timers and their own way to listen to a signal, so
 * that neither side's listeners count as the student's. Runs on both sides; imports nothing.
 */

/** The timers and listening a clock lends to `timersPromises`. */
export interface TimerHost {
  setTimeout(callback: () => void, ms: number | undefined): unknown;
  setImmediate(callback: () => void): unknown;
  setInterval(callback: () => void, ms: number | undefined): unknown;
  clear(handle: unknown): void;
  /** Calls `listener` once when `signal` aborts; returns how to stop listening. */
  listen(signal: AbortSignal, listener: () => void): () => void;
}

interface TimerOptions {
  signal?: AbortSignal;
  ref?: boolean;
}

class AbortError extends Error {
  readonly code = 'ABORT_ERR';
  override readonly name = 'AbortError';
  constructor(reason: unknown) {
    super('The operation was aborted', { cause: reason });
  }
}

/** `setTimeout`, `setImmediate` and `setInterval` of `node:timers/promises`, on `host`. */
export function timersPromises(host: TimerHost) {
  function settleAfter<T>(
    start: (fire: () => void) => unknown,
    value: T,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    if (signal?.aborted) return Promise.reject(new AbortError(signal.reason));
    return new Promise<T>((resolve, reject) => {
      let stop = () => {};
      const handle = start(() => {
        stop();
        resolve(value);
      });
      if (signal) {
        stop = host.listen(signal, () => {
          host.clear(handle);
          reject(new AbortError(signal.reason));
        });
      }
    });
  }
  function sleep<T = void>(ms?: number, value?: T, options: TimerOptions = {}): Promise<T> {
    return settleAfter((fire) => host.setTimeout(fire, ms), value as T, options?.signal);
  }
  function immediate<T = void>(value?: T, options: TimerOptions = {}): Promise<T> {
    return settleAfter((fire) => host.setImmediate(fire), value as T, options?.signal);
  }
  async function* interval<T = void>(ms?: number, value?: T, options: TimerOptions = {}): AsyncGenerator<T> {
    const { signal } = options ?? {};
    if (signal?.aborted) throw new AbortError(signal.reason);
    let ticks = 0;
    let wake: (() => void) | undefined;
    const handle = host.setInterval(() => {
      ticks++;
      wake?.();
    }, ms);
    const stop = signal ? host.listen(signal, () => wake?.()) : () => {};
    try {
      for (;;) {
        if (ticks === 0) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        if (signal?.aborted) throw new AbortError(signal.reason);
        for (; ticks > 0; ticks--) yield value as T;
      }
    } finally {
      host.clear(handle);
      stop();
    }
  }
  return { setTimeout: sleep, setImmediate: immediate, setInterval: interval };
}
