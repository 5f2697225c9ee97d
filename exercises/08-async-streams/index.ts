/**
 * Exercise 08: async streams with back-pressure.
 *
 * Read README.md next to this file first. Run `npm run grade -- 08` to see how you are doing.
 */

export interface PaginateOptions {
  /** Aborting it aborts the request in flight; the stream then throws `signal.reason`. */
  signal?: AbortSignal;
  /**
   * How many fetched items may wait, not yet asked for by the consumer, before the next page is fetched: the
   * next page is fetched as soon as fewer than `prefetch` would be left. A whole number from 0.
   * @default 0 (no read-ahead: the next page is fetched when the consumer asks for an item not fetched yet)
   */
  prefetch?: number;
}

export interface MapOptions {
  /**
   * Slots: a slot is taken when an item is pulled from the source and given back when its result is handed to
   * the consumer. So at most `concurrency` calls of fn run at once. A whole number from 1, or Infinity.
   * @default Infinity
   */
  concurrency?: number;
  /** `true`: results in the order of the source; `false`: in the order the calls finish. @default true */
  ordered?: boolean;
  /** Aborting it stops the stream like an error would: it throws `signal.reason`. */
  signal?: AbortSignal;
}

/** What fn receives besides the item: its place in the source (from 0), and a signal aborted when the stream stops. */
export interface MapContext {
  index: number;
  signal: AbortSignal;
}

/**
 * Every item of a cursor-paginated JSON API. A page is `{ "items": [...], "next": "<url>" | null }`; the next
 * URL may instead be in a `Link: <url>; rel="next"` header. Relative URLs are relative to the page's URL.
 *
 * @example
 * for await (const user of paginate<User>('https://api.test/users', { prefetch: 10 })) console.log(user.name);
 */
// biome-ignore lint/correctness/useYield: a stub; your version will yield.
export async function* paginate<T = unknown>(
  url: string | URL,
  options: PaginateOptions = {},
): AsyncGenerator<T, void, undefined> {
  // TODO: validate `prefetch` (a TypeError naming it).
  // TODO: fetch a page only when the consumer needs it (or when fewer than `prefetch` fetched items are left),
  //       yield its items, follow the next link; abort what is in flight in a `finally`.
  void url;
  void options;
  throw new Error('paginate: not implemented yet');
}

/**
 * `fn` over every item of `source` (an iterable or an async iterable), at most `concurrency` at a time, as a
 * stream of results. The first error (or an early `break`) stops pulling, aborts the calls in flight, waits for
 * them to settle, closes the source, and (for an error) rethrows it.
 *
 * @example
 * const pages = mapConcurrent(urls, (url, { signal }) => fetch(url, { signal }), { concurrency: 3 });
 * for await (const response of pages) console.log(response.status);
 */
// biome-ignore lint/correctness/useYield: a stub; your version will yield.
export async function* mapConcurrent<T, R>(
  source: Iterable<T> | AsyncIterable<T>,
  fn: (item: T, context: MapContext) => R | Promise<R>,
  options: MapOptions = {},
): AsyncGenerator<R, void, undefined> {
  // TODO: validate `fn` and `concurrency`.
  // TODO: pull the source only while a slot is free; call fn at once on each item; yield results in order
  //       (or as they finish); on an error or an early stop, abort, wait for the calls in flight, close the source.
  void source;
  void fn;
  void options;
  throw new Error('mapConcurrent: not implemented yet');
}

/**
 * The values of every source, first ready first out, with one value asked for ahead per source. When the
 * consumer stops, or a source fails, every source still open is closed with `return()`.
 *
 * @example
 * for await (const event of merge(clicks, keys, ticks)) handle(event);
 */
// biome-ignore lint/correctness/useYield: a stub; your version will yield.
export async function* merge<T>(...sources: AsyncIterable<T>[]): AsyncGenerator<T, void, undefined> {
  // TODO: keep one next() out per source; queue what arrives; yield from the front of the queue.
  // TODO: in a `finally`, call return() on every source that has not ended.
  void sources;
  throw new Error('merge: not implemented yet');
}
