/** AsyncQueue: join and taskDone, close, and async iteration. */
import type * as Api from '../../../exercises/03-producer-consumer/index.ts';
import { CheckFailure, defineSuite, demand, fc, listMs, show } from '../../lab/index.ts';
import { drain, listItems, pause, propertyWithExamples, sleep, watch } from './probes.ts';

const { check } = defineSuite<typeof Api>('03-producer-consumer');

check('join-task-done', async ({ api, lab }) => {
  const queue = new api.AsyncQueue<string>();
  const fresh = watch(lab, 'join() on a new queue', () => queue.join());
  await pause(lab, 1);
  demand(
    fresh.state === 'fulfilled',
    () => `Nothing was ever put, so ${fresh.label} should resolve at once, but ${fresh.describe()}.`,
  );

  await lab.run(() => queue.put('a'), { label: "put('a')" });
  await lab.run(() => queue.put('b'), { label: "put('b')" });
  const joins = [watch(lab, 'join()', () => queue.join()), watch(lab, 'a second join()', () => queue.join())];
  await lab.run(() => queue.get(), { label: 'get()' });
  queue.taskDone();
  await pause(lab);
  demand(
    joins.every((join) => join.pending),
    () =>
      `After put('a'), put('b'), get() and one taskDone(), "b" is not done yet, so join() should still wait, but ${joins[0].describe()}.`,
    { concept: 'join and taskDone' },
  );
  await lab.run(() => queue.get(), { label: 'get()' });
  await pause(lab, 90);
  demand(
    joins.every((join) => join.pending),
    () => `"b" was taken but not marked done, so join() should still wait, but ${joins[0].describe()}.`,
    {
      concept: 'join and taskDone',
    },
  );
  queue.taskDone();
  // The joins settle while the probe's 1 ms pause runs, so the probe stamps them 100 or 101 ms: that millisecond
  // is the probe's, not slack on the rule.
  await pause(lab, 1);
  demand(
    joins.every((join) => join.state === 'fulfilled' && (join.at === 100 || join.at === 101)),
    () =>
      `The last taskDone() came at 100 ms, so every join() waiting should resolve then, but ${joins.map((join) => join.describe()).join(' and ')}.`,
    { concept: 'join and taskDone' },
  );

  const overCalled = () => {
    try {
      queue.taskDone();
      return undefined;
    } catch (error) {
      return error;
    }
  };
  const once = overCalled();
  await lab.run(() => queue.put('c'), { label: "put('c')" });
  const notTaken = overCalled();
  demand(
    once instanceof Error && notTaken instanceof Error,
    `taskDone() should throw when called more times than items were taken by get(): once after both items were ` +
      `done (it ${once instanceof Error ? 'threw' : 'did not throw'}), and once after put('c') with "c" not taken ` +
      `yet (it ${notTaken instanceof Error ? 'threw' : 'did not throw'}).`,
    { concept: 'join and taskDone' },
  );
  const later = watch(lab, "join() after put('c')", () => queue.join());
  await pause(lab);
  await lab.run(() => queue.get(), { label: 'get()' });
  queue.taskDone();
  await pause(lab);
  demand(
    later.state === 'fulfilled',
    () => `After "c" was taken and marked done, ${later.describe()}; it should have resolved.`,
    {
      concept: 'join and taskDone',
    },
  );

  // An item put() hands straight to a waiting get() is taken too: it owes exactly one taskDone().
  const handedOff = watch(lab, 'the waiting get()', () => queue.get());
  await pause(lab);
  await lab.run(() => queue.put('d'), { label: "put('d')" });
  await pause(lab);
  if (handedOff.state === 'fulfilled') {
    const due = overCalled();
    const extra = overCalled();
    demand(
      due === undefined && extra instanceof Error,
      () =>
        `A get() waiting on an empty queue was handed "d" by put('d'), so "d" was taken and owes one taskDone(): ` +
        `the first call should succeed and the second throw, but the first ${due === undefined ? 'succeeded' : `threw ${show(due)}`} ` +
        `and the second ${extra instanceof Error ? 'threw' : 'did not throw'}.`,
      { concept: 'join and taskDone' },
    );
  }
});

check('close-drains', async ({ api, lab }) => {
  const isClosed = (reason: unknown) => reason instanceof api.QueueClosedError && reason instanceof Error;
  const queue = new api.AsyncQueue<string>(3);
  await lab.run(() => queue.put('a'), { label: "put('a')" });
  await lab.run(() => queue.put('b'), { label: "put('b')" });
  queue.close();
  const late = await lab.settle(() => queue.put('c'), { label: "put('c') after close()" });
  demand(
    late.status === 'rejected' && isClosed(late.reason),
    `put('c') after close() should reject with QueueClosedError, but it ${late.status === 'fulfilled' ? 'resolved' : `rejected with ${show(late.reason)}`}.`,
    { concept: 'closing a queue' },
  );
  const drained = await drain(lab, queue, 4);
  demand(
    show(drained.items) === show(['a', 'b']) && drained.end !== undefined && isClosed(drained.end),
    () =>
      'After put(\'a\'), put(\'b\') and close(), get() should still hand out "a" and "b", then reject with ' +
      `QueueClosedError every time, but ${drained.story}.`,
    { concept: 'closing a queue' },
  );

  const full = new api.AsyncQueue<string>(1);
  await lab.run(() => full.put('x'), { label: "put('x')" });
  // The calls close() rejects carry a signal that never aborts: close() must remove their 'abort' listeners.
  const signal = lab.controller().signal;
  const waitingPut = watch(lab, "the waiting put('y', signal)", () => full.put('y', signal));
  await pause(lab);
  if (waitingPut.pending) {
    full.close();
    await pause(lab, 50);
    demand(
      waitingPut.state === 'rejected' && isClosed(waitingPut.reason),
      () =>
        `close() should make a put waiting on a full queue reject with QueueClosedError, but ${waitingPut.describe()}.`,
      { concept: 'closing a queue' },
    );
    const rest = await drain(lab, full, 3);
    demand(
      show(rest.items) === show(['x']) && rest.end !== undefined && isClosed(rest.end),
      () =>
        `The put('y', signal) that close() rejected inserted nothing, so get() should give "x", then reject with ` +
        `QueueClosedError, but ${rest.story}.`,
      { concept: 'closing a queue' },
    );
  }

  const empty = new api.AsyncQueue<string>();
  const getters = [
    watch(lab, 'the first waiting get(signal)', () => empty.get(signal)),
    watch(lab, 'the second waiting get(signal)', () => empty.get(signal)),
  ];
  await pause(lab);
  empty.close();
  await pause(lab, 50);
  demand(
    getters.every((get) => get.state === 'rejected' && isClosed(get.reason)),
    () =>
      `Closing an empty queue should make every waiting get() reject with QueueClosedError, but ${getters.map((get) => get.describe()).join(' and ')}.`,
    { concept: 'closing a queue' },
  );
  lab.expectNothingPending('the waiting put(item, signal) and get(signal) calls that close() rejected');
});

check('async-iteration', async ({ api, lab }) => {
  const queue = new api.AsyncQueue<number>();
  for (const item of [1, 2, 3]) await lab.run(() => queue.put(item), { label: `put(${item})` });
  queue.close();
  const seen = await lab.run(
    async () => {
      const items: number[] = [];
      for await (const item of queue) items.push(item);
      return items;
    },
    { label: 'for await (const item of queue)' },
  );
  demand(
    show(seen) === show([1, 2, 3]),
    `A closed queue holding 1, 2, 3 should yield 1, 2, 3 and end, but it yielded ${listItems(seen)}.`,
    {
      concept: 'async iteration',
    },
  );

  const live = new api.AsyncQueue<string>(1);
  const arrivals: Array<{ item: string; at: number }> = [];
  const loop = lab.start(async () => {
    for await (const item of live) arrivals.push({ item, at: lab.now() });
  });
  for (const item of ['a', 'b', 'c']) {
    await pause(lab, 10);
    await lab.run(() => live.put(item), { label: `put('${item}')` });
  }
  await pause(lab, 10);
  const beforeClose = arrivals.length;
  live.close();
  await lab.run(loop, { label: 'for await (const item of queue) after close()' });
  demand(
    beforeClose === 3 && show(arrivals.map((arrival) => arrival.item)) === show(['a', 'b', 'c']),
    () =>
      `A for await loop over the queue should yield each item as it arrives (put at 10, 20 and 30 ms, closed at ` +
      `40 ms), but by the close it had yielded ${beforeClose} and in all ${arrivals.map((arrival) => `${show(arrival.item)} at ${arrival.at} ms`).join(', ') || 'nothing'}.`,
    { concept: 'async iteration' },
  );
  const join = watch(lab, 'join()', () => live.join());
  await pause(lab);
  demand(
    join.pending,
    'The loop took 3 items but nobody called taskDone(), so join() should still wait: the iterator must not call taskDone itself.',
    {
      concept: 'async iteration',
    },
  );
  for (let i = 0; i < 3; i++) live.taskDone();
  await pause(lab, 1);
  demand(
    join.state === 'fulfilled',
    () => `After three taskDone() calls ${join.describe()}; it should have resolved.`,
  );

  const shared = new api.AsyncQueue<number>(2);
  const loops = [0, 1].map(() =>
    lab.start(async () => {
      const items: number[] = [];
      for await (const item of shared) items.push(item);
      return items;
    }),
  );
  for (let item = 1; item <= 6; item++) await lab.run(() => shared.put(item), { label: `put(${item})` });
  shared.close();
  const [left, right] = [
    await lab.run(loops[0], { label: 'the first loop' }),
    await lab.run(loops[1], { label: 'the second loop' }),
  ];
  const all = [...left, ...right].sort((a, b) => a - b);
  demand(
    show(all) === show([1, 2, 3, 4, 5, 6]),
    `Two for await loops over one queue should share items 1 to 6, each item going to one loop, but they got ` +
      `[${left.map((item) => show(item)).join(', ')}] and [${right.map((item) => show(item)).join(', ')}].`,
    { concept: 'async iteration' },
  );
  // The loop's pace varies: after each item it may stay busy for a while, holding the item, before it asks for the
  // next, and it may break early. Meanwhile a producer puts items 0, 1, 2 … into a bounded queue at its own pace.
  const pacing = fc.record({
    maxSize: fc.integer({ min: 1, max: 3 }),
    gaps: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 })), { minLength: 1, maxLength: 7 }),
    busy: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60 })), { minLength: 7, maxLength: 7 }),
    stopAfter: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
  });
  await propertyWithExamples<[{ maxSize: number; gaps: number[]; busy: number[]; stopAfter?: number }]>(
    lab,
    [pacing],
    async (plan) => {
      const { maxSize, gaps, busy } = plan;
      const count = gaps.length;
      const stopAfter = plan.stopAfter !== undefined && plan.stopAfter < count ? plan.stopAfter : undefined;
      const queue = new api.AsyncQueue<number>(maxSize);
      const puts: Array<{ start: number; end?: number; rejected?: boolean }> = [];
      const seen: Array<{ item: number; at: number; asked: number }> = [];
      const rest: number[] = [];
      const story = () =>
        ` The producer put ${puts.map((put, i) => `${i} at ${put.start} ms${put.rejected ? ' (rejected)' : put.end === undefined ? ' (still waiting)' : put.end > put.start ? ` (done at ${put.end} ms)` : ''}`).join(', ')}; ` +
        `the loop got ${seen.map((got) => `${show(got.item)} at ${got.at} ms`).join(', ') || 'nothing'}` +
        `${stopAfter === undefined ? '' : `, then broke out, and get() took ${listItems(rest) || 'nothing'} after it`}.`;
      const producer = lab.start(async () => {
        for (let item = 0; item < count; item++) {
          if (gaps[item] > 0) await sleep(lab, gaps[item]);
          const put: (typeof puts)[number] = { start: lab.now() };
          puts.push(put);
          await queue.put(item).catch((error: unknown) => {
            put.rejected = true;
            throw error;
          });
          put.end = lab.now();
        }
        queue.close();
      });
      let asked = 0;
      const loop = lab.start(async () => {
        for await (const item of queue) {
          seen.push({ item, at: lab.now(), asked });
          if (seen.length === stopAfter) break;
          const pause = busy[seen.length - 1] ?? 0;
          if (pause > 0) await sleep(lab, pause);
          asked = lab.now();
        }
      });
      const label = `for await (const item of queue)${stopAfter === undefined ? '' : `, breaking after ${stopAfter} items`}`;
      try {
        await lab.run(loop, { label });
        if (stopAfter !== undefined) {
          await lab.run(
            async () => {
              for (;;) {
                try {
                  rest.push(await queue.get());
                } catch (error) {
                  if (error instanceof api.QueueClosedError) return;
                  throw error;
                }
              }
            },
            { label: 'The get() calls after the loop broke out' },
          );
        }
        await lab.run(producer, { label: 'The producer' });
      } catch (error) {
        if (!(error instanceof CheckFailure)) throw error;
        throw new CheckFailure(
          `${error.message}${story()} ` +
            (puts.some((put) => put.rejected)
              ? 'Breaking out of a `for await` loop must leave the queue as it was: open, with its items.'
              : 'Only an item the loop asks for may leave the queue, and each item it takes lets a waiting put() in.'),
          { concept: 'async iteration', cause: error },
        );
      }
      const taken = [...seen.map((got) => got.item), ...rest];
      demand(
        show(taken) === show(Array.from({ length: count }, (_, item) => item)),
        () =>
          `Each item put should come out once, in order: the loop${stopAfter === undefined ? '' : ' and the get() calls after it'} ` +
          `should have taken ${listItems(Array.from({ length: count }, (_, item) => item))}, but ${listItems(taken) || 'nothing'} came out.` +
          `${stopAfter === undefined ? '' : ' Breaking out of a loop must leave the queue and the items it holds as they were: the iterator may take an item only when the loop asks for one.'}` +
          story(),
        { concept: 'async iteration' },
      );
      for (const [i, got] of seen.entries()) {
        const due = Math.max(got.asked, puts[i].start);
        demand(
          got.at === due,
          () =>
            `The loop asked for item ${i} at ${got.asked} ms and it was put at ${puts[i].start} ms, so the loop should ` +
            `get it at ${due} ms, but it got it at ${got.at} ms.${story()}`,
          { concept: 'async iteration' },
        );
      }
      for (const [i, put] of puts.entries()) {
        const freed = seen[i - maxSize];
        if (i >= maxSize && freed === undefined) continue;
        const due = Math.max(put.start, freed?.at ?? 0);
        demand(
          put.end === due,
          () =>
            `With maxSize ${maxSize}, put(${i}) waits until the loop takes item ${i - maxSize} and no longer, so it ` +
            `should be done at ${due} ms, but it was ${put.end === undefined ? 'never done' : `done at ${put.end} ms`}: ` +
            `an item leaves the queue only when the loop asks for it, and taking it lets a waiting put() in.${story()}`,
          { concept: 'async iteration' },
        );
      }
      let marked = 0;
      try {
        for (; marked < count; marked++) queue.taskDone();
      } catch {
        // Counted below.
      }
      const join = watch(lab, 'join()', () => queue.join());
      await pause(lab, 1);
      demand(
        marked === count && join.state === 'fulfilled',
        () =>
          `Every one of the ${count} items was taken (by the loop or by get()), so ${count} taskDone() calls should be ` +
          `accepted and join() resolve, but ${marked < count ? `taskDone() threw after ${marked}` : join.describe()}: ` +
          `an item the iterator hands out counts as taken.`,
        { concept: 'async iteration' },
      );
    },
    {
      numRuns: 15,
      examples: [
        [{ maxSize: 1, gaps: [0, 0, 0, 0], busy: [20, 20, 20, 20, 0, 0, 0], stopAfter: 2 }],
        [{ maxSize: 1, gaps: [0, 0, 0], busy: [10, 10, 10, 0, 0, 0, 0], stopAfter: undefined }],
        [{ maxSize: 2, gaps: [0, 5, 5, 5, 5], busy: [0, 30, 0, 0, 0, 0, 0], stopAfter: undefined }],
      ],
      describe: ({ maxSize, gaps, busy, stopAfter }) =>
        `maxSize ${maxSize}; a producer putting items 0 to ${gaps.length - 1}, waiting ${listMs(gaps)} before each; ` +
        `a loop busy for ${listMs(busy.slice(0, gaps.length))} after each item` +
        `${stopAfter !== undefined && stopAfter < gaps.length ? `, breaking after ${stopAfter}` : ''}`,
    },
  );
});
