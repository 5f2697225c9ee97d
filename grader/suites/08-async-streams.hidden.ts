import { defineSuite, demand, show, TOLERANCE_MS } from '../lab/index.ts';
import { mountPages, requestsPicture } from './08-async-streams/pages.ts';
import { type Api, consume, endedWith, recordedFn, recordedSource } from './08-async-streams/streams.ts';

/** Hidden checks of exercise 08: graded on push, left out of the student template. */
const { check } = defineSuite<typeof Api>('08-async-streams');

const PAGES = [
  { size: 2, latency: 100, link: 'body' as const },
  { size: 2, latency: 100, link: 'header' as const },
  { size: 2, latency: 100, link: 'body' as const },
];

check('caller-signal', async ({ api, lab }) => {
  const reason = new Error('user left the page');
  for (const prefetch of [0, 2]) {
    lab.reset();
    const { url } = mountPages(lab, PAGES);
    const controller = lab.controller();
    lab.clock.labTimeout(() => controller.abort(reason), 150);
    const label = `paginate(url, { signal, prefetch: ${prefetch} })`;
    const consumed = await lab.run(
      () => consume(lab, api.paginate(url, { signal: controller.signal, prefetch }), { busy: [0] }),
      {
        label: `for await (… of ${label})`,
      },
    );
    const request = lab.http.timeline[1];
    demand(
      consumed.how === 'error' &&
        consumed.error === reason &&
        consumed.endedAt === 150 &&
        request?.outcome === 'aborted' &&
        Math.abs((request.end ?? 0) - 150) <= TOLERANCE_MS,
      () =>
        `The caller aborts the signal at 150 ms while the consumer waits for page 1: ${label} should abort that request ` +
        `and throw signal.reason (${show(reason)}) right then; the loop ${endedWith(consumed)}` +
        `${request ? ` and ${request.path} was ${request.outcome} at ${request.end} ms` : ''}.${requestsPicture(lab, consumed)}`,
      { concept: 'cancelling with an AbortSignal' },
    );
    lab.expectNothingPending(`the for await loop over ${label}`);
  }
  lab.reset();
  const { url } = mountPages(lab, PAGES);
  const consumed = await lab.run(
    () => consume(lab, api.paginate(url, { signal: AbortSignal.abort(reason) }), { busy: [0] }),
    {
      label: 'for await (… of paginate(url, { signal: an aborted signal }))',
    },
  );
  demand(
    consumed.how === 'error' && consumed.error === reason && lab.http.timeline.length === 0,
    () =>
      `With a signal that is already aborted, paginate should throw signal.reason (${show(reason)}) at the first item ` +
      `and request nothing; the loop ${endedWith(consumed)} after ${lab.http.timeline.length} requests.`,
    { concept: 'cancelling with an AbortSignal' },
  );
  lab.reset();
  const full = mountPages(lab, PAGES);
  const controller = lab.controller();
  await lab.run(() => consume(lab, api.paginate(full.url, { signal: controller.signal }), { busy: [0] }), {
    label: 'for await (… of paginate(url, { signal }))',
  });
  lab.expectNothingPending('a for await loop over paginate(url, { signal }) that read every page');

  lab.reset();
  const stop = lab.controller();
  const items = recordedSource(lab, 'source', [0, 1, 2, 3, 4, 5]);
  const { fn, calls } = recordedFn(lab, { latencies: [100], abortSettleMs: 5 });
  lab.clock.labTimeout(() => stop.abort(reason), 50);
  const mapped = await lab.run(
    () => consume(lab, api.mapConcurrent(items, fn, { concurrency: 2, signal: stop.signal }), { busy: [0] }),
    { label: 'for await (… of mapConcurrent(source, fn, { concurrency: 2, signal }))' },
  );
  demand(
    mapped.how === 'error' &&
      mapped.error === reason &&
      mapped.endedAt === 55 &&
      calls.every((call) => call.abortedAt === 50),
    () =>
      `The caller aborts the signal at 50 ms while fn(0) and fn(1) run: mapConcurrent should abort both right then and ` +
      `throw signal.reason (${show(reason)}) once they have settled, at 55 ms; the loop ${endedWith(mapped)}, and the ` +
      `calls' signals fired at ${calls.map((call) => call.abortedAt ?? 'never').join(', ')} ms.`,
    { concept: 'cancelling with an AbortSignal' },
  );
  lab.expectNothingPending('the for await loop over mapConcurrent(source, fn, { signal })');
  lab.reset();
  const untouched = recordedSource(lab, 'source', [0, 1]);
  const early = await lab.run(
    () =>
      consume(lab, api.mapConcurrent(untouched, fn, { signal: AbortSignal.abort(reason) }), { busy: [0] }),
    { label: 'for await (… of mapConcurrent(source, fn, { signal: an aborted signal }))' },
  );
  demand(
    early.how === 'error' && early.error === reason && untouched.pulls.length === 0,
    () =>
      `With a signal that is already aborted, mapConcurrent should throw signal.reason at the first item and pull ` +
      `nothing; the loop ${endedWith(early)} after ${untouched.pulls.length} pulls.`,
    { concept: 'cancelling with an AbortSignal' },
  );
});

/** Starts the stream and asks for one item: a generator checks its options when its body starts. */
async function firstItem(stream: () => AsyncIterable<unknown>): Promise<unknown> {
  const iterator = stream()[Symbol.asyncIterator]();
  return iterator.next();
}

check('bad-options', async ({ api, lab }) => {
  const { url } = mountPages(lab, PAGES);
  const source = recordedSource(lab, 'source', [1, 2, 3]);
  const { fn, calls } = recordedFn(lab, { latencies: [10] });
  const cases: Array<{ call: string; name: string; run: () => AsyncIterable<unknown> }> = [
    {
      call: 'paginate(url, { prefetch: -1 })',
      name: 'prefetch',
      run: () => api.paginate(url, { prefetch: -1 }),
    },
    {
      call: 'paginate(url, { prefetch: 1.5 })',
      name: 'prefetch',
      run: () => api.paginate(url, { prefetch: 1.5 }),
    },
    {
      call: 'mapConcurrent(source, fn, { concurrency: 0 })',
      name: 'concurrency',
      run: () => api.mapConcurrent(source, fn, { concurrency: 0 }),
    },
    {
      call: 'mapConcurrent(source, fn, { concurrency: 2.5 })',
      name: 'concurrency',
      run: () => api.mapConcurrent(source, fn, { concurrency: 2.5 }),
    },
    {
      call: 'mapConcurrent(source, fn, { concurrency: NaN })',
      name: 'concurrency',
      run: () => api.mapConcurrent(source, fn, { concurrency: Number.NaN }),
    },
    { call: "mapConcurrent(source, 'fn')", name: 'fn', run: () => api.mapConcurrent(source, 'fn' as never) },
    { call: 'mapConcurrent(42, fn)', name: 'source', run: () => api.mapConcurrent(42 as never, fn) },
    { call: 'merge(source, 42)', name: 'sources', run: () => api.merge(source, 42 as never) },
  ];
  for (const { call, name, run } of cases) {
    const settled = await lab.settle(() => firstItem(run), { label: call });
    const error = settled.status === 'rejected' ? (settled.reason as Error) : undefined;
    demand(
      error?.name === 'TypeError' && String(error.message).includes(name),
      () =>
        `${call} should throw a TypeError whose message names \`${name}\` (at the call or at the first item), but it ` +
        `${settled.status === 'fulfilled' ? `yielded ${show(settled.value)}` : `threw ${show(settled.reason)}`}.`,
      { concept: 'validating options' },
    );
  }
  demand(
    lab.http.timeline.length === 0 && source.pulls.length === 0 && calls.length === 0,
    () =>
      `Bad options should be refused before any work: ${lab.http.timeline.length} requests, ${source.pulls.length} pulls and ${calls.length} calls of fn were made.`,
    { concept: 'validating options' },
  );
  const fine = await lab.settle(
    () => firstItem(() => api.mapConcurrent(recordedSource(lab, 's', [1]), fn, { concurrency: Infinity })),
    {
      label: 'mapConcurrent(source, fn, { concurrency: Infinity })',
    },
  );
  demand(
    fine.status === 'fulfilled',
    () =>
      `concurrency: Infinity means no limit and is allowed, but it threw ${show(fine.status === 'rejected' ? fine.reason : undefined)}.`,
    {
      concept: 'validating options',
    },
  );
});
