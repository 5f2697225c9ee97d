/** AsyncQueue: callers that wait, give up (abort), or must not spin while they wait. */
import type * as Api from '../../../exercises/03-producer-consumer/index.ts';
import { defineSuite, demand, fc, show } from '../../lab/index.ts';
import { PipelineProbe, runForTimeline } from './pipeline.ts';
import { listItems, pause, takeAll, watch } from './probes.ts';
import { checkRaces, describeRace, raceScenario } from './races.ts';

const { check } = defineSuite<typeof Api>('03-producer-consumer');

check('queue-abort', async ({ api, lab }) => {
  const queue = new api.AsyncQueue<string>();
  const controller = lab.controller();
  const reason = new Error('gave up waiting');
  const aborted = watch(lab, 'the aborted get(signal)', () => queue.get(controller.signal));
  const waiting = watch(lab, 'the other get()', () => queue.get());
  await pause(lab);
  controller.abort(reason);
  await pause(lab, 1);
  demand(
    aborted.state === 'rejected' && aborted.reason === reason && (aborted.at ?? 0) <= 11,
    () =>
      `A waiting get(signal) should reject with signal.reason as soon as the signal aborts (10 ms), but ${aborted.describe()}.`,
    { concept: 'cancelling a waiter' },
  );
  await lab.run(() => queue.put('a'), { label: "put('a')" });
  await pause(lab, 50);
  demand(
    waiting.state === 'fulfilled' && waiting.value === 'a',
    () =>
      `After the first get() was aborted, put('a') should go to the get() still waiting, but ${waiting.describe()}. ` +
      'An aborted waiter must leave the line, or the next item is handed to nobody and lost.',
    { concept: 'a cancelled waiter left in the line' },
  );

  // The race: the first waiting getter is handed "r" and aborts in the same tick, before its code runs again.
  const racing = lab.controller();
  const first = watch(lab, 'get(signal)', () => queue.get(racing.signal));
  const second = watch(lab, 'the get() behind it', () => queue.get());
  await pause(lab);
  queue.put('r');
  racing.abort(reason);
  await pause(lab, 50);
  // Whether the get() behind stays waiting is queue-fifo's business; here only "r" and the abort are judged.
  const gotIt = [first, second].filter((get) => get.state === 'fulfilled' && get.value === 'r');
  demand(
    gotIt.length === 1 && (first.state !== 'rejected' || first.reason === reason),
    () =>
      "Two get() calls waited; then, in one tick, put('r') and an abort of the first get(). Either the first " +
      'get() had already been given "r" (and resolves with it), or it rejects with signal.reason and "r" goes to ' +
      `the second; but ${first.describe()} and ${second.describe()}. An aborted get never loses an item.`,
    { concept: 'a cancelled waiter left in the line' },
  );
  if (second.pending) {
    watch(lab, "put('s')", () => queue.put('s'));
    await pause(lab, 50);
  }

  const early = lab.controller();
  early.abort(reason);
  await lab.run(() => queue.put('b'), { label: "put('b')" });
  const refused = await lab.settle(() => queue.get(early.signal), { label: 'get(abortedSignal)' });
  const kept = watch(lab, 'the next get()', () => queue.get());
  await pause(lab);
  demand(
    refused.status === 'rejected' && refused.reason === reason && kept.value === 'b',
    () =>
      `With "b" in the queue, get(signal) with a signal that is already aborted should reject with signal.reason ` +
      `and leave "b" for the next get(), but get(abortedSignal) ${refused.status === 'rejected' ? `rejected with ${show(refused.reason)}` : `resolved with ${show(refused.value)}`} and ${kept.describe()}.`,
    { concept: 'cancelling a waiter' },
  );

  const full = new api.AsyncQueue<string>(1);
  await lab.run(() => full.put('x'), { label: "put('x')" });
  const putController = lab.controller();
  const put = watch(lab, "put('y', signal)", () => full.put('y', putController.signal));
  await pause(lab);
  // A queue whose put() never waits fails queue-backpressure; here only a put that waited can be aborted.
  const waited = put.pending;
  if (waited) {
    putController.abort(reason);
    await pause(lab, 1);
    demand(
      put.state === 'rejected' && put.reason === reason,
      () =>
        `A put waiting on a full queue should reject with signal.reason when its signal aborts, but ${put.describe()}.`,
      { concept: 'cancelling a waiter' },
    );
  }
  const refusedPut = await lab.settle(() => full.put('z', early.signal), {
    label: "put('z', abortedSignal)",
  });
  demand(
    refusedPut.status === 'rejected' && refusedPut.reason === reason,
    `put(item, signal) with a signal that is already aborted should reject with signal.reason, but it ${refusedPut.status === 'fulfilled' ? 'resolved' : `rejected with ${show(refusedPut.reason)}`}.`,
    { concept: 'cancelling a waiter' },
  );
  // Whether a put() that never waited kept its item is queue-backpressure's business, so "y" may come out then.
  const rejected = waited ? ['y', 'z'] : ['z'];
  const out = await takeAll(lab, full, 3);
  const came = out.filter((get) => get.state === 'fulfilled').map((get) => get.value);
  demand(
    came[0] === 'x' && !came.some((item) => rejected.includes(item as string)) && out[out.length - 1].pending,
    () =>
      `${listItems(rejected)} ${rejected.length === 1 ? 'was' : 'were'} rejected (${waited ? '"y" was aborted while it waited, and ' : ''}"z" came ` +
      `with an aborted signal), so get() should give "x"${waited ? '' : ' (and "y")'} and then wait, but ` +
      `${out.map((get) => get.describe()).join(', ')}. An aborted put inserts nothing.`,
    { concept: 'cancelling a waiter' },
  );
  // Serve the get() still waiting, so that nothing is left waiting when the listeners are counted below.
  watch(lab, "put('w')", () => full.put('w'));
  await pause(lab, 50);

  const tidy = new api.AsyncQueue<string>(1);
  const signal = lab.controller().signal;
  const served = watch(lab, 'get(signal)', () => tidy.get(signal));
  await pause(lab);
  await lab.run(() => tidy.put('p', signal), { label: "put('p', signal)" });
  await lab.run(() => tidy.put('q', signal), { label: "put('q', signal)" });
  const blocked = watch(lab, "put('r', signal)", () => tidy.put('r', signal));
  await pause(lab);
  await lab.run(() => tidy.get(signal), { label: 'get(signal)' });
  await pause(lab);
  demand(
    served.value === 'p' && blocked.state === 'fulfilled',
    () =>
      'Calls with a signal that never aborts should be served like any other: a get(signal) waiting on an empty ' +
      `queue gets the next item, and a put(item, signal) waiting on a full one goes in once a get() makes room, but ` +
      `${served.describe()} and ${blocked.describe()}.`,
  );
  lab.expectNothingPending('get(signal) and put(item, signal) calls that were served');

  await lab.property(
    [fc.scheduler(), raceScenario],
    async (scheduler, scenario) => {
      await checkRaces(lab, () => new api.AsyncQueue<string>(), scheduler, scenario);
    },
    { numRuns: 40, describe: describeRace },
  );
});

check('no-busy-waiting', async ({ api, lab }) => {
  const empty = new api.AsyncQueue<string>();
  const getters = [1, 2, 3].map((n) => watch(lab, `get() number ${n}`, () => empty.get()));
  await pause(lab, 60_000);
  const whileGetting = lab.clock.studentTimersFired;
  for (const item of ['x', 'y', 'z']) watch(lab, `put('${item}')`, () => empty.put(item));
  await pause(lab, 50);

  const full = new api.AsyncQueue<string>(1);
  await lab.run(() => full.put('a'), { label: "put('a')" });
  const before = lab.clock.studentTimersFired;
  const putter = watch(lab, "put('b')", () => full.put('b'));
  await pause(lab, 60_000);
  const whilePutting = lab.clock.studentTimersFired - before;
  demand(
    whileGetting === 0 && whilePutting === 0,
    `Three get() calls waited 60 s on an empty queue, then a put() waited 60 s on a full one. Waiting should cost ` +
      `nothing, but your code fired ${whileGetting} timer${whileGetting === 1 ? '' : 's'} while the getters waited ` +
      `and ${whilePutting} while the putter waited. Park a waiting caller on a promise and resolve it when the ` +
      'queue changes; do not poll with setTimeout.',
    { concept: 'busy waiting' },
  );
  watch(lab, 'get()', () => full.get());
  await pause(lab, 50);
  const unserved = [...getters, putter].filter((call) => call.pending);
  demand(
    unserved.length === 0,
    () =>
      `Waiting calls should be served once the queue changes, but ${unserved.map((call) => call.describe()).join('; ')}.`,
  );

  lab.reset();
  const probe = new PipelineProbe<string>(lab, { duration: () => 5 });
  const producer = probe.producer(0, {
    kind: 'async',
    items: ['a', 'b', 'c'],
    gaps: [10_000, 10_000, 10_000],
  });
  await runForTimeline(
    lab,
    () => api.runPipeline({ producers: [producer], consumers: 1, queueSize: 1, handle: probe.handle }),
    'runPipeline(a producer that sleeps 10 s per item, 1 consumer)',
  );
  const fired = lab.clock.studentTimersFired;
  demand(
    fired === 0,
    `While its consumer waited 10 s for each item, your pipeline fired ${fired} timer${fired === 1 ? '' : 's'}. ` +
      'A consumer should wait in get(), not poll.',
    { concept: 'busy waiting' },
  );
});
