import { CheckFailure, defineSuite, demand, fc, maxOverlap, show, TOLERANCE_MS } from '../../lab/index.ts';
import { busyArbitrary } from './pages.ts';
import {
  type Api,
  type Call,
  type Consumed,
  consume,
  describePacing,
  endedWith,
  mapPicture,
  type Pull,
  recordedFn,
  recordedSource,
  resultOf,
} from './streams.ts';

/** mapConcurrent(): the in-flight limit, back-pressure on the source, ordering, errors and early stops. */
const { check } = defineSuite<typeof Api>('08-async-streams');

const latencies = fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 });
const sourceLatencies = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60 })), {
  minLength: 1,
  maxLength: 4,
});

interface Workload {
  items: number;
  concurrency: number;
  latencies: number[];
  sourceLatencies: number[];
  ordered: boolean | undefined;
  busy: number[];
}

const workload = fc.record({
  items: fc.integer({ min: 0, max: 9 }),
  concurrency: fc.integer({ min: 1, max: 4 }),
  latencies,
  sourceLatencies,
  ordered: fc.constantFrom<boolean | undefined>(true, false, undefined),
  busy: busyArbitrary,
});

function describeWorkload(w: Workload): string {
  return (
    `${w.items} items, concurrency ${w.concurrency}, fn latencies ${w.latencies.join(', ')} ms, source latencies ` +
    `${w.sourceLatencies.join(', ')} ms, ordered ${String(w.ordered)}, ${describePacing({ busy: w.busy })}`
  );
}

function labelOf(w: Pick<Workload, 'concurrency' | 'ordered'>): string {
  return `mapConcurrent(source, fn, { concurrency: ${w.concurrency}${w.ordered === undefined ? '' : `, ordered: ${w.ordered}`} })`;
}

/** Runs mapConcurrent over the items 0..n-1 of a recorded source to the end, with the workload's pacing. */
async function runWorkload(
  api: typeof Api,
  lab: Parameters<Parameters<typeof check>[1]>[0]['lab'],
  w: Workload,
) {
  const source = recordedSource(
    lab,
    'source',
    Array.from({ length: w.items }, (_, k) => k),
    w.sourceLatencies,
  );
  const { fn, calls } = recordedFn(lab, { latencies: w.latencies });
  const consumed = await lab.run(
    () =>
      consume(lab, api.mapConcurrent(source, fn, { concurrency: w.concurrency, ordered: w.ordered }), {
        busy: w.busy,
      }),
    { label: `for await (… of ${labelOf(w)})` },
  );
  return { source, calls, consumed };
}

/** Items pulled (next() calls started) minus results handed over, at the instant of each pull. */
function aheadAtPulls(pulls: readonly Pull[], consumed: Consumed<unknown>) {
  return pulls.map((pull, k) => ({
    at: pull.start,
    ahead: k + 1 - consumed.got.filter((entry) => entry.at <= pull.start).length,
  }));
}

check('map-in-flight-limit', async ({ api, lab }) => {
  await lab.property<[Workload]>(
    [workload],
    async (w) => {
      const { source, calls, consumed } = await runWorkload(api, lab, w);
      demand(
        consumed.how === 'done' && consumed.got.length === w.items,
        () =>
          `${labelOf(w)} should yield ${w.items} results and end; the loop ${endedWith(consumed)}.${mapPicture(calls, source.pulls)}`,
      );
      const overlap = maxOverlap(calls);
      demand(
        overlap.max <= w.concurrency,
        () =>
          `${labelOf(w)} should never have more than ${w.concurrency} calls of fn in flight, but at ${overlap.at} ms ` +
          `it had ${overlap.max}.${mapPicture(calls, source.pulls, { at: overlap.at, note: `${overlap.max} in flight` })}`,
        { concept: 'a concurrency limit (a semaphore)' },
      );
      const over = aheadAtPulls(source.pulls, consumed).find((entry) => entry.ahead > w.concurrency);
      demand(
        over === undefined,
        () =>
          `${labelOf(w)} should pull the source only when a slot is free: a slot is busy from the moment an item is ` +
          `pulled until its result is handed to the consumer. At ${over?.at} ms it had pulled ${over?.ahead} items ` +
          `more than the consumer had taken (the consumer took results at ${consumed.got.map((g) => g.at).join(', ') || 'no time'} ms).` +
          mapPicture(calls, source.pulls, over && { at: over.at, note: 'pulled too far ahead' }),
        { concept: 'back-pressure, where the consumer sets the pace' },
      );
    },
    {
      examples: [
        [{ items: 6, concurrency: 2, latencies: [10], sourceLatencies: [0], ordered: true, busy: [500] }],
      ],
      describe: describeWorkload,
    },
  );
});

check('map-keeps-slots-busy', async ({ api, lab }) => {
  await lab.property<[Workload]>(
    [workload],
    async (w) => {
      const { source, calls, consumed } = await runWorkload(api, lab, w);
      source.pulls.forEach((pull, k) => {
        const slotFree = k < w.concurrency ? consumed.asks[0] : consumed.got[k - w.concurrency]?.at;
        const due = Math.max(k === 0 ? 0 : (source.pulls[k - 1].end ?? Infinity), slotFree ?? Infinity);
        // Only lateness here: pulling too early breaks the bound, which map-in-flight-limit checks.
        demand(
          pull.start <= due + TOLERANCE_MS,
          () =>
            `${labelOf(w)} should pull item ${k} at ${due} ms, as soon as ${k < w.concurrency ? 'the consumer asked for the first result' : `result number ${k - w.concurrency + 1} was handed over and freed a slot`} ` +
            `(and the previous pull was done); it pulled it at ${pull.start} ms.${mapPicture(calls, source.pulls, { at: due, note: 'expected' })}`,
          { concept: 'keeping every slot busy' },
        );
        const call = calls.find((c) => c.item === k);
        demand(
          pull.done ||
            (call !== undefined &&
              Math.abs(call.start - (pull.end ?? Infinity)) <= TOLERANCE_MS &&
              call.index === k),
          () =>
            `fn(item ${k}) should be called with { index: ${k}, signal } at ${pull.end} ms, as soon as the source gave the item; ` +
            `${call ? `it was called at ${call.start} ms with index ${show(call.index)}` : 'it was never called'}.${mapPicture(calls, source.pulls)}`,
          { concept: 'keeping every slot busy' },
        );
      });
      demand(
        source.pulls.length === w.items + 1,
        () =>
          `${labelOf(w)} should pull all ${w.items} items and then the end of the source; it pulled ${source.pulls.length} times.`,
      );
    },
    {
      examples: [
        [{ items: 5, concurrency: 2, latencies: [100, 10], sourceLatencies: [5], ordered: false, busy: [0] }],
      ],
      describe: describeWorkload,
    },
  );
});

function byCompletion(calls: readonly Call[], value: unknown): number | undefined {
  return calls.find((call) => resultOf(call.item) === value)?.end;
}

check('map-ordering', async ({ api, lab }) => {
  await lab.property<[Workload]>(
    [workload],
    async (w) => {
      const { source, calls, consumed } = await runWorkload(api, lab, w);
      const values = consumed.got.map((entry) => entry.value);
      const inSourceOrder = Array.from({ length: w.items }, (_, k) => resultOf(k));
      if (w.ordered !== false) {
        demand(
          consumed.how === 'done' && show(values, 10_000) === show(inSourceOrder, 10_000),
          () =>
            `${labelOf(w)} should yield the results in the order of the source${w.ordered === undefined ? ' (ordered is true by default)' : ''}: ` +
            `${show(inSourceOrder)}; the loop ${endedWith(consumed)} and saw ${show(values)}.${mapPicture(calls, source.pulls)}`,
          { concept: 'results in source order' },
        );
        return;
      }
      demand(
        consumed.how === 'done' &&
          show([...values].sort(), 10_000) === show([...inSourceOrder].sort(), 10_000),
        () =>
          `${labelOf(w)} should yield every result once (${show(inSourceOrder)} in some order); the loop ` +
          `${endedWith(consumed)} and saw ${show(values)}.${mapPicture(calls, source.pulls)}`,
        { concept: 'results in completion order' },
      );
      values.forEach((value, i) => {
        const next = values[i + 1];
        if (next === undefined) return;
        const [a, b] = [byCompletion(calls, value), byCompletion(calls, next)];
        demand(
          (a ?? 0) <= (b ?? 0),
          () =>
            `With ordered: false the results should come in the order the calls finished: ${show(next)} was ready at ` +
            `${b} ms, before ${show(value)} (${a} ms), yet it came after it.${mapPicture(calls, source.pulls)}`,
          { concept: 'results in completion order' },
        );
      });
    },
    {
      examples: [
        [
          {
            items: 4,
            concurrency: 3,
            latencies: [300, 100, 200, 50],
            sourceLatencies: [0],
            ordered: false,
            busy: [0],
          },
        ],
        [
          {
            items: 4,
            concurrency: 3,
            latencies: [300, 100, 200, 50],
            sourceLatencies: [0],
            ordered: true,
            busy: [0],
          },
        ],
        [
          {
            items: 3,
            concurrency: 3,
            latencies: [30, 20, 10],
            sourceLatencies: [0],
            ordered: false,
            busy: [400],
          },
        ],
      ],
      describe: describeWorkload,
    },
  );
  lab.reset();
  const { fn } = recordedFn(lab, { latencies: [30, 10] });
  const array = await lab.run(
    () => consume(lab, api.mapConcurrent([0, 1, 2, 3], fn, { concurrency: 2 }), { busy: [0] }),
    {
      label: 'for await (… of mapConcurrent([0, 1, 2, 3], fn, { concurrency: 2 }))',
    },
  );
  const arrayValues = array.got.map((entry) => entry.value);
  demand(
    array.how === 'done' && show(arrayValues) === show([0, 1, 2, 3].map(resultOf)),
    () =>
      `mapConcurrent takes a plain array too: over [0, 1, 2, 3] it should yield ${show([0, 1, 2, 3].map(resultOf))}; the loop ${endedWith(array)} and saw ${show(arrayValues)}.`,
    { concept: 'results in source order' },
  );
});

/** Every call in flight at `at` (other than `except`) should have had its signal fire right then. */
function demandAborted(
  calls: readonly Call[],
  pulls: readonly Pull[],
  at: number,
  what: string,
  except?: number,
) {
  for (const call of calls) {
    if (call.item === except || call.start > at || (call.end !== undefined && call.end < at)) continue;
    if (call.end !== undefined && call.end === at && call.abortedAt === undefined) continue;
    demand(
      call.abortedAt !== undefined && Math.abs(call.abortedAt - at) <= TOLERANCE_MS,
      () =>
        `${what} at ${at} ms while fn(${call.item}) was running: its signal should fire right then, but ` +
        `${!call.hadSignal ? 'fn received no signal' : call.abortedAt === undefined ? 'it never fired' : `it fired at ${call.abortedAt} ms`}.` +
        mapPicture(calls, pulls, { at, note: what }),
      { concept: 'cancelling the work in flight' },
    );
  }
}

check('map-error-cleanup', async ({ api, lab }) => {
  await lab.property<[Workload, number, number]>(
    [workload, fc.nat(), fc.integer({ min: 0, max: 50 })],
    async (generated, pick, abortSettleMs) => {
      const w = { ...generated, items: Math.max(2, generated.items) };
      const failOn = pick % w.items;
      const error = new Error(`fn(${failOn}) failed`);
      const source = recordedSource(
        lab,
        'source',
        Array.from({ length: w.items }, (_, k) => k),
        w.sourceLatencies,
      );
      const { fn, calls } = recordedFn(lab, { latencies: w.latencies, failOn, error, abortSettleMs });
      const label = labelOf(w);
      const consumed = await lab.run(
        () =>
          consume(lab, api.mapConcurrent(source, fn, { concurrency: w.concurrency, ordered: w.ordered }), {
            busy: w.busy,
          }),
        { label: `for await (… of ${label})` },
      );
      const failed = calls.find((call) => call.item === failOn);
      if (failed === undefined || failed.end === undefined) {
        throw new CheckFailure(
          `${label} never called fn(${failOn}) to the end.${mapPicture(calls, source.pulls)}`,
        );
      }
      const failAt = failed.end;
      const late = source.pulls.find((pull) => pull.start > failAt);
      demand(
        late === undefined,
        () =>
          `fn(${failOn}) failed at ${failAt} ms: the source should not be pulled after that, but it was at ${late?.start} ms.${mapPicture(calls, source.pulls, { at: failAt, note: 'the error' })}`,
        { concept: 'stopping at the first error' },
      );
      demandAborted(calls, source.pulls, failAt, `fn(${failOn}) failed`, failOn);
      const lateCall = calls.find((call) => call.start > failAt);
      demand(
        lateCall === undefined,
        () =>
          `fn(${failOn}) failed at ${failAt} ms: fn should not be called after that, but fn(${lateCall?.item}) was called at ${lateCall?.start} ms.${mapPicture(calls, source.pulls, { at: failAt, note: 'the error' })}`,
        { concept: 'stopping at the first error' },
      );
      const settledAt = Math.max(failAt, ...calls.map((call) => call.end ?? Infinity));
      const due = Math.max(settledAt, consumed.asks[consumed.got.length] ?? Infinity);
      demand(
        consumed.how === 'error' &&
          consumed.error === error &&
          Math.abs(consumed.endedAt - due) <= TOLERANCE_MS,
        () =>
          `fn(${failOn}) rejected at ${failAt} ms with ${show(error)}; the stream should throw that very error once every ` +
          `call in flight has settled (at ${due} ms), but the loop ${endedWith(consumed)}.${mapPicture(calls, source.pulls, { at: failAt, note: 'the error' })}`,
        { concept: 'stopping at the first error' },
      );
      const exhausted = source.pulls.some((pull) => pull.done);
      demand(
        exhausted || source.returns.length === 1,
        () =>
          `When the stream stops on an error it should close the source (call its return() once); it called it ${source.returns.length} times.`,
        { concept: 'stopping at the first error' },
      );
      lab.expectNothingPending(`the for await loop over ${label}`);
    },
    {
      examples: [
        [
          {
            items: 6,
            concurrency: 3,
            latencies: [100, 50, 200],
            sourceLatencies: [0],
            ordered: true,
            busy: [0],
          },
          1,
          20,
        ],
      ],
      describe: (w, pick, abortSettleMs) =>
        `${describeWorkload(w)}, fn(${pick % Math.max(2, w.items)}) failing, aborted calls settling ${abortSettleMs} ms after the abort`,
    },
  );
  lab.reset();
  await sourceFailure(api, lab);
});

/** A source that fails is an error like fn's: the calls in flight are aborted, then its error is thrown. */
async function sourceFailure(api: typeof Api, lab: Parameters<Parameters<typeof check>[1]>[0]['lab']) {
  const error = new Error('the source failed');
  const source = recordedSource(lab, 'source', [0, 1, 2, 3, 4], [10], { at: 2, error });
  const { fn, calls } = recordedFn(lab, { latencies: [100], abortSettleMs: 5 });
  const label = 'mapConcurrent(source, fn, { concurrency: 3 })';
  const consumed = await lab.run(
    () => consume(lab, api.mapConcurrent(source, fn, { concurrency: 3 }), { busy: [0] }),
    {
      label: `for await (… of ${label})`,
    },
  );
  const failAt = source.pulls[2]?.end ?? 30;
  demandAborted(calls, source.pulls, failAt, 'The source failed');
  demand(
    consumed.how === 'error' &&
      consumed.error === error &&
      consumed.endedAt === failAt + 5 &&
      calls.length === 2,
    () =>
      `The source's third next() rejects at ${failAt} ms with ${show(error)}: the stream should abort fn(0) and fn(1), ` +
      `call fn no more, and throw that very error once they have settled (at ${failAt + 5} ms); the loop ${endedWith(consumed)}.` +
      mapPicture(calls, source.pulls, { at: failAt, note: 'the source failed' }),
    { concept: 'stopping at the first error' },
  );
}

check('map-break-cleanup', async ({ api, lab }) => {
  await lab.property<[Workload, number, number, 'break' | 'throw']>(
    [
      workload,
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 0, max: 50 }),
      fc.constantFrom<'break' | 'throw'>('break', 'throw'),
    ],
    async (generated, stopAfter, abortSettleMs, stopBy) => {
      const w = { ...generated, items: Math.max(stopAfter + 1, generated.items) };
      const source = recordedSource(
        lab,
        'source',
        Array.from({ length: w.items }, (_, k) => k),
        w.sourceLatencies,
      );
      const { fn, calls } = recordedFn(lab, { latencies: w.latencies, abortSettleMs });
      const label = labelOf(w);
      const consumed = await lab.run(
        () =>
          consume(lab, api.mapConcurrent(source, fn, { concurrency: w.concurrency, ordered: w.ordered }), {
            busy: w.busy,
            stopAfter,
            stopBy,
          }),
        { label: `for await (… of ${label})` },
      );
      const stoppedAt = consumed.stoppedAt ?? consumed.endedAt;
      demand(
        consumed.how === 'stopped',
        () =>
          `The consumer should have stopped after ${stopAfter} results, but the loop ${endedWith(consumed)}.`,
      );
      const what =
        stopBy === 'throw' ? 'The consumer threw inside the loop' : 'The consumer broke out of the loop';
      demandAborted(calls, source.pulls, stoppedAt, what);
      const lateCall = calls.find((call) => call.start > stoppedAt);
      demand(
        lateCall === undefined,
        () =>
          `${what} at ${stoppedAt} ms: fn should not be called after that, but fn(${lateCall?.item}) was called at ${lateCall?.start} ms.${mapPicture(calls, source.pulls, { at: stoppedAt, note: 'stop' })}`,
        { concept: 'cleanup in an async generator (try/finally)' },
      );
      const late = source.pulls.find((pull) => pull.start > stoppedAt);
      demand(
        late === undefined,
        () =>
          `${what} at ${stoppedAt} ms: the source should not be pulled after that, but it was at ${late?.start} ms.${mapPicture(calls, source.pulls, { at: stoppedAt, note: 'stop' })}`,
        { concept: 'cleanup in an async generator (try/finally)' },
      );
      const settledAt = Math.max(stoppedAt, ...calls.map((call) => call.end ?? Infinity));
      demand(
        Math.abs(consumed.endedAt - settledAt) <= TOLERANCE_MS,
        () =>
          `${what} at ${stoppedAt} ms; the loop should end (the stream's return() resolve) once every call in flight ` +
          `has settled, at ${settledAt} ms, but it ended at ${consumed.endedAt} ms.${mapPicture(calls, source.pulls, { at: stoppedAt, note: 'stop' })}`,
        { concept: 'cleanup in an async generator (try/finally)' },
      );
      const exhausted = source.pulls.some((pull) => pull.done);
      demand(
        exhausted || source.returns.length === 1,
        () =>
          `${what}: the stream should close the source (call its return() once); it called it ${source.returns.length} times.`,
        { concept: 'cleanup in an async generator (try/finally)' },
      );
      lab.expectNothingPending(`the for await loop over ${label}`);
    },
    {
      examples: [
        [
          {
            items: 6,
            concurrency: 3,
            latencies: [100, 50, 200],
            sourceLatencies: [0],
            ordered: false,
            busy: [0],
          },
          1,
          10,
          'break',
        ],
      ],
      describe: (w, stopAfter, abortSettleMs, stopBy) =>
        `${describeWorkload(w)}, ${stopBy === 'throw' ? 'throwing' : 'breaking'} after ${stopAfter} results, aborted calls settling ${abortSettleMs} ms after the abort`,
    },
  );
  lab.reset();
  const { fn } = recordedFn(lab, { latencies: [30] });
  const array = await lab.run(
    () =>
      consume(lab, api.mapConcurrent([0, 1, 2, 3, 4], fn, { concurrency: 2 }), { busy: [0], stopAfter: 1 }),
    { label: 'for await (… of mapConcurrent([0, 1, 2, 3, 4], fn, { concurrency: 2 })) with a break' },
  );
  demand(
    array.how === 'stopped',
    () =>
      `A break out of a loop over mapConcurrent([0, 1, 2, 3, 4], fn) should just end the loop (an array's iterator has ` +
      `no return() to call: \`iterator.return?.()\`); the loop ${endedWith(array)}.`,
    { concept: 'cleanup in an async generator (try/finally)' },
  );
});
