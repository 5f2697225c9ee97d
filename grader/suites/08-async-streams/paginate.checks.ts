import { CheckFailure, defineSuite, demand, fc, show, TOLERANCE_MS } from '../../lab/index.ts';
import {
  busyArbitrary,
  describePages,
  earliestStart,
  mountPages,
  type PageSpec,
  pagesArbitrary,
  pageUrl,
  requestFor,
  requestsPicture,
} from './pages.ts';
import { type Api, type Consumed, consume, describePacing, endedWith, type Pacing } from './streams.ts';

/** paginate(): every item once, pages fetched when the consumer needs them, stops and failures. */
const { check } = defineSuite<typeof Api>('08-async-streams');

const prefetchArbitrary = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5 }));

check('paginate-all-items', async ({ api, lab }) => {
  await lab.property<[PageSpec[], number, number[]]>(
    [
      pagesArbitrary({ links: ['body', 'relative-body', 'header', 'relative-header', 'loose-header'] }),
      prefetchArbitrary,
      busyArbitrary,
    ],
    async (pages, prefetch, busy) => {
      const { url, items } = mountPages(lab, pages);
      const label = `paginate(url${prefetch ? `, { prefetch: ${prefetch} }` : ''})`;
      const consumed = await lab.run(() => consume(lab, api.paginate<string>(url, { prefetch }), { busy }), {
        label: `for await (… of ${label})`,
      });
      const values = consumed.got.map((entry) => entry.value);
      demand(
        consumed.how === 'done' && show(values, 10_000) === show(items, 10_000),
        () =>
          `${label} should yield every item of every page, in order, then end: ${show(items)}; the loop ` +
          `${endedWith(consumed)} and saw ${show(values)}. Follow \`next\` in the body or the \`rel="next"\` link of ` +
          `the Link header (relative URLs are relative to the page).${requestsPicture(lab, consumed)}`,
        { concept: 'async generators over a paginated API' },
      );
      pages.forEach((_, p) => {
        const hits = lab.http.hits(new URL(pageUrl(p)).href);
        demand(
          hits === 1,
          () =>
            `${label} should request each page once; page ${p} was requested ${hits} times.` +
            requestsPicture(lab, consumed),
          { concept: 'async generators over a paginated API' },
        );
      });
      lab.expectNothingPending(`the for await loop over ${label}`);
    },
    {
      examples: [
        [
          [
            { size: 2, latency: 10, link: 'loose-header' },
            { size: 0, latency: 5, link: 'loose-header' },
            { size: 0, latency: 5, link: 'relative-header' },
            { size: 1, latency: 5, link: 'body' },
          ],
          0,
          [0],
        ],
      ],
      describe: (pages, prefetch, busy) =>
        `${describePages(pages)}, prefetch ${prefetch}, ${describePacing({ busy })}`,
    },
  );
});

/** The rule, page by page: where a request started against the earliest instant the rule allows. */
function pageStarts(
  lab: Parameters<Parameters<typeof check>[1]>[0]['lab'],
  pages: readonly PageSpec[],
  prefetch: number,
  consumed: Awaited<ReturnType<typeof consume>>,
) {
  return pages.map((_, p) => ({
    p,
    start: requestFor(lab, p)?.start,
    earliest: earliestStart(lab, pages, p - 1, prefetch, consumed),
  }));
}

/** The timing rules mean nothing for a stream that does not work: it must read to the end first. */
function demandEveryItem(label: string, consumed: Consumed<unknown>, pages: readonly PageSpec[]): void {
  const total = fetchedBefore(pages, pages.length);
  demand(
    consumed.how === 'done' && consumed.got.length === total,
    () =>
      `${label} should yield the ${total} items of the ${pages.length} pages and end; the loop ${endedWith(consumed)}.`,
    { concept: 'async generators over a paginated API' },
  );
}

function fetchedBefore(pages: readonly PageSpec[], p: number): number {
  return pages.slice(0, p).reduce((sum, page) => sum + page.size, 0);
}

check('paginate-no-read-ahead', async ({ api, lab }) => {
  await lab.property<[PageSpec[], number, number[]]>(
    [pagesArbitrary({ minPages: 2 }), prefetchArbitrary, busyArbitrary],
    async (pages, prefetch, busy) => {
      const { url } = mountPages(lab, pages);
      const label = `paginate(url${prefetch ? `, { prefetch: ${prefetch} }` : ''})`;
      const consumed = await lab.run(() => consume(lab, api.paginate(url, { prefetch }), { busy }), {
        label: `for await (… of ${label})`,
      });
      demandEveryItem(label, consumed, pages);
      for (const { p, start, earliest } of pageStarts(lab, pages, prefetch, consumed)) {
        if (start === undefined || (earliest !== undefined && start >= earliest - TOLERANCE_MS)) continue;
        const before = fetchedBefore(pages, p);
        throw new CheckFailure(
          `${label} asked for page ${p} at ${start} ms, ${earliest === undefined ? 'but the rule never allowed it' : `but not before ${earliest} ms`}: ` +
            `${prefetch === 0 ? 'with no prefetch, the next page is fetched only when the consumer asks for an item it does not have yet' : `a page is fetched only once the previous one has arrived and the consumer has asked for all but ${prefetch} of the ${before} items fetched so far`}. ` +
            `Reading ahead further fills memory for a consumer that may never come back.${requestsPicture(lab, consumed)}`,
          { concept: 'back-pressure, where the consumer sets the pace', timeline: [...lab.http.timeline] },
        );
      }
    },
    {
      examples: [
        [
          [
            { size: 2, latency: 10, link: 'body' },
            { size: 2, latency: 10, link: 'body' },
            { size: 1, latency: 10, link: 'body' },
          ],
          0,
          [100],
        ],
      ],
      describe: (pages, prefetch, busy) =>
        `${describePages(pages)}, prefetch ${prefetch}, ${describePacing({ busy })}`,
    },
  );
});

check('paginate-prefetch-ahead', async ({ api, lab }) => {
  await lab.property<[PageSpec[], number, number[]]>(
    [pagesArbitrary({ minPages: 2 }), fc.integer({ min: 1, max: 6 }), busyArbitrary],
    async (pages, prefetch, busy) => {
      const { url } = mountPages(lab, pages);
      const label = `paginate(url, { prefetch: ${prefetch} })`;
      const consumed = await lab.run(() => consume(lab, api.paginate(url, { prefetch }), { busy }), {
        label: `for await (… of ${label})`,
      });
      for (const { p, start, earliest } of pageStarts(lab, pages, prefetch, consumed)) {
        if (earliest === undefined || (start !== undefined && start <= earliest + TOLERANCE_MS)) continue;
        throw new CheckFailure(
          `${label} should ask for page ${p} at ${earliest} ms, as soon as page ${p - 1} had arrived and fewer than ` +
            `${prefetch} fetched items were left that the consumer had not asked for; ` +
            `${start === undefined ? 'it never asked for it' : `it asked at ${start} ms`}. Prefetching keeps a slow ` +
            `API from making the consumer wait.${requestsPicture(lab, consumed)}`,
          { concept: 'read-ahead within a bound', timeline: [...lab.http.timeline] },
        );
      }
    },
    {
      examples: [
        [
          [
            { size: 3, latency: 50, link: 'body' },
            { size: 3, latency: 50, link: 'body' },
            { size: 1, latency: 50, link: 'body' },
          ],
          2,
          [100],
        ],
      ],
      describe: (pages, prefetch, busy) =>
        `${describePages(pages)}, prefetch ${prefetch}, ${describePacing({ busy })}`,
    },
  );
});

check('paginate-stop-aborts', async ({ api, lab }) => {
  const pagesOfItems = fc.array(
    fc.record({
      size: fc.integer({ min: 1, max: 3 }),
      latency: fc.integer({ min: 1, max: 300 }),
      link: fc.constantFrom('body' as const, 'header' as const),
    }),
    { minLength: 3, maxLength: 5 },
  );
  await lab.property<[PageSpec[], number, number[], number, 'break' | 'throw']>(
    [
      pagesOfItems,
      fc.integer({ min: 0, max: 4 }),
      busyArbitrary,
      fc.integer({ min: 1, max: 6 }),
      fc.constantFrom<'break' | 'throw'>('break', 'throw'),
    ],
    async (pages, prefetch, busy, stopAfter, stopBy) => {
      const { url, items } = mountPages(lab, pages);
      const pacing: Pacing = { busy, stopAfter: Math.min(stopAfter, items.length - 1), stopBy };
      const label = `paginate(url, { prefetch: ${prefetch} })`;
      const consumed = await lab.run(() => consume(lab, api.paginate(url, { prefetch }), pacing), {
        label: `for await (… of ${label})`,
      });
      const stoppedAt = consumed.stoppedAt ?? consumed.endedAt;
      demand(
        consumed.how === 'stopped',
        () =>
          `The consumer should have stopped the loop after ${pacing.stopAfter} items, but the loop ${endedWith(consumed)}.`,
      );
      for (const record of lab.http.timeline) {
        const inFlight = record.start <= stoppedAt && (record.end === undefined || record.end > stoppedAt);
        demand(
          !inFlight ||
            (record.outcome === 'aborted' && Math.abs((record.end ?? Infinity) - stoppedAt) <= TOLERANCE_MS),
          () =>
            `The consumer ${stopBy === 'throw' ? 'threw' : 'broke out of the loop'} at ${stoppedAt} ms while ${record.path} was in flight; ` +
            `the request should be aborted right then, but it ${record.outcome === 'aborted' ? `was aborted at ${record.end} ms` : record.outcome === 'pending' ? 'was still running' : `ran on until ${record.end} ms`}. ` +
            `A \`for await\` loop that stops calls the generator's return(): clean up in \`finally\`.${requestsPicture(lab, consumed)}`,
          { concept: 'cleanup in an async generator (try/finally)', timeline: [...lab.http.timeline] },
        );
        demand(
          record.start <= stoppedAt,
          () =>
            `The consumer stopped at ${stoppedAt} ms, yet ${record.path} was requested at ${record.start} ms: nothing ` +
            `should be fetched once the consumer has left.${requestsPicture(lab, consumed)}`,
          { concept: 'cleanup in an async generator (try/finally)', timeline: [...lab.http.timeline] },
        );
      }
      lab.expectNothingPending(`the for await loop that stopped ${label}`);
    },
    {
      examples: [
        [
          [
            { size: 2, latency: 100, link: 'body' },
            { size: 2, latency: 100, link: 'body' },
            { size: 2, latency: 100, link: 'body' },
          ],
          2,
          [0],
          1,
          'break',
        ],
        [
          [
            { size: 1, latency: 100, link: 'header' },
            { size: 2, latency: 100, link: 'body' },
            { size: 2, latency: 100, link: 'body' },
          ],
          1,
          [0],
          1,
          'throw',
        ],
      ],
      describe: (pages, prefetch, busy, stopAfter, stopBy) =>
        `${describePages(pages)}, prefetch ${prefetch}, ${describePacing({ busy, stopAfter, stopBy })}`,
    },
  );
});

check('paginate-page-errors', async ({ api, lab }) => {
  await lab.property<[PageSpec[], number, 'status' | 'network', number, number[]]>(
    [
      pagesArbitrary({ minPages: 1, maxPages: 4 }),
      fc.nat(),
      fc.constantFrom<'status' | 'network'>('status', 'network'),
      fc.integer({ min: 0, max: 4 }),
      busyArbitrary,
    ],
    async (generated, failPick, fail, prefetch, busy) => {
      const failing = failPick % generated.length;
      const pages = generated.map((page, p) => (p === failing ? { ...page, fail } : page));
      const { url } = mountPages(lab, pages);
      const label = `paginate(url, { prefetch: ${prefetch} })`;
      const consumed = await lab.run(() => consume(lab, api.paginate<string>(url, { prefetch }), { busy }), {
        label: `for await (… of ${label})`,
      });
      const before = pages
        .slice(0, failing)
        .flatMap((page, p) => Array.from({ length: page.size }, (_, i) => `p${p}.${i}`));
      const values = consumed.got.map((entry) => entry.value);
      const failure = requestFor(lab, failing);
      const due = Math.max(failure?.end ?? Infinity, consumed.asks[before.length] ?? Infinity);
      const what = fail === 'status' ? 'answers 503' : 'fails with a network error';
      demand(
        consumed.how === 'error' &&
          show(values, 10_000) === show(before, 10_000) &&
          Math.abs(consumed.endedAt - due) <= TOLERANCE_MS,
        () =>
          `Page ${failing} ${what}. The consumer should get the ${before.length} items before it (${show(before)}), ` +
          `then an error when it asks for the next one (at ${due} ms); the loop ${endedWith(consumed)} and saw ${show(values)}.` +
          requestsPicture(lab, consumed),
        { concept: 'errors surface at the right item', timeline: [...lab.http.timeline] },
      );
      demand(
        fail === 'network' || String((consumed.error as Error | undefined)?.message).includes('503'),
        () =>
          `Page ${failing} answers 503: the error should say so (its message should contain 503), but it was ${show(consumed.error)}.`,
        { concept: 'errors surface at the right item' },
      );
      demand(
        lab.http.timeline.length === failing + 1,
        () =>
          `After page ${failing} failed, nothing more should be requested; ${lab.http.timeline.length} requests were made.${requestsPicture(lab, consumed)}`,
        { concept: 'errors surface at the right item' },
      );
      lab.expectNothingPending(`the for await loop over ${label}`);
    },
    {
      examples: [
        [
          [
            { size: 2, latency: 10, link: 'body' },
            { size: 1, latency: 10, link: 'body' },
          ],
          1,
          'status',
          3,
          [200],
        ],
      ],
      describe: (pages, failPick, fail, prefetch, busy) =>
        `${describePages(pages)}, page ${failPick % pages.length} ${fail === 'status' ? 'answering 503' : 'failing'}, prefetch ${prefetch}, ${describePacing({ busy })}`,
    },
  );
});
