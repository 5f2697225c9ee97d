/** AsyncQueue: join and taskDone, close, and async iteration. */
import type * as Api from '../../../exercises/03-producer-consumer/index.ts';
import { defineSuite, demand, show } from '../../lab/index.ts';
import { drain, listItems, pause, watch } from './probes.ts';

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
});
