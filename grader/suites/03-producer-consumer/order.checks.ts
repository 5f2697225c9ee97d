/** AsyncQueue: the order items and waiting callers are served in, the bound, and backpressure. */
import type * as Api from '../../../exercises/03-producer-consumer/index.ts';
import { CheckFailure, defineSuite, demand, fc, listMs, show } from '../../lab/index.ts';
import {
  listItems,
  missingFrom,
  pause,
  propertyWithExamples,
  sleep,
  takeAll,
  type Watched,
  watch,
} from './probes.ts';

const { check } = defineSuite<typeof Api>('03-producer-consumer');

check('queue-fifo', async ({ api, lab }) => {
  const queue = new api.AsyncQueue<number>();
  for (const item of [1, 2, 3, 4, 5]) await lab.run(() => queue.put(item), { label: `put(${item})` });
  const out: number[] = [];
  for (let i = 0; i < 5; i++) out.push(await lab.run(() => queue.get(), { label: 'get()' }));
  demand(
    show(out) === show([1, 2, 3, 4, 5]),
    `After put(1) … put(5), five get() calls should give 1, 2, 3, 4, 5 (first in, first out), but they gave ${listItems(out)}.`,
    { concept: 'first in, first out' },
  );

  const empty = new api.AsyncQueue<string>();
  const getters = ['first', 'second', 'third'].map((name) =>
    watch(lab, `the ${name} get()`, () => empty.get()),
  );
  await pause(lab);
  await lab.run(() => empty.put('a'), { label: "put('a')" });
  await pause(lab, 50);
  const [first, second, third] = getters;
  demand(
    first.state === 'fulfilled' && first.value === 'a' && second.pending && third.pending,
    () =>
      'Three get() calls waited on an empty queue, then one put(\'a\'). The first get() to wait should get "a" ' +
      `and the other two should keep waiting, but ${getters.map((get) => get.describe()).join('; ')}.`,
    {
      concept:
        second.pending && third.pending ? 'waiters served first come, first served' : 'waking every waiter',
    },
  );
  await lab.run(() => empty.put('b'), { label: "put('b')" });
  await lab.run(() => empty.put('c'), { label: "put('c')" });
  await pause(lab, 50);
  demand(
    second.value === 'b' && third.value === 'c',
    () =>
      `Then put('b') and put('c') should go to the second and third get() in turn, but ${second.describe()} and ${third.describe()}.`,
    { concept: 'waiters served first come, first served' },
  );

  const full = new api.AsyncQueue<string>(2);
  await lab.run(() => full.put('a'), { label: "put('a')" });
  await lab.run(() => full.put('b'), { label: "put('b')" });
  const putters: Watched<void>[] = [];
  for (const item of ['c', 'd', 'e']) {
    putters.push(watch(lab, `put('${item}')`, () => full.put(item)));
    await pause(lab);
  }
  const taken = await takeAll(lab, full, 5);
  const came = taken.filter((get) => get.state === 'fulfilled').map((get) => get.value);
  const expected = ['a', 'b', 'c', 'd', 'e'];
  const inOrder = came.every(
    (item, i) => i === 0 || expected.indexOf(item as string) > expected.indexOf(came[i - 1] as string),
  );
  demand(
    inOrder && came.every((item) => expected.includes(item as string)),
    () =>
      `On a queue of maxSize 2 holding "a" and "b", put('c'), put('d') and put('e') waited in that order. As get() ` +
      `makes room they should go in in that order, so get() should give a, b, c, d, e, but it gave ${listItems(came)}.`,
    { concept: 'waiters served first come, first served' },
  );
});

check('queue-never-overfills', async ({ api, lab }) => {
  const queue = new api.AsyncQueue<string>(1);
  const log: string[] = [];
  let worst = { size: 0, when: '' };
  const sample = (when: string) => {
    const size = queue.size;
    log.push(`${when} (size ${size})`);
    if (size > worst.size) worst = { size, when };
  };
  const settleHook = (watched: Watched<unknown>) => sample(watched.describe());
  await lab.run(() => queue.put('a'), { label: "put('a')" });
  sample("put('a') resolved");
  watch(lab, "put('b')", () => queue.put('b'), settleHook);
  sample("put('b') was called on the full queue");
  await pause(lab);
  watch(lab, 'get()', () => queue.get(), settleHook);
  sample('get() was called');
  watch(lab, "put('c')", () => queue.put('c'), settleHook);
  sample("put('c') was called in the same tick");
  await pause(lab);
  sample('then');
  demand(
    worst.size <= 1,
    () =>
      `On a queue of maxSize 1, size should never exceed 1, but it reached ${worst.size} when ${worst.when}. ` +
      `What happened:\n  ${log.join('\n  ')}\n` +
      (worst.when.startsWith("put('b') was called")
        ? 'A put() on a full queue should wait for room, not add its item.'
        : "The get() made room for the waiting put('b'), but put('c') took the free slot in the same tick, and " +
          "put('b') then went ahead without checking again."),
    { concept: 'check-then-act across an await' },
  );

  const step = fc.array(fc.constantFrom<'put' | 'get'>('put', 'get'), { minLength: 1, maxLength: 4 });
  await lab.property(
    [fc.integer({ min: 1, max: 3 }), fc.array(step, { minLength: 1, maxLength: 10 })],
    async (maxSize, steps) => {
      const bounded = new api.AsyncQueue<number>(maxSize);
      const events: string[] = [];
      let over: string | undefined;
      const look = (when: string) => {
        const size = bounded.size;
        events.push(`${when} (size ${size})`);
        if (size > maxSize && over === undefined) over = `${when}: size ${size}`;
      };
      let next = 0;
      for (const [i, ops] of steps.entries()) {
        events.push(`step ${i + 1}:`);
        for (const op of ops) {
          if (op === 'put') {
            const item = next++;
            watch(
              lab,
              `put(${item})`,
              () => bounded.put(item),
              (put) => look(`  ${put.describe()}`),
            );
            look(`  put(${item}) called`);
          } else {
            watch(
              lab,
              'get()',
              () => bounded.get(),
              (get) => look(`  ${get.describe()}`),
            );
            look('  get() called');
          }
        }
        await lab.advance(1);
      }
      demand(
        over === undefined,
        () =>
          `size should never exceed maxSize (${maxSize}), but it did: ${over}. The calls in each step were made in ` +
          `one synchronous tick:\n${events.join('\n')}`,
        { concept: 'check-then-act across an await' },
      );
    },
    {
      numRuns: 30,
      describe: (maxSize, steps) =>
        `maxSize ${maxSize}, steps ${steps.map((ops) => ops.join(' + ')).join(' | ')}`,
    },
  );
});

check('queue-backpressure', async ({ api, lab }) => {
  const plan = fc.record({
    maxSize: fc.integer({ min: 1, max: 3 }),
    producers: fc.array(fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 5 }), {
      minLength: 1,
      maxLength: 3,
    }),
    consumers: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 3 }),
  });
  const fixed = { maxSize: 2, producers: [[0, 0, 0, 0, 0, 0]], consumers: [100] };
  await propertyWithExamples(
    lab,
    [plan],
    async ({ maxSize, producers, consumers }) => {
      const queue = new api.AsyncQueue<string>(maxSize);
      const produced = producers.flatMap((gaps, p) => gaps.map((_, i) => `p${p}-${i}`));
      const putsDone: number[] = [];
      const getsDone: number[] = [];
      const received: string[] = [];
      let reserved = 0;
      let phantoms = 0;
      const produce = async (gaps: number[], p: number) => {
        for (const [i, gap] of gaps.entries()) {
          await sleep(lab, gap);
          await queue.put(`p${p}-${i}`);
          putsDone.push(lab.now());
        }
      };
      const consume = async (ms: number) => {
        while (reserved < produced.length && phantoms < 20) {
          reserved++;
          const item = await queue.get();
          if (!produced.includes(item)) {
            // A get() that gives something never put is queue-fifo's business, not this check's: ask again.
            reserved--;
            phantoms++;
            continue;
          }
          received.push(item);
          getsDone.push(lab.now());
          await sleep(lab, ms);
        }
      };
      const work = Promise.all([...producers.map(produce), ...consumers.map(consume)]);
      let finished = true;
      try {
        await lab.run(work, { label: 'the producers and consumers' });
      } catch (error) {
        if (!(error instanceof CheckFailure)) throw error;
        finished = false;
      }
      const lost = missingFrom(produced, received);
      demand(
        lost.length === 0,
        () =>
          `${produced.length} items were put, so get() should give each of them back, but ${listItems(lost)} ` +
          `never came out${finished ? '' : ' and the consumers waited for them forever'}. A put on a full queue ` +
          'must wait for room, not drop its item.',
        { concept: 'a full queue that drops items' },
      );
      demand(
        finished,
        () =>
          `Every item came out, but ${produced.length - putsDone.length} put() call(s) never finished: a put() ` +
          'waiting on a full queue must resolve once a get() has made room for its item.',
        { concept: 'backpressure' },
      );
      putsDone.sort((a, b) => a - b);
      getsDone.sort((a, b) => a - b);
      for (let k = maxSize; k < putsDone.length; k++) {
        demand(
          putsDone[k] >= getsDone[k - maxSize],
          () =>
            `With maxSize ${maxSize}, put number ${k + 1} can only finish once get number ${k + 1 - maxSize} has ` +
            `made room (at ${getsDone[k - maxSize]} ms), but it finished at ${putsDone[k]} ms: the queue held ` +
            `more than ${maxSize} item${maxSize === 1 ? '' : 's'}. Puts finished at ${listMs(putsDone)}; gets at ${listMs(getsDone)}.`,
          { concept: 'backpressure' },
        );
      }
    },
    {
      numRuns: 20,
      examples: [[fixed]],
      describe: ({ maxSize, producers, consumers }) =>
        `maxSize ${maxSize}; producers sleeping ${producers.map((gaps) => `[${listMs(gaps)}]`).join(', ')} before ` +
        `each put; consumers taking ${listMs(consumers)} per item`,
    },
  );
});
