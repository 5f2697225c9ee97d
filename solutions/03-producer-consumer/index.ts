/**
 * Exercise 03: producers and consumers over a bounded queue. Reference solution.
 */

/** What `put` rejects with once the queue is closed, and `get` once it is closed and drained. */
export class QueueClosedError extends Error {
  override readonly name = 'QueueClosedError';
  constructor(message = 'the queue is closed') {
    super(message);
  }
}

/** A caller waiting in get or put: settling it also removes its abort listener. */
interface Waiter<V, P> {
  /** What a waiting putter wants to insert. */
  payload: P;
  resolve(value: V): void;
  reject(reason: unknown): void;
}

/** Queues a waiter on `list`; when `signal` aborts first, it leaves the list and rejects with the reason. */
function waitIn<V, P>(list: Array<Waiter<V, P>>, payload: P, signal: AbortSignal | undefined): Promise<V> {
  return new Promise<V>((resolve, reject) => {
    const onAbort = () => {
      list.splice(list.indexOf(waiter), 1);
      reject(signal?.reason);
    };
    const waiter: Waiter<V, P> = {
      payload,
      resolve(value) {
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
      },
      reject(reason) {
        signal?.removeEventListener('abort', onAbort);
        reject(reason);
      },
    };
    list.push(waiter);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A first-in, first-out queue of at most `maxSize` items, like Python's `asyncio.Queue`.
 */
export class AsyncQueue<T> {
  readonly #maxSize: number;
  readonly #items: T[] = [];
  readonly #getters: Array<Waiter<T, undefined>> = [];
  readonly #putters: Array<Waiter<void, T>> = [];
  readonly #joiners: Array<() => void> = [];
  /** Items accepted and not yet marked done. */
  #unfinished = 0;
  /** Items handed out by get and not yet marked done. */
  #taken = 0;
  #closed = false;

  /** Default Infinity. TypeError unless a positive integer or Infinity. */
  constructor(maxSize = Number.POSITIVE_INFINITY) {
    if (!(maxSize === Number.POSITIVE_INFINITY || (Number.isInteger(maxSize) && maxSize > 0))) {
      throw new TypeError(
        `Expected \`maxSize\` to be a positive integer or Infinity, got ${String(maxSize)}`,
      );
    }
    this.#maxSize = maxSize;
  }

  get size(): number {
    return this.#items.length;
  }

  /** Waits while the queue is full. Rejects with QueueClosedError once closed. An aborted put inserts nothing. */
  put(item: T, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#closed) return Promise.reject(new QueueClosedError());
    if (this.#getters.length > 0 || this.#items.length < this.#maxSize) {
      this.#accept(item);
      return Promise.resolve();
    }
    return waitIn(this.#putters, item, signal);
  }

  /**
   * Waits while the queue is empty. After close(), drains what is left, then rejects with QueueClosedError.
   * An aborted get never loses an item.
   */
  get(signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#items.length > 0) {
      const item = this.#items.shift() as T;
      this.#taken++;
      const putter = this.#putters.shift();
      if (putter) {
        this.#accept(putter.payload);
        putter.resolve();
      }
      return Promise.resolve(item);
    }
    if (this.#closed) return Promise.reject(new QueueClosedError());
    return waitIn(this.#getters, undefined, signal);
  }

  /** Marks one item taken by get() as processed. Throws if called more times than items were taken. */
  taskDone(): void {
    if (this.#taken === 0) throw new Error('taskDone() called more times than items were taken');
    this.#taken--;
    this.#unfinished--;
    if (this.#unfinished === 0) for (const resolve of this.#joiners.splice(0)) resolve();
  }

  /** Resolves when every item ever put has been marked done. */
  join(): Promise<void> {
    if (this.#unfinished === 0) return Promise.resolve();
    return new Promise((resolve) => this.#joiners.push(resolve));
  }

  /** No more puts (waiting putters reject); getters drain the rest, then reject. */
  close(): void {
    this.#closed = true;
    for (const putter of this.#putters.splice(0)) putter.reject(new QueueClosedError());
    if (this.#items.length === 0) {
      for (const getter of this.#getters.splice(0)) getter.reject(new QueueClosedError());
    }
  }

  /** Yields items until the queue is closed and drained. Does not call taskDone. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      let item: T;
      try {
        item = await this.get();
      } catch (error) {
        if (error instanceof QueueClosedError) return;
        throw error;
      }
      yield item;
    }
  }

  /** Hands `item` to the first waiting getter, or stores it. The caller made sure there is room. */
  #accept(item: T): void {
    this.#unfinished++;
    const getter = this.#getters.shift();
    if (getter) {
      this.#taken++;
      getter.resolve(item);
    } else {
      this.#items.push(item);
    }
  }
}

export interface PipelineOptions<T, R> {
  producers: ReadonlyArray<AsyncIterable<T> | Iterable<T>>;
  /** Number of concurrent consumers, >= 1. */
  consumers: number;
  /** Bound of the queue between producers and consumers, >= 1. */
  queueSize: number;
  handle(item: T, consumer: number): Promise<R>;
  signal?: AbortSignal;
}

/**
 * Runs all producers into one bounded queue drained by `consumers` workers; resolves with every result in the
 * order handling finished. The first handler error (or an abort) stops producers and consumers, lets nothing
 * new start, and rejects with that error (like asyncio.TaskGroup).
 */
export async function runPipeline<T, R>(options: PipelineOptions<T, R>): Promise<R[]> {
  const { producers, consumers, queueSize, handle, signal } = options;
  if (!Number.isInteger(consumers) || consumers < 1) {
    throw new TypeError(`Expected \`consumers\` to be an integer from 1 and up, got ${String(consumers)}`);
  }
  if (!(queueSize === Number.POSITIVE_INFINITY || (Number.isInteger(queueSize) && queueSize >= 1))) {
    throw new TypeError(`Expected \`queueSize\` to be an integer from 1 and up, got ${String(queueSize)}`);
  }
  signal?.throwIfAborted();

  const queue = new AsyncQueue<T>(queueSize);
  const stop = new AbortController();
  let failure: { error: unknown } | undefined;
  const fail = (error: unknown) => {
    if (failure) return;
    failure = { error };
    stop.abort(error);
  };
  const onAbort = () => fail(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });

  const results: R[] = [];
  const produce = async (producer: AsyncIterable<T> | Iterable<T>) => {
    for await (const item of producer) {
      if (failure) return;
      await queue.put(item, stop.signal);
    }
  };
  const consume = async (consumer: number) => {
    for (;;) {
      let item: T;
      try {
        item = await queue.get(stop.signal);
      } catch (error) {
        if (error instanceof QueueClosedError) return;
        throw error;
      }
      if (failure) return;
      results.push(await handle(item, consumer));
    }
  };

  try {
    const producing = Promise.all(producers.map((producer) => produce(producer).catch(fail))).then(() =>
      queue.close(),
    );
    const consuming = Array.from({ length: consumers }, (_, consumer) => consume(consumer).catch(fail));
    await Promise.all([producing, ...consuming]);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (failure) throw failure.error;
  return results;
}
