/**
 * Exercise 03: producers and consumers over a bounded queue.
 *
 * Read README.md next to this file first. Run `npm run grade -- 03` to see how you are doing.
 */

/** What `put` rejects with once the queue is closed, and `get` once it is closed and drained. */
export class QueueClosedError extends Error {
  override readonly name = 'QueueClosedError';
}

/**
 * A first-in, first-out queue of at most `maxSize` items, like Python's `asyncio.Queue`.
 *
 * @example
 * const queue = new AsyncQueue<string>(2);
 * await queue.put('a');
 * const item = await queue.get(); // 'a'
 * queue.taskDone();
 */
export class AsyncQueue<T> {
  /**
   * @param maxSize How many items the queue holds at most. TypeError unless a positive integer or Infinity.
   * @default Infinity
   */
  constructor(maxSize: number = Number.POSITIVE_INFINITY) {
    // TODO: validate `maxSize` (a TypeError whose message names `maxSize`), then set up your state:
    //       the items, the callers waiting in get(), the callers waiting in put(), and the counts join() needs.
    void maxSize;
    throw new Error('AsyncQueue: not implemented yet');
  }

  /** Items in the queue right now. */
  get size(): number {
    // TODO
    throw new Error('AsyncQueue.size: not implemented yet');
  }

  /**
   * Waits while the queue is full. Rejects with QueueClosedError once closed. An aborted put inserts nothing.
   *
   * @example
   * await queue.put(item, AbortSignal.timeout(1000));
   */
  put(item: T, signal?: AbortSignal): Promise<void> {
    // TODO: room (or a waiting getter)? accept the item now. Full? wait, first come first served, until a get
    //       makes room; if `signal` aborts first, leave the line and reject with `signal.reason`.
    void item;
    void signal;
    throw new Error('AsyncQueue.put: not implemented yet');
  }

  /**
   * Waits while the queue is empty. After close(), drains what is left, then rejects with QueueClosedError.
   * An aborted get never loses an item.
   */
  get(signal?: AbortSignal): Promise<T> {
    // TODO: an item there? take it (and let the first waiting putter in). Empty? wait in line for one.
    void signal;
    throw new Error('AsyncQueue.get: not implemented yet');
  }

  /** Marks one item taken by get() as processed. Throws if called more times than items were taken. */
  taskDone(): void {
    // TODO
    throw new Error('AsyncQueue.taskDone: not implemented yet');
  }

  /** Resolves when every item ever put has been marked done. */
  join(): Promise<void> {
    // TODO
    throw new Error('AsyncQueue.join: not implemented yet');
  }

  /** No more puts (waiting putters reject); getters drain the rest, then reject. */
  close(): void {
    // TODO
    throw new Error('AsyncQueue.close: not implemented yet');
  }

  /**
   * Yields items until the queue is closed and drained. It does not call taskDone.
   *
   * @example
   * for await (const item of queue) console.log(item);
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    // TODO: an `async *[Symbol.asyncIterator]()` generator method is the easiest way.
    throw new Error('AsyncQueue[Symbol.asyncIterator]: not implemented yet');
  }
}

export interface PipelineOptions<T, R> {
  /** Where items come from: arrays, generators, async generators… Zero producers is fine. */
  producers: ReadonlyArray<AsyncIterable<T> | Iterable<T>>;
  /** Number of concurrent consumers, >= 1. */
  consumers: number;
  /** Bound of the queue between producers and consumers, >= 1. */
  queueSize: number;
  /** Handles one item; `consumer` is the 0-based index of the consumer handling it. */
  handle(item: T, consumer: number): Promise<R>;
  /** Aborting it stops the pipeline, which rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * Runs all producers into one bounded queue drained by `consumers` workers; resolves with every result in the
 * order handling finished. The first handler error (or an abort) stops producers and consumers, lets nothing
 * new start, and rejects with that error (like asyncio.TaskGroup).
 *
 * @example
 * const sizes = await runPipeline({
 *   producers: [['a.txt', 'b.txt'], listFiles('docs/')],
 *   consumers: 3,
 *   queueSize: 10,
 *   handle: async (file, consumer) => (await readFile(file)).length,
 * });
 */
export async function runPipeline<T, R>(options: PipelineOptions<T, R>): Promise<R[]> {
  // TODO: validate `consumers` and `queueSize` (TypeError naming the option).
  // TODO: one task per producer putting its items into an AsyncQueue(queueSize); once all are done, close it.
  // TODO: `consumers` tasks taking items and handling them until the queue is closed and drained.
  // TODO: the first error or an abort stops everything; wait for the running handlers, then reject with it.
  void options;
  throw new Error('runPipeline: not implemented yet');
}
