/**
 * The kit's one manifest: every exercise and every check, in learning order.
 *
 * Ids, titles, points, hints and visibility live here and nowhere else. Suites refer to checks by id
 * (`check('starts-all-at-once', ...)`), the grader reads titles and points from here, and `validateManifest`
 * refuses a manifest that could grade wrongly (duplicate ids, points that do not add up, empty hints).
 */

/** `public` checks ship in the student template; `hidden` ones are graded on push only. */
export type Visibility = 'public' | 'hidden';

export interface CheckSpec {
  /** Kebab-case id, unique within its exercise; the suite's test title. */
  readonly id: string;
  /** One line a student reads in the score table. */
  readonly title: string;
  /** Whole points; a check gives all or nothing. */
  readonly points: number;
  /** What to look at when the check fails, for a learner. */
  readonly hint: string;
  /** @default 'public' */
  readonly visibility?: Visibility;
}

export interface ExerciseSpec {
  /** `NN-slug`: the folder under `exercises/` and `solutions/`, and the suite `grader/suites/<id>.test.ts`. */
  readonly id: string;
  readonly title: string;
  /** What the exercise is worth; its checks' points must add up to this. */
  readonly points: number;
  /** Progressive hints, gentlest first (`npm run hint`). */
  readonly hints: readonly string[];
  /**
   * How the kit's lists of exercises introduce it, in Markdown: README.md's table and the student guide's learning
   * path are generated from here (`npm run new -- --lists`). Verify requires it.
   */
  readonly about?: {
    /** What it teaches, in one line: README.md's table. */
    readonly summary: string;
    /** What a student learns, in a sentence or two: the learning path in docs/student-guide.md. */
    readonly learn: string;
    /** Its counterparts in Python's asyncio. */
    readonly asyncio: string;
  };
  readonly checks: readonly CheckSpec[];
  /**
   * Hidden checks left out of this copy of the kit: the student template (`npm run export`) drops them and records
   * here how many there were and what they are worth, so the points still add up and `npm run grade` can say that
   * they are graded on push. Absent in the instructor's kit, where hidden checks are listed in `checks`.
   */
  readonly hidden?: { readonly checks: number; readonly points: number };
}

export const manifest = [
  {
    id: '01-fetch-all',
    title: 'Fetch five URLs at once',
    points: 20,
    hints: [
      'Start every request first, then wait for all of them: create the promises in one pass, await them in another.',
      '`Promise.allSettled` never rejects; `Promise.all` rejects on the first failure. Turn each failure into an Outcome inside its own promise and either works.',
      'Give every request its own AbortController (or `AbortSignal.any([signal, AbortSignal.timeout(ms)])`) so a timeout really stops it.',
    ],
    about: {
      summary:
        'start first, await later; `Promise.all`/`allSettled`/`any`; timeouts that cancel; completion order',
      learn:
        'start work first, await later; `Promise.all` / `allSettled` / `any`; timeouts that really cancel (`AbortController`, `AbortSignal.timeout`); results in completion order with an async generator',
      asyncio: '`gather`, `wait_for`, `as_completed`, `wait(FIRST_COMPLETED)`',
    },
    checks: [
      {
        id: 'starts-all-at-once',
        title: 'fetchAll() - every request starts before any response arrives',
        points: 2,
        hint: 'Call fetch for every URL before awaiting any of them (this is the classic `await` in a loop).',
      },
      {
        id: 'total-is-slowest',
        title: 'fetchAll() - takes as long as the slowest request, not the sum',
        points: 1,
        hint: 'If the requests overlap, the total is the slowest one. Await them together with Promise.all or Promise.allSettled.',
      },
      {
        id: 'outcomes-in-input-order',
        title: 'fetchAll() - one Outcome per URL, in input order',
        points: 2,
        hint: 'Promise.all keeps input order whatever order the promises settle in; pushing into an array as results arrive does not.',
      },
      {
        id: 'failures-become-outcomes',
        title: "fetchAll() - never rejects: a non-2xx is 'http', a network failure is 'network'",
        points: 2,
        hint: 'fetch resolves for a 404 or 500: check `res.ok`. Catch each request on its own so one failure cannot take the others down.',
      },
      {
        id: 'timeout-per-request',
        title: "fetchAll() - a request over timeoutMs is aborted and is 'timeout'; the others are unaffected",
        points: 2,
        hint: 'Racing a timer does not stop the request: abort it with its own AbortController or AbortSignal.timeout, and clear any timer you start.',
      },
      {
        id: 'abort-signal',
        title: "fetchAll() - aborting `signal` ends every running request as 'aborted' at once",
        points: 1,
        hint: 'Pass a signal that follows `options.signal` to every fetch (AbortSignal.any combines signals). Check `signal.aborted` before sending anything.',
      },
      {
        id: 'leaves-nothing-pending',
        title: 'fetchAll() - [] gives [], and nothing is left pending when it settles',
        points: 1,
        hint: 'Every setTimeout needs its clearTimeout, and every addEventListener its removeEventListener, once the request is over.',
      },
      {
        id: 'first-success-wins',
        title: 'fetchFirst() - the first success wins; a fast failure does not',
        points: 2,
        hint: 'Promise.race settles with the first promise to settle, failures included. Promise.any waits for the first success.',
      },
      {
        id: 'first-aborts-losers',
        title: 'fetchFirst() - the requests still running are aborted once one succeeds',
        points: 1,
        hint: 'Share one AbortController between the requests and abort it when the winner arrives.',
      },
      {
        id: 'first-all-fail',
        title: 'fetchFirst() - rejects with an AggregateError (one error per URL) when none succeeds',
        points: 1,
        hint: 'Promise.any rejects with an AggregateError when every promise rejects; `[]` must reject too.',
        visibility: 'hidden',
      },
      {
        id: 'as-completed-order',
        title: 'fetchAsCompleted() - yields Outcomes in completion order while all requests run',
        points: 2,
        hint: 'Start every request first and push each Outcome into a queue the moment its request settles; yield from the front of that queue. `Promise.race` over the rest picks by input order when several are done before the consumer asks.',
      },
      {
        id: 'as-completed-break-aborts',
        title: 'fetchAsCompleted() - a consumer that stops early aborts the rest',
        points: 1,
        hint: 'A `break` in for await calls the generator’s return(): a try/finally in the generator runs then.',
      },
      {
        id: 'signal-first-and-as-completed',
        title: 'fetchFirst() and fetchAsCompleted() - aborting `signal` stops them at once',
        points: 1,
        hint: 'Pass a signal that follows `options.signal` to every request here too (AbortSignal.any with your own controller); fetchFirst rejects with `signal.reason`.',
      },
      {
        id: 'bad-arguments',
        title:
          'fetchAll(), fetchFirst(), fetchAsCompleted() - bad `urls` or `timeoutMs` is a TypeError naming the option',
        points: 1,
        hint: 'Check `Array.isArray(urls)` and that `timeoutMs` is a number above 0 before starting anything, and throw a TypeError that names the option.',
        visibility: 'hidden',
      },
    ],
  },
  {
    id: '02-rate-limited-client',
    title: 'A rate-limited API client on a semaphore',
    points: 20,
    hints: [
      'Build the Semaphore first and test it on its own: a count of free permits and a queue of waiting resolve functions. acquire() either takes a permit at once or queues a promise; a release hands the permit to the first waiter.',
      'Waiting costs nothing when it is a promise nobody has resolved yet: never loop with setTimeout to see whether a permit is free. Whoever releases wakes exactly one waiter.',
      'Release in a `finally`, and make each release function work once (a flag in its closure). An aborted waiter must leave the queue, or the permit a release hands it is lost.',
      'For the window, a second Semaphore of `maxPerWindow` permits whose release you schedule `windowMs` after each start works; so does a list of recent start times plus one timer to the next allowed start. Take the slot first, then the window, so the window counts real starts.',
    ],
    about: {
      summary: 'a FIFO semaphore; at most N in flight and N starts per sliding window',
      learn:
        'a semaphore built from promises: waiting without burning CPU, first come first served, giving up a place on abort; "at most N at once" and "at most N per window" together',
      asyncio: '`asyncio.Semaphore`',
    },
    checks: [
      {
        id: 'semaphore-counts',
        title: 'Semaphore - `available` and `waiting` are exact; a release function frees one permit, once',
        points: 1,
        hint: 'Keep one count of free permits and one queue of waiters. Guard each release function with a flag so a second call does nothing.',
      },
      {
        id: 'semaphore-interleavings',
        title: 'Semaphore - at most `permits` holders and no waiter left behind, in any interleaving',
        points: 2,
        hint: 'A release wakes exactly one waiter (or frees one permit when nobody waits). Waking everyone lets them all run; losing a wake-up leaves a waiter stuck forever.',
      },
      {
        id: 'bad-arguments',
        title: 'new Semaphore() and createClient() - bad arguments are a TypeError naming the option',
        points: 1,
        hint: 'Check `permits`, `maxConcurrent`, `maxPerWindow` and `windowMs` before doing anything else, and put the option’s name in the message.',
        visibility: 'hidden',
      },
      {
        id: 'get-json',
        title: 'get() - resolves with the parsed JSON; a non-2xx status rejects with HttpError',
        points: 1,
        hint: 'fetch resolves for a 404 or 500: check `response.ok` and throw `new HttpError(response.status)` yourself.',
      },
      {
        id: 'never-exceeds-max-concurrent',
        title: 'get() - never more than maxConcurrent requests in flight',
        points: 2,
        hint: 'Hold a permit of a Semaphore(maxConcurrent) for the whole request, body included, and give it back when the request is over.',
      },
      {
        id: 'work-conserving',
        title: 'get() - a waiting request starts the moment a slot frees',
        points: 2,
        hint: 'Do not cut the requests into batches of maxConcurrent: a batch waits for its slowest request while slots sit idle. Each finished request should let the next one start.',
      },
      {
        id: 'starts-in-request-order',
        title: 'get() - requests start in the order they were made',
        points: 1,
        hint: 'Waiters are a queue: push at the back, take from the front (`shift()`), never `pop()`.',
      },
      {
        id: 'window-limit',
        title: 'maxPerWindow - at most maxPerWindow starts in any window of windowMs',
        points: 2,
        hint: 'The window slides: count the starts in the last windowMs before now, not since a counter was last reset by setInterval (that allows twice the limit around each reset).',
      },
      {
        id: 'window-earliest',
        title: 'maxPerWindow - each request starts as soon as the sliding window allows',
        points: 2,
        hint: 'The window limits starts, not completions: the m-th previous start frees its place exactly windowMs after it began. Wake the next request then, not later.',
      },
      {
        id: 'failures-free-the-slot',
        title: 'get() and run() - a failure frees its slot and reaches only its own caller',
        points: 2,
        hint: 'Release in a `finally` block (or `try/finally` around the task), so an HttpError, a network error or a throwing task gives the permit back too.',
      },
      {
        id: 'abort-queued',
        title: 'get() and acquire() - an aborted waiter rejects with signal.reason and gives up its place',
        points: 1,
        hint: 'On abort, take the waiter out of the queue and reject with `signal.reason`; check `signal.aborted` before queueing at all.',
      },
      {
        id: 'abort-in-flight',
        title: 'get() - aborting a request in flight cancels it and rejects with signal.reason',
        points: 1,
        hint: 'Pass the signal to fetch, and when the request fails because the signal aborted, reject with `signal.reason`.',
      },
      {
        id: 'no-spinning',
        title: 'get() - waiting fires no polling timers',
        points: 1,
        hint: 'A waiter is a promise whose resolve function sits in a queue until a release calls it. Polling with setTimeout burns timers (and CPU) the whole time.',
      },
      {
        id: 'active-pending-idle',
        title: 'client - `active`, `pending` and onIdle() are exact',
        points: 1,
        hint: '`pending` counts requests accepted and not started (waiting for a slot or for the window), `active` those started and not settled. onIdle() resolves at once when both are 0.',
      },
    ],
  },
  {
    id: '03-producer-consumer',
    title: 'Producers and consumers over a bounded queue',
    points: 20,
    hints: [
      'Build the AsyncQueue first and test it on its own: an array of items plus two queues of waiting callers, the getters waiting for an item and the putters waiting for room. Waiting is a promise whose resolve function you keep in one of those queues.',
      'Every operation either completes at once or queues its caller; whoever changes the queue wakes exactly one waiter. A put that finds a getter waiting hands the item straight to it; a get that makes room lets the first waiting putter in. Then nothing can slip in between a wake-up and the work it was woken for.',
      'An aborted waiter must leave its queue before anything else can be handed to it: keep each waiter as an object, remove it in the abort listener, and remove the listener when it is served.',
      'For runPipeline: one task per producer (`for await` reads sync and async iterables alike) and one per consumer. When every producer is done, close() the queue: each consumer then stops by itself when get() rejects, however many there are. Keep the first error, abort an internal AbortController that every put and get listens to, wait for all tasks, then reject.',
    ],
    about: {
      summary:
        'a bounded queue with back-pressure, `join`/`taskDone`, close, abort; a pipeline that always finishes',
      learn:
        'a bounded queue: back-pressure (a full queue makes producers wait), closing and draining, cancelling everyone cleanly',
      asyncio: '`asyncio.Queue`, `task_done`, `join`, `TaskGroup`',
    },
    checks: [
      {
        id: 'queue-fifo',
        title: 'AsyncQueue - first in, first out, for items and for waiting getters and putters',
        points: 2,
        hint: 'Keep the waiting callers in arrays and serve them with shift(), never pop(): first come, first served.',
      },
      {
        id: 'queue-never-overfills',
        title: 'AsyncQueue - `size` never exceeds maxSize, even when a get and a put happen in the same tick',
        points: 2,
        hint: 'Decide and act in the same synchronous step: a waiting putter woken by a get must find its slot kept for it, not re-check after an `await` while someone else takes it.',
      },
      {
        id: 'queue-backpressure',
        title: 'AsyncQueue - a put on a full queue waits for a get, and nothing is dropped',
        points: 1,
        hint: 'A put on a full queue returns a promise that only a later get resolves: the k-th put can finish no earlier than the (k - maxSize)-th get.',
      },
      {
        id: 'queue-abort',
        title: 'AsyncQueue - an aborted get or put rejects with signal.reason; no item is lost or inserted',
        points: 2,
        hint: 'In the abort listener, take the waiter out of its queue before rejecting; once a waiter is served, remove its listener. Check `signal.aborted` before doing anything.',
      },
      {
        id: 'join-task-done',
        title: 'AsyncQueue - join() resolves once every item put has been marked with taskDone()',
        points: 1,
        hint: 'Count items accepted and not yet done, and items taken and not yet done; join waits for the first count to reach 0, taskDone throws when the second is 0.',
      },
      {
        id: 'close-drains',
        title: 'AsyncQueue - close() rejects putters at once; getters drain what is left, then reject',
        points: 1,
        hint: 'After close, put rejects with QueueClosedError, and so do waiting putters. A get still returns an item while there is one; getters waiting on an empty closed queue reject.',
      },
      {
        id: 'async-iteration',
        title: 'AsyncQueue - `for await` yields every item as it arrives and ends once closed and drained',
        points: 1,
        hint: 'An `async *[Symbol.asyncIterator]()` that loops on get() and returns when get rejects with QueueClosedError. It must not call taskDone.',
      },
      {
        id: 'no-busy-waiting',
        title: 'AsyncQueue and runPipeline - waiting getters, putters and consumers fire no timers',
        points: 1,
        hint: 'Do not poll with setTimeout: park the caller on a promise and resolve it when the queue changes.',
      },
      {
        id: 'bad-arguments',
        title: 'new AsyncQueue() and runPipeline() - bad arguments are a TypeError naming the option',
        points: 1,
        hint: 'Check `maxSize`, `consumers` and `queueSize` before doing anything else, and put the option’s name in the message.',
        visibility: 'hidden',
      },
      {
        id: 'pipeline-exactly-once',
        title: 'runPipeline() - each item handled exactly once; results in the order handling finished',
        points: 2,
        hint: 'Each item goes into the queue once and each get takes it out once. Push a result when its handler finishes. Zero producers or empty producers still resolve (with []).',
      },
      {
        id: 'pipeline-consumers-concurrent',
        title:
          'runPipeline() - `consumers` handlers and all producers run at once; the timing matches the model',
        points: 2,
        hint: 'Start all consumer loops at once, each with its own 0-based index, and have each take its next item as soon as its handler finishes. Read every producer in a task of its own, so a slow one holds back no other.',
      },
      {
        id: 'pipeline-bounded',
        title: 'runPipeline() - producers are read only as fast as the bounded queue lets them',
        points: 1,
        hint: 'Create the queue with `queueSize` and await every put: a producer must not read its next item while its last one waits for room.',
      },
      {
        id: 'pipeline-always-finishes',
        title: 'runPipeline() - finishes for any mix of producers and consumers, leaving nothing pending',
        points: 1,
        hint: 'One "stop" item stops one consumer only. Close the queue once every producer is done, and let each consumer end when get() rejects with QueueClosedError.',
      },
      {
        id: 'pipeline-stops-on-error',
        title:
          'runPipeline() - first error or abort: nothing new starts; rejects once running handlers and busy producers end',
        points: 2,
        hint: 'Keep the first error, abort an internal controller that every put and get listens to, check it before handling each item, wait for every task to settle (a producer busy with its next item included), then throw the error you kept. Leaving a `for await` loop closes its producer for you.',
      },
    ],
  },
  {
    id: '04-polite-scraper',
    title: 'A polite web crawler',
    points: 20,
    hints: [
      'Keep one queue per host (per origin) and one scheduler that, whenever something changes, starts whatever may start now: a host whose delay is over, while a slot is free. Nothing should sleep while holding a slot.',
      'robots.txt is a shared resource: store the promise of its fetch per host the moment you start it, so every page of that host awaits the same one. Decide 4xx (allow all) and 5xx or a network error (nothing on that host) from the status, and call `parseRobots(text, userAgent)` for the rules.',
      'Mark a URL as seen the moment you discover it (after `new URL(href)` and dropping `hash`), before it waits in any queue; then a link found on five pages is queued once.',
      'Per host, remember when the last request started and the earliest next start: `max(lastStart + delay, end of any Retry-After pause)`. One timer for the earliest of those wakes the scheduler. Retry-After is whole seconds or an HTTP-date (`Date.parse(value) - Date.now()`).',
    ],
    about: {
      summary: 'per-host spacing, global concurrency, robots.txt (RFC 9309), `Retry-After`',
      learn:
        'a scheduler: many hosts in parallel, one host spaced out, a global concurrency limit, robots.txt and `Retry-After`',
      asyncio: 'a crawler on `Semaphore` + `Queue` + `sleep`',
    },
    checks: [
      {
        id: 'robots-once-first',
        title: 'crawl() - robots.txt is fetched once per host, and arrives before any other request there',
        points: 2,
        hint: 'Many pages of one host can be discovered at once: cache the promise of the robots.txt fetch per host (not its result), so they all wait for the same request.',
      },
      {
        id: 'robots-rules',
        title: "crawl() - a URL robots.txt forbids is never requested and is skipped with 'robots'",
        points: 1,
        hint: 'Use `parseRobots(text, userAgent)` from helpers.ts and ask `isAllowed(url.pathname + url.search)`: it picks your group, and the longest rule wins. `startsWith` on Disallow lines gets Allow, `*` and `$` wrong.',
      },
      {
        id: 'robots-unavailable',
        title: "crawl() - robots.txt 4xx: no rules; 5xx or a network failure: the host is skipped ('robots')",
        points: 1,
        hint: 'RFC 9309 2.3.1: a 4xx means "no rules"; a 5xx or an unreachable robots.txt means "assume everything is forbidden".',
      },
      {
        id: 'user-agent-header',
        title: 'crawl() - every request, robots.txt included, sends the User-Agent header',
        points: 1,
        hint: "Pass `{ headers: { 'user-agent': userAgent } }` to every fetch, the robots.txt one too.",
        visibility: 'hidden',
      },
      {
        id: 'per-host-spacing',
        title: 'crawl() - starts on one host are max(perHostDelayMs, Crawl-delay) apart, robots.txt included',
        points: 2,
        hint: 'Keep the time of the last start per origin and start the next request no earlier than that plus the delay; a Crawl-delay in robots.txt raises the delay for that host.',
      },
      {
        id: 'hosts-in-parallel',
        title: 'crawl() - hosts go in parallel: no slot or host idles while it has work whose delay is over',
        points: 2,
        hint: "Each host keeps its own clock. Do not wait for one host's delay while holding a slot, and do not space requests to different hosts.",
      },
      {
        id: 'max-concurrency',
        title: 'crawl() - never more than maxConcurrency requests in flight (default 4), robots.txt included',
        points: 2,
        hint: 'Count the requests in flight across all hosts; start one only below the limit, and look for more work each time one ends.',
      },
      {
        id: 'no-duplicate-fetches',
        title: 'crawl() - each URL is fetched once after normalisation, however many links lead to it',
        points: 2,
        hint: 'Normalise with `new URL(href)` and `url.hash = ""`, and add the URL to the seen set when you discover it, not when its fetch ends.',
      },
      {
        id: 'report-matches-site',
        title: 'crawl() - the report lists each page (status, links) and skipped URL once, in start order',
        points: 1,
        hint: 'A 4xx/5xx page is a page with its status and `links: []`; a network failure is skipped with `error`. Record a page’s place in `pages` when its fetch starts.',
      },
      {
        id: 'max-pages',
        title: "crawl() - at most maxPages pages; then no new robots.txt, and the rest are skipped ('limit')",
        points: 1,
        hint: "Count a page when its first try starts (a retry is the same page). Once the budget is spent, skip every new URL as 'limit' unless it is offsite or robots.txt already forbids it.",
      },
      {
        id: 'offsite-links',
        title: "crawl() - links to other hosts are skipped with 'offsite' and never requested",
        points: 1,
        hint: 'Compare `new URL(link).host` (port included) with `allowedHosts`, which defaults to the hosts of the start URLs.',
      },
      {
        id: 'retry-after',
        title: 'crawl() - 429/503 + Retry-After pause that host, then a retry (3 tries in all); others go on',
        points: 2,
        hint: 'Retry-After is either delta-seconds ("2") or an HTTP-date; `parseInt` turns a date into NaN. Pause only that host: push its next start to the end of the pause.',
      },
      {
        id: 'abort-stops-promptly',
        title: 'crawl() - an abort rejects at once with signal.reason; nothing is left pending afterwards',
        points: 1,
        hint: 'Give every fetch a signal that follows the caller’s, clear your timers, remove your abort listener, and reject with `signal.reason`.',
      },
      {
        id: 'bad-arguments',
        title: 'crawl() - bad start URLs or options are a TypeError naming the option; nothing is sent',
        points: 1,
        hint: 'Check `start`, `userAgent`, `maxPages`, `maxConcurrency`, `perHostDelayMs`, `allowedHosts` and `signal` before doing anything else, and put the option’s name in the message. `maxPages: 0` and `Infinity` limits are allowed.',
        visibility: 'hidden',
      },
    ],
  },
  {
    id: '05-backoff-retry',
    title: 'Retry with exponential backoff',
    points: 20,
    hints: [
      'Write it as a loop (or a recursion) over attempts: call fn, return on success, otherwise decide whether to retry, compute the delay, sleep, go round again.',
      'Count from 1: `retries: 3` means attempts 1, 2, 3 and 4, and the wait before attempt n + 1 is `backoffDelay(n)`, so the first wait is `minDelayMs` itself. Cap first, then apply the jitter to the capped value.',
      'Sleep with a promise around setTimeout that also listens to the signal: on abort, clear the timer, remove the listener and reject with `signal.reason`. Keep the error you caught and rethrow that very object when you give up.',
      'For fetchWithRetry, turn a retryable status into a "try again" decision without losing the response: you need it back when retries run out. Retry-After is either whole seconds or an HTTP-date (`Date.parse`), measured from when the response arrived.',
    ],
    about: {
      summary: 'exponential delays with cap and jitter, honest errors, abort, `Retry-After`',
      learn:
        'waiting before trying again: exponential delays with a cap and jitter, giving up with the real error, stopping at once on abort',
      asyncio: 'a loop around `asyncio.sleep` (or the `tenacity` library)',
    },
    checks: [
      {
        id: 'at-most-retries-plus-one',
        title: 'retry() - calls fn at most retries + 1 times (default 5 retries), numbering attempts from 1',
        points: 1,
        hint: '`retries` counts the calls after the first one: `retries: 2` means 3 calls in all, and `retries: 0` means one.',
      },
      {
        id: 'stops-at-first-success',
        title: 'retry() - a success on attempt k means exactly k calls, resolving with its value',
        points: 1,
        hint: 'Return as soon as fn resolves; nothing should be scheduled after a success.',
      },
      {
        id: 'waits-grow-exponentially',
        title: "retry() - first call at once, then waits of minDelayMs × factor^(n-1) (jitter 'none')",
        points: 2,
        hint: 'The wait after failed attempt n is backoffDelay(n): with the defaults 100, 200, 400, 800 ms. The exponent is n - 1, so the first wait is minDelayMs itself.',
      },
      {
        id: 'waits-capped',
        title: 'retry() - no wait is longer than maxDelayMs (default 10 000 ms)',
        points: 1,
        hint: 'Take `Math.min(maxDelayMs, minDelayMs * factor ** (n - 1))` before anything else.',
      },
      {
        id: 'backoff-delay-formula',
        title: "backoffDelay() - the capped exponential, with 'full', 'equal' and 'none' jitter",
        points: 1,
        hint: "cap = min(maxDelayMs, minDelayMs × factor^(n-1)); 'none' is cap, 'full' is random() × cap, 'equal' is cap/2 + random() × cap/2.",
      },
      {
        id: 'jitter-within-bounds',
        title: 'retry() - jittered waits stay within [0, cap] or [cap/2, cap]; by default they vary',
        points: 1,
        hint: "Jitter spreads the wait below the cap, never above it: random() is in [0, 1), so scale the part it multiplies accordingly. Default `jitter` to 'full' and `random` to Math.random.",
      },
      {
        id: 'rejects-with-last-error',
        title: 'retry() - gives up with the last error itself, not a new one',
        points: 1,
        hint: 'Rethrow the very value fn rejected with the last time (same object); callers look at its type, code and stack.',
      },
      {
        id: 'sync-throw-is-a-failure',
        title: 'retry() - a synchronous throw from fn counts as a failed attempt',
        points: 1,
        hint: 'Call fn inside the try block (`await fn(attempt)` inside try/catch catches both a throw and a rejection).',
        visibility: 'hidden',
      },
      {
        id: 'should-retry-and-on-retry',
        title: 'retry() - shouldRetry(error, attempt) can stop at once; onRetry reports each wait first',
        points: 1,
        hint: 'Both receive the number of the attempt that just failed. Ask shouldRetry only when a retry is left, await its answer, and call onRetry just before sleeping.',
      },
      {
        id: 'abort-before-start',
        title:
          'retry() - an aborted signal stops it before any further attempt: at once if already aborted, else when the running attempt fails',
        points: 1,
        hint: 'Check `signal.aborted` (or call `signal.throwIfAborted()`) before every attempt, the first included, right after an attempt fails, and again once `shouldRetry` has answered.',
      },
      {
        id: 'abort-during-wait',
        title: 'retry() - an abort during a wait rejects at once with signal.reason and clears the timer',
        points: 1,
        hint: "Listen for 'abort' while sleeping: clearTimeout, then reject with `signal.reason` (node:timers/promises rejects with an AbortError whose `cause` is the reason: rethrow the reason).",
      },
      {
        id: 'leaves-nothing-pending',
        title: 'retry() and fetchWithRetry() - no timer or listener left behind once they settle',
        points: 1,
        hint: 'Remove the abort listener when the timer fires, and clear the timer when the abort fires.',
      },
      {
        id: 'rejects-bad-options',
        title: 'retry() and fetchWithRetry() - a TypeError naming a bad option; retries: Infinity is fine',
        points: 1,
        hint: 'Validate before the first attempt. `Number.isInteger(Infinity)` is false, so allow Infinity explicitly.',
      },
      {
        id: 'fetch-status-classes',
        title: 'fetchWithRetry() - retries network errors and 408, 429, 500, 502, 503, 504, nothing else',
        points: 1,
        hint: 'A 400 or 404 will fail the same way every time. shouldRetry is asked about network errors only; the statuses are fixed.',
      },
      {
        id: 'fetch-last-response',
        title: 'fetchWithRetry() - out of retries: the last response, or the last network error',
        points: 1,
        hint: 'Keep the last Response and hand it back when no retry is left; only an attempt without a response ends in a rejection.',
      },
      {
        id: 'fetch-retry-after-seconds',
        title: 'fetchWithRetry() - Retry-After in seconds replaces the computed delay, capped at maxDelayMs',
        points: 1,
        hint: '`Retry-After: 2` means wait 2000 ms instead of the backoff delay (but never more than maxDelayMs).',
      },
      {
        id: 'fetch-retry-after-date',
        title: 'fetchWithRetry() - Retry-After as an HTTP-date waits until that date (0 ms if it has passed)',
        points: 1,
        hint: '`parseInt` reads an HTTP-date as NaN. Use `Date.parse(value) - Date.now()` when the value is not a number of seconds.',
      },
      {
        id: 'fetch-never-retries-post',
        title: 'fetchWithRetry() - POST and PATCH are never retried',
        points: 1,
        hint: 'Retrying a POST can place the order twice: look at `init.method` and make a single attempt for POST and PATCH.',
      },
      {
        id: 'fetch-abort',
        title: 'fetchWithRetry() - options.signal and init.signal both abort it, even during a wait',
        points: 1,
        hint: 'Combine both signals (`AbortSignal.any`) and use the result for the requests and for the waits.',
      },
    ],
  },
  {
    id: '06-single-flight-cache',
    title: 'A single-flight cache, a mutex and an event',
    points: 20,
    hints: [
      'Keep the promise of a load in flight in a Map by key, not just the values that arrived: a second get of the same key joins that promise instead of calling load again.',
      'Give each caller its own promise around the shared one, so its abort can reject it at once; count the callers still waiting, and abort the load (through an AbortController you passed to load) only when that count drops to 0.',
      'Record when each load resolved with Date.now(): fresh while age < ttlMs, stale (serve it, start one refresh if none is in flight) while age < ttlMs + staleMs, gone after. A Map iterates in insertion order: delete and re-set a key to mark it as recently used.',
      'Mutex and Event are both a list of waiting resolve functions. Hand the lock straight to the first waiter on release (never set it free in between), and let an aborted waiter take itself out of the list.',
    ],
    about: {
      summary:
        'single-flight loads, TTL and stale-while-revalidate, LRU; a FIFO mutex and an event with aborts',
      learn:
        'sharing one promise between callers, cancelling shared work only when nobody waits for it any more, expiry in time; a first-in-first-out lock and an event',
      asyncio: '`asyncio.Lock`, `asyncio.Event`, a dict of shared `Future`s (or `async-lru`)',
    },
    checks: [
      {
        id: 'one-load-per-stampede',
        title: 'get() - concurrent gets of one key share a single load, never two loads of a key at once',
        points: 2,
        hint: 'Store the promise of the load in flight, keyed by key, before awaiting it; later gets of that key return it (or a promise around it) instead of calling load again.',
      },
      {
        id: 'waiters-get-their-load',
        title: 'get() - every caller gets the value of the load it joined or started',
        points: 2,
        hint: 'A get that arrives while a load of its key is in flight gets that load’s value; once it has resolved (and expired), the next get starts a new load and gets the new value.',
      },
      {
        id: 'failed-load-not-cached',
        title: 'get() - a failed load is not cached; every waiter rejects with that same error',
        points: 2,
        hint: 'When load rejects, forget the flight (so the next get calls load again) and reject every waiter with the very error load rejected with.',
      },
      {
        id: 'abort-leaves-others',
        title:
          'get({ signal }) - an aborted caller rejects at once with signal.reason; the shared load runs on',
        points: 2,
        hint: 'Each caller needs its own promise that its abort can reject at once; the load itself must not be cancelled while someone else still waits for it.',
      },
      {
        id: 'last-abort-cancels-load',
        title: 'get({ signal }) - when the last waiter aborts, the load is aborted through its signal',
        points: 2,
        hint: 'Count the callers waiting for each load. When the count drops to 0 because of an abort, call abort() on the controller whose signal you gave to load, and forget the flight.',
      },
      {
        id: 'ttl-exact',
        title: 'get() - a value is fresh for exactly ttlMs after its load resolved',
        points: 1,
        hint: 'Take Date.now() when the load resolves, not when it started. Fresh means age < ttlMs: at age === ttlMs the value has expired.',
        visibility: 'hidden',
      },
      {
        id: 'stale-while-revalidate',
        title:
          'get() - within staleMs after expiry, serve the stale value at once and start at most one refresh',
        points: 2,
        hint: 'A stale get returns the old value without waiting and starts a refresh only when no load of that key is in flight. After ttlMs + staleMs the value is gone: wait for a load.',
      },
      {
        id: 'lru-eviction',
        title: 'get() - past maxEntries, the least recently used value is evicted',
        points: 1,
        hint: 'Every hit counts as a use: move the key to the end of your Map (delete, then set). Evict from the front when a load adds one entry too many.',
      },
      {
        id: 'mutex-exclusive-fifo',
        title: 'Mutex - one holder at a time, waiters served first in, first out; release twice does nothing',
        points: 2,
        hint: 'On release, hand the lock directly to the first waiter (shift, not pop) without setting it free in between, or a newcomer can barge in. A second call of the same release function must do nothing.',
      },
      {
        id: 'mutex-abort',
        title:
          'Mutex - lock({ signal }) aborted while waiting rejects with signal.reason and gives up its place',
        points: 1,
        hint: 'On abort, take exactly this waiter out of the line (find it, splice it out) and reject with `signal.reason`; the others keep their places.',
      },
      {
        id: 'event-wait-set-clear',
        title:
          'Event - wait() resolves on set() for every waiter; isSet and clear(); an abort removes one waiter',
        points: 1,
        hint: 'set() wakes every waiter in the list and empties it; wait() on a set event resolves at once; clear() only changes the flag.',
      },
      {
        id: 'leaves-nothing-pending',
        title: 'get(), lock() and wait() - no abort listener or timer left behind once they settle',
        points: 1,
        hint: 'Remove the abort listener when the caller is served, not only when it aborts.',
      },
      {
        id: 'rejects-bad-cache-options',
        title: 'createCache() - a TypeError naming a bad option',
        points: 1,
        hint: 'Check `load`, `ttlMs`, `staleMs` and `maxEntries` before anything else and put the option’s name in the message. `maxEntries: Infinity` is fine.',
        visibility: 'hidden',
      },
    ],
  },
  {
    id: '07-task-group',
    title: 'Task groups, timeouts and shields',
    points: 20,
    hints: [
      'A task group is a set of promises still running plus a list of failures: wrap every task (the body included) so its rejection is recorded instead of thrown, and wait until the set is empty.',
      'Give the group one AbortController. The first real failure aborts it; a task that then rejects with `signal.reason` itself was stopped by the group, which is not a failure. Settle only when every task has settled: `Promise.all` rejects too early.',
      'withTimeout is a timer that aborts an AbortController with `new DOMException(message, "TimeoutError")`, plus a listener on the caller’s signal; clear both whichever way it ends. shield starts fn at once and races its promise against the caller’s abort without ever passing fn the signal.',
    ],
    about: {
      summary: 'structured concurrency: task groups with all-or-nothing errors, deadlines, shielded cleanup',
      learn:
        'structured concurrency: no task outlives its group, the first failure cancels the rest, every real error is reported; deadlines that cancel, and work that must not be cut short',
      asyncio: '`asyncio.TaskGroup`, `asyncio.timeout` / `wait_for`, `asyncio.shield`',
    },
    checks: [
      {
        id: 'tasks-run-concurrently',
        title: 'taskGroup() - the body and its tasks run side by side; every task gets the group’s signal',
        points: 2,
        hint: 'spawn starts the task at once (do not await it inside spawn) and passes it the group’s signal; the group resolves with the body’s value once every task is done.',
      },
      {
        id: 'settles-after-every-task',
        title: 'taskGroup() - settles only when every task has settled, even one that ignores the signal',
        points: 2,
        hint: 'Keep waiting while any task is still running (tasks may spawn more tasks). `Promise.all` rejects at the first failure, while others are still running: that is a task outliving its group.',
      },
      {
        id: 'first-failure-aborts',
        title: 'taskGroup() - the first failure aborts the group’s signal at once',
        points: 2,
        hint: 'Abort the group’s AbortController as soon as a task (or the body) rejects, before waiting for the others.',
      },
      {
        id: 'aggregate-real-failures',
        title:
          'taskGroup() - rejects with an AggregateError of every real failure, in the order they happened',
        points: 2,
        hint: 'Push each failure when it happens; skip a rejection with the group’s own `signal.reason` (the group stopped that task). Reject with `new AggregateError(failures)` even for a single failure.',
      },
      {
        id: 'body-is-a-task',
        title: 'taskGroup() - a failure of the body itself aborts the tasks and is reported like theirs',
        points: 1,
        hint: 'Treat the body’s promise like a spawned task: track it, record its rejection, and abort the group.',
        visibility: 'hidden',
      },
      {
        id: 'spawn-after-settled-throws',
        title: 'taskGroup() - spawn() after the group has settled throws, and starts nothing',
        points: 1,
        hint: 'Remember that the group has settled, and have spawn throw (before calling fn) once it has.',
      },
      {
        id: 'nested-groups',
        title:
          'taskGroup() - nested groups: a failure inside propagates out, an abort from outside reaches in',
        points: 2,
        hint: 'An inner group given `{ signal }` of the outer one must abort its tasks when that signal aborts and then reject with that very `signal.reason`, so the outer group does not count it as a failure.',
      },
      {
        id: 'timeout-deadline',
        title: 'withTimeout() - fn’s signal aborts at the deadline, which rejects with a TimeoutError',
        points: 2,
        hint: 'At `ms`, abort fn’s signal and reject with a DOMException named "TimeoutError"; if fn settles first, settle like it and clear the timer.',
      },
      {
        id: 'timeout-caller-abort',
        title: 'withTimeout() - the caller’s abort rejects with signal.reason, not a TimeoutError',
        points: 2,
        hint: 'Listen for the caller’s abort: abort fn’s signal with the same reason and reject with `signal.reason`. An already-aborted signal means fn never starts.',
      },
      {
        id: 'shield-runs-on',
        title: 'shield() - the caller’s abort rejects the caller at once; the work runs on to completion',
        points: 2,
        hint: 'Never pass the caller’s signal into fn: race fn’s promise against the abort, and let fn finish even if nobody waits for it.',
      },
      {
        id: 'leaves-nothing-pending',
        title: 'taskGroup(), withTimeout() and shield() - no timer or abort listener left behind',
        points: 1,
        hint: 'Clear the deadline timer when fn settles first, and remove every listener you added to the caller’s signal once you have settled.',
      },
      {
        id: 'rejects-bad-arguments',
        title: 'taskGroup(), spawn() and withTimeout() - a TypeError naming a bad argument',
        points: 1,
        hint: 'Check that `body` and `fn` are functions and that `ms` is a number from 0 up, and put the argument’s name in the message.',
        visibility: 'hidden',
      },
    ],
  },
  {
    id: '08-async-streams',
    title: 'Async streams with back-pressure',
    points: 20,
    hints: [
      'An async generator (`async function*`) runs only while its consumer waits in `next()`: between two `yield`s nothing happens unless you start it yourself. A `for await` loop that stops calls `return()`, which runs your `finally` blocks.',
      'Read ahead only up to a bound: keep a buffer and a count of what the consumer has asked for, and start the next fetch (or pull) only when the rule allows it, right at that moment, not one step later.',
      'For concurrency, keep a set of running promises and a way to wake the generator when one settles (a promise whose resolve you keep). A slot is taken when you pull an item and given back when its result is yielded.',
      'On an error or an early stop: remember the first error, abort one AbortController shared by every call in flight, `await Promise.allSettled` of what is running, close the source with `return()`, then rethrow. For merge, push each arrival onto a queue and yield from its head.',
    ],
    about: {
      summary:
        'async generators that read ahead within a bound, a concurrency-limited map, fair merging, cleanup on `break`',
      learn:
        'streams with back-pressure: async generators that fetch only what the consumer needs, a map with a concurrency limit that pulls its source as slots free up, merging streams fairly, and cleaning up (abort, `return()`) when the consumer stops or something fails',
      asyncio: '`async for`, async generators, `as_completed` with a `Semaphore`, `aclose()`',
    },
    checks: [
      {
        id: 'paginate-all-items',
        title: 'paginate() - every item of every page once, in order, following `next` or a Link header',
        points: 1,
        hint: 'Follow `next` in the body, or the URL marked `rel="next"` in the Link header (there may be other links before it); resolve it against the page URL with `new URL(next, pageUrl)`. Empty pages still link on.',
      },
      {
        id: 'paginate-no-read-ahead',
        title: 'paginate() - never fetches a page before the consumer has asked for all but `prefetch` items',
        points: 2,
        hint: 'With prefetch 0, fetch the next page only when the consumer asks for an item the buffer does not have. Fetch one page at a time: the next URL is only known once the page has arrived.',
      },
      {
        id: 'paginate-prefetch-ahead',
        title: 'paginate() - with `prefetch`, fetches the next page as soon as the rule allows it',
        points: 2,
        hint: 'Start the fetch outside the generator body (a promise you keep), when an item is handed out and fewer than `prefetch` remain, or when a page arrives and still fewer than `prefetch` items wait.',
      },
      {
        id: 'paginate-stop-aborts',
        title:
          'paginate() - a `break` or a `throw` in the consumer aborts the request in flight; nothing more is fetched',
        points: 2,
        hint: 'Give every fetch the signal of an AbortController you own, and abort it in a `finally` around the generator body: `break` calls `return()`, which runs it.',
      },
      {
        id: 'paginate-page-errors',
        title:
          'paginate() - a failed page is an error after the items before it; nothing after it is fetched',
        points: 1,
        hint: 'A 4xx/5xx response does not reject `fetch`: check `response.ok`. Keep a prefetched failure until the buffer is empty, then throw it.',
      },
      {
        id: 'caller-signal',
        title:
          "paginate() and mapConcurrent() - the caller's signal stops the work in flight and throws signal.reason",
        points: 1,
        hint: 'Forward the caller’s abort to your own controller (the requests, the calls of fn), throw `signal.reason`, and remove your listener when the generator ends.',
        visibility: 'hidden',
      },
      {
        id: 'map-in-flight-limit',
        title:
          'mapConcurrent() - at most `concurrency` calls in flight, and the source pulled only as slots free up',
        points: 2,
        hint: 'A slot is taken when you pull an item from the source and given back when its result is yielded to the consumer: a slow consumer must slow the source down.',
      },
      {
        id: 'map-keeps-slots-busy',
        title: 'mapConcurrent() - pulls the next item as soon as a slot frees, and calls fn on it at once',
        points: 1,
        hint: 'Pull again right when a result is handed out (before the `yield`), not when the consumer comes back for the next one. Pull one item at a time.',
      },
      {
        id: 'map-ordering',
        title:
          'mapConcurrent() - `ordered: true` (default) yields in source order, `false` in completion order',
        points: 2,
        hint: 'Ordered: keep results by index and yield the next index only. Unordered: push each result onto a queue when it settles and yield from the front.',
      },
      {
        id: 'map-error-cleanup',
        title:
          'mapConcurrent() - the first error stops pulling, aborts the calls in flight, rethrows once they settled',
        points: 2,
        hint: 'Remember the first error, abort the shared controller, `await Promise.allSettled(running)`, then throw that very error; close the source with `return()`.',
      },
      {
        id: 'map-break-cleanup',
        title: 'mapConcurrent() - an early `break` aborts the calls in flight and closes the source',
        points: 1,
        hint: 'Do the same cleanup in `finally`: abort, wait for the calls in flight to settle, call the source iterator’s `return()`.',
      },
      {
        id: 'merge-fair-order',
        title: 'merge() - values first ready, first out, with one value asked for ahead per source',
        points: 1,
        hint: 'Keep one `next()` out per source; when it settles, push the result onto an arrival queue. Yield from the queue’s head, and ask that source again when its value is handed out.',
      },
      {
        id: 'merge-stops-sources',
        title: 'merge() - a `break` or a failing source closes every source still open',
        points: 1,
        hint: 'In `finally`, call `return()` on every source that has not ended. A source that rejects ends the merge with its error.',
      },
      {
        id: 'bad-options',
        title: 'paginate() and mapConcurrent() - a TypeError naming a bad `prefetch`, `concurrency` or `fn`',
        points: 1,
        hint: '`prefetch` is a whole number from 0, `concurrency` a whole number from 1 (or Infinity), `fn` a function; check before any request or pull.',
        visibility: 'hidden',
      },
    ],
  },
  {
    id: '09-async-resources',
    title: 'Resources that always close',
    points: 20,
    hints: [
      'Keep the pool’s state in a few variables: how many resources are live (creations in progress included), the idle ones, and a line (an array) of waiters, each with its own resolve and reject.',
      'A released resource goes straight to the first waiter in line; only when nobody waits does it become idle (with its idle timer). A waiter that times out or aborts takes itself out of the line, clears its timer and removes its listener.',
      'A lease is an object with `resource`, `release()` and `[Symbol.asyncDispose]` (the same function); a flag makes a second release do nothing. `close()` destroys the idle resources at once and the others as they come back, and waits for the last destroy.',
      'For withResources, push every cleanup onto an array; after fn settles, pop them one by one in a loop with `try { await cleanup() } catch (e) { error = hadError ? new SuppressedError(e, error) : e }`, then throw or return.',
    ],
    about: {
      summary:
        'a bounded resource pool with FIFO waiters, timeouts and aborts; `await using`; cleanups that always run',
      learn:
        'resources that always close: a pool with a limit, a fair line of waiters, failed creations, idle timeouts, acquires that time out or abort without leaking, `await using` leases, and a stack of cleanups that runs in reverse and combines errors as `SuppressedError`',
      asyncio: '`async with`, `AsyncExitStack`, an `asyncio.Queue`-based pool (aiopg, asyncpg `Pool`)',
    },
    checks: [
      {
        id: 'pool-never-over-max',
        title:
          'createPool() - never more than `max` resources live, creations in progress included; every client served',
        points: 2,
        hint: 'Count a resource as live from the moment you call create until you call destroy (or create fails). Only call create when that count is below max.',
      },
      {
        id: 'pool-fifo',
        title: 'createPool() - waiters are served first in, first out, the moment a resource comes back',
        points: 2,
        hint: 'Keep the waiters in an array: push on acquire, shift on release, and hand the released resource to the one you shifted.',
      },
      {
        id: 'pool-reuses-idle',
        title: 'createPool() - a released resource is reused; `await using` releases the lease',
        points: 1,
        hint: 'On release with nobody waiting, keep the resource in an idle list and take it from there on the next acquire. `[Symbol.asyncDispose]` should do what `release()` does.',
      },
      {
        id: 'pool-create-failure',
        title: 'createPool() - a failed create frees its slot and rejects only its own acquire',
        points: 2,
        hint: 'When create rejects: count the resource as gone, reject the acquire it was for with that error, and start a create for the next waiter if there is one (none if nobody waits).',
      },
      {
        id: 'pool-idle-destroy',
        title:
          'createPool() - an idle resource is destroyed `idleMs` after it was released, unless reused first',
        points: 1,
        hint: 'Start a timer when a resource becomes idle and clear it when the resource is acquired again.',
      },
      {
        id: 'pool-acquire-timeout',
        title:
          "createPool() - an acquire that waits `acquireTimeoutMs` rejects with a 'TimeoutError' and leaves the line",
        points: 2,
        hint: 'Give each waiter a timer; when it fires, take the waiter out of the line and reject it with an Error whose name is TimeoutError. Clear the timer when the waiter is served.',
      },
      {
        id: 'pool-acquire-abort',
        title: 'createPool() - acquire({ signal }): an abort rejects with signal.reason and leaves the line',
        points: 1,
        hint: 'Listen for abort while waiting: take the waiter out of the line and reject with `signal.reason`. Remove the listener once served.',
      },
      {
        id: 'pool-close',
        title:
          'createPool() - close() waits for the leases, destroys everything once, then resolves; later acquires reject',
        points: 2,
        hint: 'close(): mark the pool closed, abort the signal you gave create, destroy the idle resources, destroy each leased resource when it is released, and resolve when the last destroy has settled.',
      },
      {
        id: 'pool-release-twice',
        title: 'createPool() - releasing a lease twice is harmless',
        points: 1,
        hint: 'A lease remembers that it was released; the second call returns at once.',
        visibility: 'hidden',
      },
      {
        id: 'pool-no-leaks',
        title: 'createPool() - errors, timeouts and aborts anywhere in a workload leak nothing',
        points: 1,
        hint: 'A resource created for a waiter that gave up goes to the next waiter (or becomes idle): it is never dropped. A create that fails after its waiter gave up leaves the other waiters in line.',
        visibility: 'hidden',
      },
      {
        id: 'bad-arguments',
        title: 'createPool() and withResources() - bad options or arguments are a TypeError naming them',
        points: 1,
        hint: 'Check `create`, `destroy`, `max` (a whole number from 1), `idleMs` and `acquireTimeoutMs` (numbers from 0) when the pool is made; `fn`, and what `use`, `adopt` and `defer` get, when they are called.',
        visibility: 'hidden',
      },
      {
        id: 'with-resources-order',
        title:
          'withResources() - cleanups run in reverse order, one after the other, then it returns fn’s result',
        points: 2,
        hint: 'Push cleanups on an array; after fn settles, take them from the end, awaiting each before the next.',
      },
      {
        id: 'with-resources-errors',
        title: 'withResources() - every cleanup runs even if one throws; errors combine as SuppressedError',
        points: 2,
        hint: 'Catch each cleanup’s error: the first becomes the error; each later one wraps it, `new SuppressedError(newError, errorSoFar)`. fn’s own error counts as the first.',
      },
    ],
  },
] as const satisfies readonly ExerciseSpec[];

/** Every exercise id the manifest declares, in learning order. */
export type ExerciseId = (typeof manifest)[number]['id'];

/**
 * Throws an Error naming every problem that would make grading wrong.
 * Called when the manifest is loaded by the grader and by `verify`.
 */
export function validateManifest(exercises: readonly ExerciseSpec[]): void {
  const problems: string[] = [];
  const exerciseIds = new Set<string>();
  for (const exercise of exercises) {
    const where = `grader/manifest.ts: exercise \`${exercise.id}\``;
    if (!/^\d\d-[a-z0-9]+(-[a-z0-9]+)*$/.test(exercise.id))
      problems.push(`${where}: id must look like \`NN-slug\``);
    if (exerciseIds.has(exercise.id)) problems.push(`${where}: duplicate exercise id`);
    exerciseIds.add(exercise.id);
    if (exercise.hints.length === 0 || exercise.hints.some((hint) => hint.trim() === '')) {
      problems.push(`${where}: needs at least one non-empty hint`);
    }
    const checkIds = new Set<string>();
    let total = 0;
    for (const check of exercise.checks) {
      if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(check.id))
        problems.push(`${where}: check id \`${check.id}\` is not kebab-case`);
      if (checkIds.has(check.id)) problems.push(`${where}: duplicate check id \`${check.id}\``);
      checkIds.add(check.id);
      if (!Number.isInteger(check.points) || check.points <= 0) {
        problems.push(`${where}: check \`${check.id}\` must be worth a positive whole number of points`);
      }
      if (check.hint.trim() === '') problems.push(`${where}: check \`${check.id}\` has an empty hint`);
      if (check.title.trim() === '') problems.push(`${where}: check \`${check.id}\` has an empty title`);
      total += check.points;
    }
    if (exercise.hidden) {
      const { checks, points } = exercise.hidden;
      if (!Number.isInteger(checks) || checks <= 0 || !Number.isInteger(points) || points <= 0) {
        problems.push(`${where}: \`hidden\` must count a positive whole number of checks and points`);
      }
      total += points;
    }
    if (total !== exercise.points) {
      problems.push(`${where}: checks add up to ${total} points, the exercise declares ${exercise.points}`);
    }
  }
  if (problems.length > 0) throw new Error(`The manifest is invalid:\n- ${problems.join('\n- ')}`);
}

validateManifest(manifest);

/** The exercise with this id; throws naming the known ids when there is none. */
export function findExercise(id: string): ExerciseSpec {
  const exercise = (manifest as readonly ExerciseSpec[]).find((candidate) => candidate.id === id);
  if (!exercise) {
    throw new Error(`Unknown exercise \`${id}\`; the manifest has ${manifest.map((e) => e.id).join(', ')}`);
  }
  return exercise;
}

/** Accepts `02`, `2` or the full id `02-rate-limited-client`; returns the full id. */
export function resolveExerciseId(selector: string): string {
  const exercises = manifest as readonly ExerciseSpec[];
  const exact = exercises.find((exercise) => exercise.id === selector);
  if (exact) return exact.id;
  if (/^\d{1,2}$/.test(selector)) {
    const prefix = selector.padStart(2, '0');
    const byNumber = exercises.find((exercise) => exercise.id.startsWith(`${prefix}-`));
    if (byNumber) return byNumber.id;
  }
  const bySlug = exercises.find((exercise) => exercise.id.slice(3) === selector);
  if (bySlug) return bySlug.id;
  throw new Error(`Unknown exercise \`${selector}\`; try one of ${exercises.map((e) => e.id).join(', ')}`);
}

/** Visibility with its default applied. */
export function visibilityOf(check: CheckSpec): Visibility {
  return check.visibility ?? 'public';
}
