/**
 * Exercise 08: async streams with back-pressure. Reference solution.
 */

export interface PaginateOptions {
  /** Aborts the request in flight; the stream then throws `signal.reason`. */
  signal?: AbortSignal;
  /** Items that may wait, fetched but not yet asked for, before the next page is fetched. @default 0 */
  prefetch?: number;
}

export interface MapOptions {
  /** Calls of `fn` in flight (and results not yet taken) at most. @default Infinity */
  concurrency?: number;
  /** `true`: results in source order; `false`: in the order the calls finish. @default true */
  ordered?: boolean;
  /** Aborting it stops the stream like an error: the stream throws `signal.reason`. */
  signal?: AbortSignal;
}

/** What `fn` receives besides the item: its place in the source, and a signal aborted when the stream stops. */
export interface MapContext {
  index: number;
  signal: AbortSignal;
}

/** A page of the API: its items and the URL of the next page (also possible in a `Link: <…>; rel="next"` header). */
interface Page<T> {
  items: T[];
  next: string | undefined;
}

/**
 * Every item of a cursor-paginated JSON API (`{ items: [...], next: "<url>" | null }`, or the next URL in a
 * `Link: <url>; rel="next"` header), fetching a page only when the consumer has asked for all but `prefetch` of
 * the items already fetched.
 *
 * @example
 * for await (const user of paginate('https://api.test/users', { prefetch: 10 })) console.log(user);
 */
export async function* paginate<T = unknown>(
  url: string | URL,
  options: PaginateOptions = {},
): AsyncGenerator<T, void, undefined> {
  const { signal, prefetch = 0 } = options;
  if (!Number.isInteger(prefetch) || prefetch < 0) {
    throw new TypeError(`Expected \`prefetch\` to be a whole number from 0 and up, got ${String(prefetch)}`);
  }
  signal?.throwIfAborted();
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort);
  const buffer: T[] = [];
  let nextUrl: string | undefined = String(url);
  let inFlight: Promise<void> | undefined;
  let failure: { error: unknown } | undefined;

  const fetchNext = (): void => {
    const pageUrl = nextUrl as string;
    nextUrl = undefined;
    inFlight = fetchPage<T>(pageUrl, controller.signal).then(
      (page) => {
        inFlight = undefined;
        buffer.push(...page.items);
        nextUrl = page.next;
        // While the consumer waits, the generator takes its item first and decides then.
        if (buffer.length < prefetch && nextUrl !== undefined) fetchNext();
      },
      (error: unknown) => {
        inFlight = undefined;
        failure = { error };
      },
    );
  };

  try {
    while (true) {
      signal?.throwIfAborted();
      if (buffer.length > 0) {
        const item = buffer.shift() as T;
        if (buffer.length < prefetch && !inFlight && nextUrl !== undefined && !failure) fetchNext();
        yield item;
        continue;
      }
      if (failure) throw failure.error;
      if (!inFlight) {
        if (nextUrl === undefined) return;
        fetchNext();
      }
      await inFlight;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    controller.abort();
  }
}

async function fetchPage<T>(url: string, signal: AbortSignal): Promise<Page<T>> {
  const response = await fetch(url, { signal });
  if (!response.ok) throw new Error(`GET ${url} failed with HTTP ${response.status}`);
  const body = (await response.json()) as { items?: T[]; next?: string | null };
  const next = body.next ?? linkNext(response.headers.get('link'));
  return { items: body.items ?? [], next: next ? new URL(next, url).href : undefined };
}

/** The URL of `rel="next"` in a Link header (`<url>; rel="next", <url>; rel=prev`), if any. */
function linkNext(header: string | null): string | undefined {
  for (const link of (header ?? '').split(',')) {
    const [target, ...params] = link.split(';').map((part) => part.trim());
    if (params.some((param) => /^rel\s*=\s*"?next"?$/i.test(param))) return target.slice(1, -1);
  }
  return undefined;
}

/**
 * `fn` over every item of `source`, at most `concurrency` calls at a time, as a stream of results. The source is
 * pulled only when a slot is free: a slot is taken when an item is pulled and given back when its result is
 * handed to the consumer.
 *
 * @example
 * for await (const page of mapConcurrent(urls, (url, { signal }) => fetch(url, { signal }), { concurrency: 3 })) {}
 */
export async function* mapConcurrent<T, R>(
  source: Iterable<T> | AsyncIterable<T>,
  fn: (item: T, context: MapContext) => R | Promise<R>,
  options: MapOptions = {},
): AsyncGenerator<R, void, undefined> {
  const { concurrency = Infinity, ordered = true, signal } = options;
  if (typeof fn !== 'function') throw new TypeError('Expected `fn` to be a function');
  if (!(Number.isInteger(concurrency) || concurrency === Infinity) || concurrency < 1) {
    throw new TypeError(
      `Expected \`concurrency\` to be a whole number from 1 and up, got ${String(concurrency)}`,
    );
  }
  const iterator = iteratorOf(source);
  signal?.throwIfAborted();
  const controller = new AbortController();
  const running: Promise<void>[] = [];
  const done = new Map<number, R>();
  const finished: R[] = [];
  let taken = 0;
  let pulled = 0;
  let slots = 0;
  let pulling = false;
  let sourceDone = false;
  let stopped = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const fail = (error: unknown) => {
    if (failure) return;
    failure = { error };
    controller.abort(error);
    notify();
  };
  const onAbort = () => fail(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });

  const pull = async () => {
    pulling = true;
    slots++;
    let result: IteratorResult<T>;
    try {
      result = await iterator.next();
    } catch (error) {
      sourceDone = true;
      fail(error);
      return;
    } finally {
      pulling = false;
    }
    if (result.done) {
      sourceDone = true;
      slots--;
      notify();
      return;
    }
    if (failure || stopped) return;
    const index = pulled++;
    const call = (async () => fn(result.value, { index, signal: controller.signal }))().then((value) => {
      if (ordered) done.set(index, value);
      else finished.push(value);
      notify();
    }, fail);
    running.push(call);
    fill();
  };
  const fill = () => {
    if (!pulling && !sourceDone && !failure && !stopped && slots < concurrency) void pull();
  };

  try {
    fill();
    while (true) {
      if (failure) {
        await Promise.allSettled(running);
        throw failure.error;
      }
      const ready = ordered ? done.has(taken) : finished.length > 0;
      if (ready) {
        const value = ordered ? (done.get(taken) as R) : (finished.shift() as R);
        done.delete(taken);
        taken++;
        slots--;
        fill();
        yield value;
        continue;
      }
      if (sourceDone && slots === 0) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    stopped = true;
    signal?.removeEventListener('abort', onAbort);
    controller.abort();
    await Promise.allSettled(running);
    if (!sourceDone) await iterator.return?.();
  }
}

function iteratorOf<T>(source: Iterable<T> | AsyncIterable<T>): AsyncIterator<T> | Iterator<T> {
  const candidate = source as Partial<AsyncIterable<T> & Iterable<T>> | null | undefined;
  const asyncMethod = candidate?.[Symbol.asyncIterator];
  if (typeof asyncMethod === 'function') return asyncMethod.call(candidate);
  const syncMethod = candidate?.[Symbol.iterator];
  if (typeof syncMethod === 'function') return syncMethod.call(candidate);
  throw new TypeError('Expected `source` to be an iterable or an async iterable');
}

/**
 * Values of every source as they arrive, first ready first out, with one value asked for ahead per source. When
 * the consumer stops (or a source fails) every source still open is closed.
 *
 * @example
 * for await (const event of merge(clicks, keys, ticks)) handle(event);
 */
export async function* merge<T>(...sources: AsyncIterable<T>[]): AsyncGenerator<T, void, undefined> {
  const iterators = sources.map((source) => {
    const method = (source as Partial<AsyncIterable<T>> | null | undefined)?.[Symbol.asyncIterator];
    if (typeof method !== 'function') throw new TypeError('Expected `sources` to be async iterables');
    return method.call(source);
  });
  const open = new Set(iterators.keys());
  const arrived: Array<{ from: number } & ({ result: IteratorResult<T> } | { error: unknown })> = [];
  let wake: (() => void) | undefined;
  const pull = (from: number) => {
    Promise.resolve()
      .then(() => iterators[from].next())
      .then(
        (result) => arrived.push({ from, result }),
        (error: unknown) => arrived.push({ from, error }),
      )
      .then(() => {
        wake?.();
        wake = undefined;
      });
  };
  try {
    for (const from of open) pull(from);
    while (open.size > 0) {
      const entry = arrived.shift();
      if (!entry) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      if ('error' in entry) {
        open.delete(entry.from);
        throw entry.error;
      }
      if (entry.result.done) {
        open.delete(entry.from);
        continue;
      }
      pull(entry.from);
      yield entry.result.value;
    }
  } finally {
    await Promise.allSettled([...open].map(async (from) => iterators[from].return?.()));
  }
}
